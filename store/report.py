"""The queries behind the dissemination report: ledger counts grouped by issue, list and agency.

One grouped query does the counting: the database returns a row per (issue, list, organisation as
merged on the Organisations page: store/organisations.py)
with the counts, a few hundred rows at most however large the audience; reports/ adds them up
by issue, list, organisation and theme.

An unsubscribe is counted for an issue when the person's address was suppressed by the
unsubscribe link (on that list or on all lists) after the issue started going out and before the
next issue did: the link they used was most likely in that issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, case, exists, func, or_, select

from briefcast.store.bounces import FROM_REPORT
from briefcast.store.campaigns import SERIES
from briefcast.store.catch_up import CATCH_UP, catch_up_ids
from briefcast.store.ledger import delivery_status
from briefcast.store.organisations import reported
from briefcast.store.schema import (
    DeliveryStatus,
    SuppressionReason,
    acknowledgements,
    deliveries,
    issues,
    lists,
    organisation_aliases,
    read_utc,
    recipients,
    suppressions,
)
from briefcast.store.web import UNSUBSCRIBE_ACTOR

PENDING = (DeliveryStatus.QUEUED.value, DeliveryStatus.SENDING.value)


@dataclass(frozen=True)
class GroupCounts:
    """The counts of one (issue, list, organisation) group of ledger rows."""

    issue_id: int
    list_slug: str | None  # None: the list has been deleted since
    list_name: str | None
    organisation: str | None
    erased: bool  # the people of this group were erased: no organisation is known any more
    audience: int
    sent: int
    failed: int
    bounced: int
    skipped: int
    pending: int
    unsubscribed: int
    acknowledged: int
    # Sent, then a delivery report came back (bounces/): counted in bounced or failed too.
    returned: int
    unknown: int  # handed over whole, never answered: perhaps delivered


@dataclass(frozen=True)
class PersonRow:
    """One ledger row with who it was for: only for `briefcast report --detail`."""

    issue_number: int
    address: str | None  # None: erased
    name: str | None
    organisation: str | None
    list_name: str | None
    status: str
    unsubscribed: bool
    acknowledged_at: datetime | None
    reflection: str | None


def group_counts(conn: Connection, campaign_id: int) -> list[GroupCounts]:
    """The ledger of every issue of the campaign, counted per (issue, list, organisation)."""
    d, r, li = deliveries.c, recipients.c, lists.c
    window = _windows(campaign_id)
    erased = case((d.recipient_id.is_(None), 1), else_=0)
    # merged organisations (the Organisations page) count as the one they were merged into
    keys = (d.issue_id, li.slug, li.name, reported(r.organisation), erased)
    query = (
        select(
            *keys,
            func.count().label("audience"),
            *(_count(delivery_status == status.value) for status in _FINAL),
            _count(delivery_status.in_(PENDING)),
            _count(_unsubscribed(window)),
            func.count(acknowledgements.c.id),
            _count(d.bounce_source == FROM_REPORT),
            _count(delivery_status == DeliveryStatus.UNKNOWN.value),
        )
        .select_from(_ledger(window))
        .group_by(*keys)
        .order_by(d.issue_id)
    )
    return [GroupCounts(*row[:4], bool(row[4]), *row[5:]) for row in conn.execute(query)]


def people(conn: Connection, campaign_id: int) -> list[PersonRow]:
    """Every ledger row of the campaign with its person, status and acknowledgement."""
    d, r, li, a = deliveries.c, recipients.c, lists.c, acknowledgements.c
    window = _windows(campaign_id)
    query = (
        select(
            window.c.number,
            r.address,
            r.name,
            reported(r.organisation),
            li.name,
            delivery_status,
            _unsubscribed(window),
            a.created_at,
            a.reflection,
        )
        .select_from(_ledger(window))
        .order_by(
            window.c.number, reported(r.organisation).nulls_last(), r.address.nulls_last(), d.id
        )
    )
    return [
        PersonRow(*row[:6], bool(row[6]), read_utc(row[7]), row[8]) for row in conn.execute(query)
    ]


@dataclass(frozen=True)
class CatchUpCounts:
    """One catch-up's reach: the issues it brought to new starters, sent and acknowledged, and
    its messages whose outcome is unknown."""

    covers: tuple[int, ...]  # issue ids
    sent: int
    acknowledged: int
    unknown: int = 0


def catch_up_counts(conn: Connection, campaign_id: int) -> list[CatchUpCounts]:
    """Each catch-up of the campaign with its messages sent, acknowledgements and unknown
    outcomes."""
    d = deliveries.c
    covers = catch_up_ids(conn, campaign_id)  # apart: PostgreSQL cannot group by a JSON column
    query = (
        select(
            issues.c.id,
            _count(delivery_status == DeliveryStatus.SENT.value),
            func.count(acknowledgements.c.id),
            _count(delivery_status == DeliveryStatus.UNKNOWN.value),
        )
        .select_from(
            deliveries.join(issues, d.issue_id == issues.c.id).outerjoin(
                acknowledgements, acknowledgements.c.delivery_id == d.id
            )
        )
        .where(issues.c.campaign_id == campaign_id, CATCH_UP)
        .group_by(issues.c.id)
    )
    return [CatchUpCounts(covers[row[0]], *row[1:]) for row in conn.execute(query)]


_FINAL = (
    DeliveryStatus.SENT,
    DeliveryStatus.FAILED,
    DeliveryStatus.BOUNCED,
    DeliveryStatus.SKIPPED,
)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _windows(campaign_id: int):  # type: ignore[no-untyped-def]
    """Each issue of the campaign with the time it started and the time the next one started."""
    later = issues.alias("later")
    next_start = (
        select(func.min(later.c.started_at))
        .where(
            later.c.campaign_id == issues.c.campaign_id,
            later.c.kind == issues.c.kind,
            later.c.started_at > issues.c.started_at,
        )
        .scalar_subquery()
    )
    return (
        select(
            issues.c.id,
            issues.c.number,
            issues.c.started_at.label("starts"),
            next_start.label("ends"),
        )
        .where(issues.c.campaign_id == campaign_id, SERIES)
        .subquery("windows")
    )


def _ledger(window):  # type: ignore[no-untyped-def]
    d = deliveries.c
    return (
        deliveries.join(window, d.issue_id == window.c.id)
        .outerjoin(recipients, d.recipient_id == recipients.c.id)
        .outerjoin(organisation_aliases, organisation_aliases.c.name == recipients.c.organisation)
        .outerjoin(lists, d.list_id == lists.c.id)
        .outerjoin(acknowledgements, acknowledgements.c.delivery_id == d.id)
    )


def _unsubscribed(window) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    s = suppressions.c
    return exists().where(
        s.address == recipients.c.address,
        s.reason == SuppressionReason.UNSUBSCRIBED.value,
        s.created_by == UNSUBSCRIBE_ACTOR,
        or_(s.list_id.is_(None), s.list_id == deliveries.c.list_id),
        s.created_at >= window.c.starts,
        or_(window.c.ends.is_(None), and_(s.created_at < window.c.ends)),
    )
