"""The SQL of catch-ups: who joined a campaign's lists after some of its issues went, what each
person already caught up on, and a catch-up written as an issue row with its ledger rows.

    starters(conn, campaign_id, joined_by) -> [Starter]; caught_up(conn, campaign_id) -> {...}
    insert_catch_up(conn, campaign_id, values, people) -> issue id (its audience in the ledger)

A catch-up is a row of `issues` (kind 'catch-up', `covers` = the missed issues' ids) whose
audience is the people given, not lists: the send loop, rate limits, exactly-once, crash safety
and `status` then work as for any issue. Functions take a Connection inside the caller's
transaction; `lock_campaign` serialises planners of one campaign (two workers on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from briefcast.store.campaigns import SERIES
from briefcast.store.issue_states import GONE_OUT, INITIAL
from briefcast.store.ledger import delivery_status
from briefcast.store.schema import (
    DeliveryStatus,
    IssueKind,
    IssueState,
    campaigns,
    deliveries,
    issues,
    lists,
    memberships,
    read_utc,
    recipients,
    to_utc,
    utcnow,
)
from briefcast.store.suppressions import suppressed_for

CATCH_UP = issues.c.kind == IssueKind.CATCH_UP.value
S = IssueState


@dataclass(frozen=True)
class GoneOut:
    """An issue of the series that has started going out: what a later joiner missed."""

    id: int
    number: int
    started_at: datetime
    lists: tuple[str, ...]
    exclude_lists: tuple[str, ...]


@dataclass(frozen=True)
class Starter:
    """A person on one of the campaign's lists, not suppressed there, with when they joined it."""

    recipient_id: int
    address: str
    list_id: int
    list_slug: str
    joined_at: datetime


@dataclass(frozen=True)
class CaughtUp:
    """What one person has had of catch-ups (queued or sent): the missed issues covered, and
    when their latest catch-up was planned (replay spacing counts from it)."""

    covered: frozenset[int]
    count: int
    last_planned_at: datetime


@dataclass(frozen=True)
class CatchUpValues:
    title: str
    subject: str
    slug: str
    covers: tuple[int, ...]  # the missed issues' ids, oldest first
    planned_at: datetime
    sender: str
    reply_to: str | None
    html: str
    text: str
    digest: dict[str, Any]  # versioned snapshot of what it shows


def lock_campaign(conn: Connection, campaign_id: int) -> None:
    """Hold the campaign's row until commit (PostgreSQL); SQLite's write lock already does."""
    conn.execute(select(campaigns.c.id).where(campaigns.c.id == campaign_id).with_for_update())


def gone_out(conn: Connection, campaign_id: int) -> list[GoneOut]:
    """The series' issues that started going out, in the order they did."""
    i = issues.c
    query = (
        select(i.id, i.number, i.started_at, i.lists, i.exclude_lists)
        .where(
            i.campaign_id == campaign_id,
            SERIES,
            i.started_at.is_not(None),
            i.state.in_([s.value for s in GONE_OUT]),
        )
        .order_by(i.started_at, i.number)
    )
    return [
        GoneOut(
            row.id,
            row.number,
            read_utc(row.started_at),
            tuple(row.lists),
            tuple(row.exclude_lists or ()),
        )
        for row in conn.execute(query)
    ]


def starters(
    conn: Connection, slugs: Sequence[str], joined_after: datetime, joined_by: datetime
) -> list[Starter]:
    """People who joined one of the lists `slugs` after `joined_after` and by `joined_by`, not
    suppressed on it; a person on several such lists once, through the first in `slugs` order."""
    m, r, li = memberships.c, recipients.c, lists.c
    query = (
        select(r.id, r.address, li.id, li.slug, m.added_at)
        .select_from(memberships.join(recipients).join(lists))
        .where(
            li.slug.in_(list(slugs)),
            m.added_at > to_utc(joined_after),
            m.added_at <= to_utc(joined_by),
            ~suppressed_for(r.address, m.list_id),
        )
        .order_by(r.id)
    )
    order = {slug: position for position, slug in enumerate(slugs)}
    found: dict[int, Starter] = {}
    for row in conn.execute(query):
        starter = Starter(row[0], row[1], row[2], row[3], read_utc(row[4]))  # type: ignore[arg-type]
        kept = found.get(starter.recipient_id)
        if kept is None or order[starter.list_slug] < order[kept.list_slug]:
            found[starter.recipient_id] = starter
    return list(found.values())


def received(
    conn: Connection, issue_ids: Sequence[int], people: Sequence[int]
) -> set[tuple[int, int]]:
    """(issue id, recipient id) for each ledger row of these issues and people."""
    found: set[tuple[int, int]] = set()
    for start in range(0, len(people), 500):  # within every database's parameter limit
        query = select(deliveries.c.issue_id, deliveries.c.recipient_id).where(
            deliveries.c.issue_id.in_(list(issue_ids)),
            deliveries.c.recipient_id.in_(list(people[start : start + 500])),
        )
        found.update((row[0], row[1]) for row in conn.execute(query))
    return found


def members(conn: Connection, slugs: Sequence[str], people: Sequence[int]) -> dict[int, set[str]]:
    """Which of the lists `slugs` each of these people is on (an issue's excluded lists)."""
    found: dict[int, set[str]] = {}
    if not slugs:
        return found
    for start in range(0, len(people), 500):
        query = (
            select(memberships.c.recipient_id, lists.c.slug)
            .select_from(memberships.join(lists))
            .where(
                lists.c.slug.in_(list(slugs)),
                memberships.c.recipient_id.in_(list(people[start : start + 500])),
            )
        )
        for recipient_id, slug in conn.execute(query):
            found.setdefault(recipient_id, set()).add(slug)
    return found


def caught_up(conn: Connection, campaign_id: int) -> dict[int, CaughtUp]:
    """Per recipient id, the catch-ups of the campaign they have a ledger row in (any status:
    one skipped or failed is not planned again, like an issue's row)."""
    query = (
        select(deliveries.c.recipient_id, issues.c.covers, issues.c.planned_at)
        .select_from(deliveries.join(issues))
        .where(
            issues.c.campaign_id == campaign_id, CATCH_UP, deliveries.c.recipient_id.is_not(None)
        )
    )
    rows: dict[int, list[tuple[list[int], datetime]]] = {}
    for recipient_id, covers, planned_at in conn.execute(query):
        rows.setdefault(recipient_id, []).append((covers or [], read_utc(planned_at)))  # type: ignore[arg-type]
    return {
        person: CaughtUp(
            covered=frozenset(id_ for covers, _ in found for id_ in covers),
            count=len(found),
            last_planned_at=max(at for _, at in found),
        )
        for person, found in rows.items()
    }


def insert_catch_up(
    conn: Connection, campaign_id: int, values: CatchUpValues, people: Iterable[tuple[int, int]]
) -> int:
    """A catch-up issue (scheduled at `planned_at`) and a QUEUED ledger row for each (recipient
    id, list id) in `people`; its audience is then resolved, so the send loop keeps it as is."""
    lowest = conn.execute(
        select(func.min(issues.c.number)).where(issues.c.campaign_id == campaign_id, CATCH_UP)
    ).scalar()
    number = min(lowest or 0, 0) - 1
    issue_id = conn.execute(
        insert(issues).values(
            campaign_id=campaign_id,
            number=number,
            kind=IssueKind.CATCH_UP.value,
            covers=list(values.covers),
            title=values.title,
            subject=values.subject,
            slug=values.slug,
            planned_at=to_utc(values.planned_at),
            state=INITIAL.value,
            lists=[],
            exclude_lists=[],
            sender=values.sender,
            reply_to=values.reply_to,
            html=values.html,
            text=values.text,
            digest=values.digest,
        )
    ).inserted_primary_key[0]
    now = utcnow()
    rows = [
        dict(
            issue_id=issue_id,
            recipient_id=recipient_id,
            list_id=list_id,
            status=DeliveryStatus.QUEUED.value,
            attempts=0,
            updated_at=now,
        )
        for recipient_id, list_id in people
    ]
    if rows:
        conn.execute(insert(deliveries), rows)
    conn.execute(update(issues).where(issues.c.id == issue_id).values(audience_size=len(rows)))
    return issue_id


def envelope(conn: Connection, campaign_id: int) -> tuple[str, str | None]:
    """The sender and Reply-To of the series' latest issue: a catch-up comes from the same place."""
    row = conn.execute(
        select(issues.c.sender, issues.c.reply_to)
        .where(issues.c.campaign_id == campaign_id, SERIES)
        .order_by(issues.c.number.desc())
        .limit(1)
    ).one()
    return row[0], row[1]


def catch_up_ids(conn: Connection, campaign_id: int) -> dict[int, tuple[int, ...]]:
    """Each catch-up of the campaign by id, with the issues it covers (for the report)."""
    query = select(issues.c.id, issues.c.covers).where(
        and_(issues.c.campaign_id == campaign_id, CATCH_UP)
    )
    return {row[0]: tuple(row[1] or ()) for row in conn.execute(query)}


def catch_ups_to_send(conn: Connection, campaign_id: int) -> list[int]:
    """The campaign's catch-ups planned and not yet sent, oldest first: scheduled, sending, or
    missed (the worker was away too long; `briefcast catch-up` is the person deciding)."""
    query = (
        select(issues.c.id)
        .where(
            issues.c.campaign_id == campaign_id,
            CATCH_UP,
            issues.c.state.in_([s.value for s in (S.SCHEDULED, S.SENDING, S.MISSED)]),
        )
        .order_by(issues.c.id)
    )
    return list(conn.execute(query).scalars())


def in_flight(conn: Connection, campaign_id: int) -> int:
    """Catch-up messages planned and not yet final (queued or being sent), for `status`."""
    return _rows(conn, campaign_id, (DeliveryStatus.QUEUED, DeliveryStatus.SENDING))


def unknown(conn: Connection, campaign_id: int) -> int:
    """Catch-up messages whose outcome is unknown (the relay took them whole, never answered),
    for `status` and the console: a person may resend them (`with_unknown`)."""
    return _rows(conn, campaign_id, (DeliveryStatus.UNKNOWN,))


def with_unknown(conn: Connection, campaign_id: int) -> list[int]:
    """The campaign's catch-ups with a message whose outcome is unknown, oldest first: those a
    person's resend queues again (delivery/control.py's resend_unknown)."""
    query = (
        select(issues.c.id)
        .where(
            issues.c.campaign_id == campaign_id,
            CATCH_UP,
            select(deliveries.c.id)
            .where(
                deliveries.c.issue_id == issues.c.id,
                deliveries.c.status == DeliveryStatus.UNKNOWN.value,
            )
            .exists(),
        )
        .order_by(issues.c.id)
    )
    return list(conn.execute(query).scalars())


def _rows(conn: Connection, campaign_id: int, statuses: Sequence[DeliveryStatus]) -> int:
    query = (
        select(func.count())
        .select_from(deliveries.join(issues))
        .where(
            issues.c.campaign_id == campaign_id,
            CATCH_UP,
            delivery_status.in_([status.value for status in statuses]),
        )
    )
    return conn.execute(query).scalar_one()
