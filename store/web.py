"""The queries behind the link pages: what a link's delivery leads to, unsubscribing, acknowledging.

Every link in an email names one ledger row (a delivery). `link_target()` reads what the pages
need about it in one query; the writes (`unsubscribe`, `record_acknowledgement`) take what it
returned, inside the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, exists, insert, literal, or_, select

from briefcast.store.campaigns import SERIES, all_campaigns, campaign_by_id
from briefcast.store.issue_states import GONE_OUT
from briefcast.store.ledger import delivery_status
from briefcast.store.schema import (
    DeliveryStatus,
    SuppressionReason,
    acknowledgements,
    campaigns,
    deliveries,
    issues,
    lists,
    memberships,
    read_utc,
    recipients,
)
from briefcast.store.suppressions import add_suppression, find_suppression, suppressed_for

# suppressions.created_by of an unsubscribe through the link: the report counts these.
UNSUBSCRIBE_ACTOR = "unsubscribe link"


@dataclass(frozen=True)
class LinkTarget:
    """One delivery as the link pages see it. `address` is None once the person is erased."""

    delivery_id: int
    issue_id: int
    campaign_id: int
    recipient_id: int | None
    address: str | None
    name: str | None
    list_id: int | None
    list_name: str | None
    unsubscribe_offered: bool
    issue_number: int
    issue_title: str
    campaign_title: str
    partnership: str | None
    contact: str  # who to write to: the issue's Reply-To, else its sender ("Name <address>")

    @property
    def erased(self) -> bool:
        return self.recipient_id is None or self.address is None


@dataclass(frozen=True)
class ListStanding:
    """One list a person is on (or the list their link came through), for the unsubscribe pages."""

    list_id: int
    name: str
    unsubscribe_offered: bool  # False: they are on it because of their job
    suppressed: bool  # a suppression covers it (this list's own, or every list's)


@dataclass(frozen=True)
class IssueDocument:
    """An issue's stored skeleton (HTML and text with [[placeholders]]), for the web view."""

    campaign_id: int
    campaign_title: str
    number: int
    title: str
    html: str
    text: str
    lists: tuple[str, ...]


@dataclass(frozen=True)
class ArchiveEntry:
    number: int
    title: str
    sent_on: datetime | None


def link_target(conn: Connection, delivery_id: int) -> LinkTarget | None:
    """What the link's delivery leads to; None if the delivery no longer exists."""
    d, i, c, r, li = deliveries.c, issues.c, campaigns.c, recipients.c, lists.c
    query = (
        select(
            d.id,
            d.issue_id,
            i.campaign_id,
            d.recipient_id,
            r.address,
            r.name,
            d.list_id,
            li.name.label("list_name"),
            li.unsubscribe_offered,
            i.number,
            i.title,
            c.title.label("campaign_title"),
            i.digest,
            i.sender,
            i.reply_to,
        )
        .select_from(
            deliveries.join(issues, d.issue_id == i.id)
            .join(campaigns, i.campaign_id == c.id)
            .outerjoin(recipients, d.recipient_id == r.id)
            .outerjoin(lists, d.list_id == li.id)
        )
        .where(d.id == delivery_id)
    )
    row = conn.execute(query).one_or_none()
    if row is None:
        return None
    digest: dict[str, Any] = row.digest or {}
    return LinkTarget(
        delivery_id=row.id,
        issue_id=row.issue_id,
        campaign_id=row.campaign_id,
        recipient_id=row.recipient_id,
        address=row.address,
        name=row.name,
        list_id=row.list_id,
        list_name=row.list_name,
        # A deleted list offers nothing to unsubscribe from: say who to contact instead.
        unsubscribe_offered=bool(row.unsubscribe_offered),
        issue_number=row.number,
        issue_title=row.title,
        campaign_title=row.campaign_title,
        partnership=digest.get("partnership"),
        contact=row.reply_to or row.sender,
    )


# -- unsubscribing -----------------------------------------------------------------------------


def is_unsubscribed(conn: Connection, address: str, list_id: int | None) -> bool:
    """Whether a suppression already covers this scope: all lists, or (list_id) that list too."""
    if find_suppression(conn, address, None) is not None:
        return True
    return list_id is not None and find_suppression(conn, address, list_id) is not None


def list_standings(conn: Connection, target: LinkTarget) -> list[ListStanding]:
    """Every list the target's person is on, and the list the link came through, by name."""
    assert target.address is not None, "an erased person has no lists"
    li = lists.c
    their_lists = select(memberships.c.list_id).where(
        memberships.c.recipient_id == target.recipient_id
    )
    query = (
        select(
            li.id,
            li.name,
            li.unsubscribe_offered,
            suppressed_for(literal(target.address), li.id).label("suppressed"),
        )
        .where(or_(li.id == target.list_id, li.id.in_(their_lists)))
        .order_by(li.name, li.id)
    )
    return [
        ListStanding(row.id, row.name, bool(row.unsubscribe_offered), bool(row.suppressed))
        for row in conn.execute(query)
    ]


def unsubscribe(conn: Connection, target: LinkTarget) -> bool:
    """Suppress the address on the target's list; False if a suppression already covered it."""
    _serialise(conn, target)
    if is_unsubscribed(conn, _address(target), target.list_id):
        return False
    _add_unsubscribe(conn, _address(target), target.list_id)
    return True


def unsubscribe_everywhere(conn: Connection, target: LinkTarget) -> list[str]:
    """Suppress the address on each list it is on that offers unsubscribing, one suppression per
    list; returns the names of the lists newly suppressed (empty: nothing changed).

    Lists people are on because of their job (no unsubscribe link) are left alone: "all lists"
    means all the lists they could leave one by one, not a way round the ones they cannot.
    """
    _serialise(conn, target)
    leaving = [
        s for s in list_standings(conn, target) if s.unsubscribe_offered and not s.suppressed
    ]
    for standing in leaving:
        _add_unsubscribe(conn, _address(target), standing.list_id)
    return [standing.name for standing in leaving]


def _serialise(conn: Connection, target: LinkTarget) -> None:
    """Two POSTs at once (the mail provider's one-click and the person's button) must not both
    insert: on PostgreSQL the recipient's row serialises them; SQLite has one writer anyway."""
    conn.execute(
        select(recipients.c.id).where(recipients.c.id == target.recipient_id).with_for_update()
    )


def _add_unsubscribe(conn: Connection, address: str, list_id: int | None) -> None:
    add_suppression(
        conn,
        reason=SuppressionReason.UNSUBSCRIBED,
        created_by=UNSUBSCRIBE_ACTOR,
        address=address,
        list_id=list_id,
    )


def _address(target: LinkTarget) -> str:
    assert target.address is not None, "an erased person's link cannot unsubscribe"
    return target.address


# -- acknowledging -----------------------------------------------------------------------------


def acknowledged_at(conn: Connection, delivery_id: int) -> datetime | None:
    query = select(acknowledgements.c.created_at).where(
        acknowledgements.c.delivery_id == delivery_id
    )
    return read_utc(conn.execute(query).scalar_one_or_none())


def record_acknowledgement(conn: Connection, target: LinkTarget, reflection: str | None) -> bool:
    """Record that the target's recipient read the issue; False if already recorded.

    The unique delivery_id still guards a race between the check and the insert: the loser's
    transaction fails with an IntegrityError, which the caller turns into "already recorded".
    """
    if acknowledged_at(conn, target.delivery_id) is not None:
        return False
    conn.execute(
        insert(acknowledgements).values(
            delivery_id=target.delivery_id,
            issue_id=target.issue_id,
            recipient_id=target.recipient_id,
            list_id=target.list_id,
            reflection=reflection,
        )
    )
    return True


# -- the web view and the archive --------------------------------------------------------------


def issue_document(conn: Connection, issue_id: int) -> IssueDocument:
    i, c = issues.c, campaigns.c
    query = (
        select(i.campaign_id, c.title.label("campaign_title"), i.number, i.title, i.html, i.text)
        .add_columns(i.lists)
        .select_from(issues.join(campaigns, i.campaign_id == c.id))
        .where(i.id == issue_id)
    )
    row = conn.execute(query).one()
    return IssueDocument(**{**row._mapping, "lists": tuple(row.lists or ())})


def sent_issue_id(conn: Connection, campaign_id: int, number: int) -> int | None:
    """The id of a campaign's issue that has gone out; None if there is none by that number."""
    query = select(issues.c.id).where(
        issues.c.campaign_id == campaign_id,
        issues.c.number == number,
        SERIES,
        issues.c.started_at.is_not(None),
        issues.c.state.in_([s.value for s in GONE_OUT]),
        _anything_sent(),
    )
    return conn.execute(query).scalar_one_or_none()


def campaign_ids(conn: Connection) -> dict[str, int]:
    """Every campaign's id by name, for printing the archive links."""
    return {campaign.name: campaign.id for campaign in all_campaigns(conn)}


def example_delivery(conn: Connection, campaign_id: int) -> int | None:
    """A delivery of the campaign that was sent to someone still on record, to show what the links
    do (the demo prints its links): the earliest part of the series (not a catch-up), preferring
    a list that offers unsubscribing."""
    d, li = deliveries.c, lists.c
    query = (
        select(d.id)
        .select_from(
            deliveries.join(issues, d.issue_id == issues.c.id).join(lists, d.list_id == li.id)
        )
        .where(
            issues.c.campaign_id == campaign_id,
            SERIES,
            delivery_status == DeliveryStatus.SENT.value,
            d.recipient_id.is_not(None),
        )
        .order_by(li.unsubscribe_offered.desc(), issues.c.number, d.id)
        .limit(1)
    )
    return conn.execute(query).scalar_one_or_none()


def campaign_title(conn: Connection, campaign_id: int) -> str | None:
    campaign = campaign_by_id(conn, campaign_id)
    return campaign.title if campaign else None


def archive_entries(conn: Connection, campaign_id: int) -> list[ArchiveEntry]:
    """The campaign's issues that have gone out, in series order."""
    i = issues.c
    query = (
        select(i.number, i.title, i.started_at)
        .where(
            i.campaign_id == campaign_id,
            SERIES,
            i.started_at.is_not(None),
            i.state.in_([s.value for s in GONE_OUT]),
            _anything_sent(),
        )
        .order_by(i.number)
    )
    return [
        ArchiveEntry(row.number, row.title, read_utc(row.started_at)) for row in conn.execute(query)
    ]


def _anything_sent() -> Any:
    """The issue (of the enclosing query) has at least one message sent."""
    return exists().where(
        deliveries.c.issue_id == issues.c.id, delivery_status == DeliveryStatus.SENT.value
    )
