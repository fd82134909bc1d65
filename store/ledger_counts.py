"""Counting the ledger: a row's status as readers see it, an issue's counts, the attempts the
rate limits count. Every function takes a Connection inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, case, func, select

from briefcast.store.schema import DeliveryStatus, deliveries, read_utc, to_utc

# A row recorded sent by start_commit_sent (its sent_at) that fold_sent has not yet moved to SENT.
RECORDED_NOT_FOLDED = and_(
    deliveries.c.status == DeliveryStatus.SENDING.value, deliveries.c.sent_at.is_not(None)
)
# A row's status as readers must see it: recorded sent (sent_at) but not yet folded is SENT.
delivery_status = case((RECORDED_NOT_FOLDED, DeliveryStatus.SENT.value), else_=deliveries.c.status)


@dataclass(frozen=True)
class DeliveryCounts:
    queued: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    bounced: int = 0
    skipped: int = 0
    unknown: int = 0  # handed over, no answer: perhaps delivered; waits for a person

    @property
    def remaining(self) -> int:
        """Rows not yet final: queued (perhaps waiting for a retry) or in flight."""
        return self.queued + self.sending

    @property
    def total(self) -> int:
        return self.remaining + self.sent + self.failed + self.bounced + self.skipped + self.unknown


def delivery_counts(conn: Connection, issue_id: int) -> DeliveryCounts:
    return delivery_counts_of(conn, [issue_id])[issue_id]


def delivery_counts_of(conn: Connection, issue_ids: Sequence[int]) -> dict[int, DeliveryCounts]:
    """delivery_counts of many issues in two statements, whatever their number: `status` and the
    console's campaign list count every issue, and a statement per issue costs more than the
    counting at a few hundred issues."""
    # By the status column, which the (issue_id, status) index answers alone, then the few rows
    # recorded sent but not yet folded moved from sending to sent: `delivery_status` in the
    # GROUP BY would read every row of the issue, and progress bars count every second.
    d = deliveries.c
    counts: dict[int, dict[str, int]] = {issue_id: {} for issue_id in issue_ids}
    if not counts:
        return {}
    chosen = d.issue_id.in_(list(counts))
    rows = conn.execute(
        select(d.issue_id, d.status, func.count()).where(chosen).group_by(d.issue_id, d.status)
    )
    for issue_id, status, count in rows:
        counts[issue_id][status] = count
    recorded = conn.execute(
        select(d.issue_id, func.count()).where(chosen, RECORDED_NOT_FOLDED).group_by(d.issue_id)
    )
    for issue_id, count in recorded:
        counts[issue_id]["sending"] -= count
        counts[issue_id]["sent"] = counts[issue_id].get("sent", 0) + count
    return {issue_id: DeliveryCounts(**each) for issue_id, each in counts.items()}


def next_retry_at(conn: Connection, issue_id: int) -> datetime | None:
    """When the earliest queued row waiting for a retry becomes due."""
    value = conn.execute(
        select(func.min(deliveries.c.next_attempt_at)).where(
            deliveries.c.issue_id == issue_id,
            deliveries.c.status == DeliveryStatus.QUEUED.value,
        )
    ).scalar_one()
    return read_utc(value)


def attempts_since(conn: Connection, since: datetime) -> int:
    """Attempts (messages handed to a transport, whatever came of them) after `since`, across
    every issue: what a relay's per-minute and per-day limits count. The window is open at its
    start, so an attempt leaves it exactly one window length after it was made."""
    return conn.execute(
        select(func.count())
        .select_from(deliveries)
        .where(deliveries.c.attempted_at > to_utc(since))
    ).scalar_one()


def oldest_attempt_since(conn: Connection, since: datetime) -> datetime | None:
    value = conn.execute(
        select(func.min(deliveries.c.attempted_at)).where(deliveries.c.attempted_at > to_utc(since))
    ).scalar_one()
    return read_utc(value)
