"""The SQL of delivery reports read back from the mailbox: matching a report to its ledger row,
the row's new state, the reports kept, and the lists flagged for allow-listing.

Every function takes a Connection inside the caller's transaction (bounces/actions.py decides
where transactions fall: one per report).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Update, delete, func, insert, select, update

from briefcast.store.ledger_counts import delivery_status
from briefcast.store.schema import (
    BounceKind,
    DeliveryStatus,
    IssueState,
    bounce_reports,
    campaigns,
    deliveries,
    issues,
    list_flags,
    lists,
    read_utc,
    recipients,
    to_utc,
)

FROM_REPORT = "report"  # deliveries.bounce_source of a row changed by a delivery report


@dataclass(frozen=True)
class Matched:
    """The ledger row a report is about, with what the actions need to know of it."""

    delivery_id: int
    status: str  # as readers see it (delivery_status)
    address: str
    organisation: str | None
    list_id: int | None
    list_slug: str | None
    issue_id: int
    issue_number: int
    issue_state: IssueState
    campaign_id: int
    campaign: str


@dataclass(frozen=True)
class KeptReport:
    """A report as `briefcast bounces list` shows it."""

    at: datetime
    recipient: str
    status_code: str | None
    kind: str
    action: str
    campaign: str | None
    issue_number: int | None
    list_slug: str | None
    diagnostic: str | None


def already_read(conn: Connection, report_key: str, recipient: str) -> bool:
    query = select(bounce_reports.c.id).where(
        bounce_reports.c.report_key == report_key, bounce_reports.c.recipient == recipient
    )
    return conn.execute(query).first() is not None


def find_delivery(conn: Connection, message_id: str, addresses: Sequence[str]) -> Matched | None:
    """The ledger row sent with `message_id` to one of `addresses` (the report's recipient and
    original recipient), found through the recipient (an index) rather than the Message-ID
    (which no index covers, so the send loop's one write per message stays cheap)."""
    d, r, i, li = deliveries.c, recipients.c, issues.c, lists.c
    query = (
        select(
            d.id,
            delivery_status,
            r.address,
            r.organisation,
            d.list_id,
            li.slug,
            i.id,
            i.number,
            i.state,
            campaigns.c.id,
            campaigns.c.name,
        )
        .select_from(
            deliveries.join(recipients, d.recipient_id == r.id)
            .join(issues, d.issue_id == i.id)
            .join(campaigns, i.campaign_id == campaigns.c.id)
            .outerjoin(lists, d.list_id == li.id)
        )
        .where(r.address.in_(list(addresses)), d.message_id == message_id)
    )
    row = conn.execute(query).first()
    if row is None:
        return None
    return Matched(*row[:8], IssueState(row[8]), *row[9:])


def record_report(
    conn: Connection,
    *,
    report_key: str,
    recipient: str,
    status_code: str | None,
    kind: BounceKind,
    action: str,
    original_message_id: str | None,
    delivery_id: int | None,
    diagnostic: str | None,
    reporting_mta: str | None,
    received_at: datetime | None,
) -> None:
    conn.execute(
        insert(bounce_reports).values(
            report_key=report_key[:300],
            recipient=recipient[:320],
            status_code=status_code,
            kind=kind.value,
            action=action,
            original_message_id=(original_message_id or "")[:300] or None,
            delivery_id=delivery_id,
            diagnostic=diagnostic,
            reporting_mta=(reporting_mta or "")[:300] or None,
            received_at=to_utc(received_at) if received_at else None,
        )
    )


def mark_returned(
    conn: Connection,
    delivery_id: int,
    status: DeliveryStatus,
    code: str | None,
    diagnostic: str | None,
    now: datetime,
) -> None:
    """The row came back after the relay accepted it: BOUNCED or FAILED, with the report's code."""
    conn.execute(_returned(delivery_id, code, diagnostic, now).values(status=status.value))


def settle_unknown(conn: Connection, delivery_id: int) -> bool:
    """An UNKNOWN row (taken whole, never answered) that a delivery report names: the relay did
    take it, so it is SENT, as of its attempt. False if it was not UNKNOWN (any more)."""
    d = deliveries.c
    return (
        conn.execute(
            update(deliveries)
            .where(d.id == delivery_id, d.status == DeliveryStatus.UNKNOWN.value)
            .values(status=DeliveryStatus.SENT.value, sent_at=d.attempted_at, last_error=None)
        ).rowcount
        == 1
    )


def requeue_returned(
    conn: Connection, delivery_id: int, code: str | None, diagnostic: str | None, now: datetime
) -> None:
    """Not delivered through no fault of the person (our quota, our account blocked): queued to
    go again when its issue resumes, with a new Message-ID."""
    conn.execute(
        _returned(delivery_id, code, diagnostic, now).values(
            status=DeliveryStatus.QUEUED.value,
            sent_at=None,
            message_id=None,
            next_attempt_at=to_utc(now),
        )
    )


def _returned(delivery_id: int, code: str | None, diagnostic: str | None, now: datetime) -> Update:
    """The update of a row a report says came back: when, from a report, its code and why, and
    no longer anyone's claim (the caller adds its new status)."""
    return (
        update(deliveries)
        .where(deliveries.c.id == delivery_id)
        .values(
            bounced_at=to_utc(now),
            bounce_source=FROM_REPORT,
            bounce_code=code,
            last_error=_error(code, diagnostic),
            claimed_by=None,
            claimed_at=None,
        )
    )


def paused_before(conn: Connection, reason_prefix: str, before: datetime) -> list[tuple[int, int]]:
    """(issue id, number) of issues paused with a reason starting so, last changed before then."""
    i = issues.c
    query = select(i.id, i.number).where(
        i.state == IssueState.PAUSED.value,
        i.state_reason.startswith(reason_prefix, autoescape=True),
        i.updated_at < to_utc(before),
    )
    return [tuple(row) for row in conn.execute(query.order_by(i.id))]


def soft_bounced_issues(conn: Connection, address: str) -> int:
    """How many issues' messages to `address` came back with a soft (4.x.x) failure."""
    b, d = bounce_reports.c, deliveries.c
    query = (
        select(func.count(func.distinct(d.issue_id)))
        .select_from(bounce_reports.join(deliveries, b.delivery_id == d.id))
        .where(b.recipient == address, b.kind == BounceKind.SOFT.value)
    )
    return conn.execute(query).scalar_one()


def returned_counts(conn: Connection, issue_ids: Sequence[int]) -> dict[int, int]:
    """For each issue, how many of its rows a delivery report changed: one statement for all
    of them (status counts every issue at once; see ledger.delivery_counts_of)."""
    if not issue_ids:
        return {}
    query = (
        select(deliveries.c.issue_id, func.count())
        .where(deliveries.c.issue_id.in_(issue_ids), deliveries.c.bounce_source == FROM_REPORT)
        .group_by(deliveries.c.issue_id)
    )
    return {issue_id: 0 for issue_id in issue_ids} | dict(conn.execute(query).all())


def kept_reports(
    conn: Connection, *, unmatched_only: bool = False, limit: int = 200
) -> list[KeptReport]:
    """The latest reports read, newest first; `unmatched_only` for those kept for an admin."""
    b, d, i, li = bounce_reports.c, deliveries.c, issues.c, lists.c
    query = (
        select(
            b.created_at,
            b.recipient,
            b.status_code,
            b.kind,
            b.action,
            campaigns.c.name,
            i.number,
            li.slug,
            b.diagnostic,
        )
        .select_from(
            bounce_reports.outerjoin(deliveries, b.delivery_id == d.id)
            .outerjoin(issues, d.issue_id == i.id)
            .outerjoin(campaigns, i.campaign_id == campaigns.c.id)
            .outerjoin(lists, d.list_id == li.id)
        )
        .order_by(b.created_at.desc(), b.id.desc())
        .limit(limit)
    )
    if unmatched_only:
        query = query.where(b.delivery_id.is_(None), b.action == "kept")
    return [KeptReport(read_utc(row[0]), *row[1:]) for row in conn.execute(query)]


def delete_reports_of(conn: Connection, address: str) -> int:
    """Erasure: the reports naming `address` go (the ledger rows they changed keep their state,
    so the counts stay true)."""
    return conn.execute(
        delete(bounce_reports).where(func.lower(bounce_reports.c.recipient) == address.lower())
    ).rowcount


# -- lists flagged for allow-listing ----------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    id: int
    list_slug: str | None
    list_name: str | None
    domain: str
    organisation: str | None
    status_code: str
    diagnostic: str | None
    reports: int
    first_seen_at: datetime
    last_seen_at: datetime


def flag_list(
    conn: Connection,
    *,
    list_id: int | None,
    domain: str,
    organisation: str | None,
    code: str,
    diagnostic: str | None,
    now: datetime,
) -> bool:
    """Open a flag for (list, domain), or count one more report on the open one; True if new."""
    f = list_flags.c
    same_list = f.list_id.is_(None) if list_id is None else f.list_id == list_id
    found = conn.execute(
        select(f.id).where(same_list, f.domain == domain, f.resolved_at.is_(None))
    ).scalar()
    if found is not None:
        conn.execute(
            update(list_flags)
            .where(f.id == found)
            .values(reports=f.reports + 1, last_seen_at=to_utc(now), status_code=code)
        )
        return False
    conn.execute(
        insert(list_flags).values(
            list_id=list_id,
            domain=domain,
            organisation=organisation,
            status_code=code,
            diagnostic=diagnostic,
            reports=1,
            created_at=to_utc(now),
            last_seen_at=to_utc(now),
        )
    )
    return True


def open_flags(conn: Connection) -> list[Flag]:
    f, li = list_flags.c, lists.c
    query = (
        select(
            f.id,
            li.slug,
            li.name,
            f.domain,
            f.organisation,
            f.status_code,
            f.diagnostic,
            f.reports,
            f.created_at,
            f.last_seen_at,
        )
        .select_from(list_flags.outerjoin(lists, f.list_id == li.id))
        .where(f.resolved_at.is_(None))
        .order_by(li.slug, f.domain)
    )
    return [Flag(*row[:8], read_utc(row[8]), read_utc(row[9])) for row in conn.execute(query)]


def resolve_flag(conn: Connection, flag_id: int, by: str, now: datetime) -> bool:
    f = list_flags.c
    statement = (
        update(list_flags)
        .where(f.id == flag_id, f.resolved_at.is_(None))
        .values(resolved_at=to_utc(now), resolved_by=by[:200])
    )
    return conn.execute(statement).rowcount == 1


def _error(code: str | None, diagnostic: str | None) -> str:
    """The ledger's last_error for a row a report changed: "delivery report 5.1.1: why"."""
    words = (diagnostic or "").strip()
    label = f"delivery report {code or '(no code)'}"
    return f"{label}: {words}" if words else label
