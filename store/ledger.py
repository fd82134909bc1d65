"""The delivery ledger: one row per (issue, recipient), and the few operations the send loop needs.

Like listmonk's manager and its store, the send loop (delivery/sender.py) owns this interface:
resolve an issue's audience into rows, claim a batch, reserve an attempt, record an outcome,
give back what it cannot send, count. Every function takes a Connection inside the caller's
transaction; the caller decides where commits fall (one per message, see the sender). This module
claims rows and records their attempts and outcomes; ledger_issue.py starts and finishes the
issue, ledger_audience.py resolves its audience, ledger_counts.py counts (every name stays
importable from here, as the send loop and the rest of the code use them).

Row life: QUEUED --claim--> SENDING --outcome--> SENT | FAILED | BOUNCED, or back to QUEUED (a
retry, with next_attempt_at; or released unsent). QUEUED --claim--> SKIPPED when the person was
suppressed or erased after the audience was resolved. SENDING --no answer to the whole
message--> UNKNOWN, which nothing claims: only a person's `requeue_unknown` puts it back.

A message sent is recorded in two steps, for speed: start_commit_sent, once per message, writes only
its sent_at and Message-ID (columns no index covers, so the commit is cheap); fold_sent, once per
batch, moves those rows' indexed columns (status SENT, attempted_at) in one statement. A row with
sent_at is SENT from the first commit on, whatever its status column says: readers count with
`delivery_status`, and nothing ever requeues or releases such a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, bindparam, case, exists, func, or_, select, update

from briefcast.store import hot_path
from briefcast.store.ledger_audience import missing_lists, resolve_audience
from briefcast.store.ledger_counts import (
    RECORDED_NOT_FOLDED,
    DeliveryCounts,
    attempts_since,
    delivery_counts,
    delivery_counts_of,
    delivery_status,
    next_retry_at,
    oldest_attempt_since,
)
from briefcast.store.ledger_issue import (
    IssueToSend,
    LedgerError,
    finish_if_done,
    issue_state,
    load_issue,
    start_sending,
)
from briefcast.store.schema import (
    DeliveryStatus,
    IssueState,
    deliveries,
    issues,
    lists,
    recipients,
    to_utc,
)
from briefcast.store.suppressions import suppressed_for

__all__ = [
    "Claimed",
    "DeliveryCounts",
    "IssueToSend",
    "LedgerError",
    "attempts_since",
    "claim_batch",
    "connection_id",
    "delivery_counts",
    "delivery_counts_of",
    "delivery_status",
    "finish_if_done",
    "fold_sent",
    "issue_state",
    "load_issue",
    "lock_for_attempt",
    "mark_attempted",
    "missing_lists",
    "next_retry_at",
    "oldest_attempt_since",
    "record_bounced",
    "record_failed",
    "record_retry",
    "record_unknown",
    "release",
    "requeue_abandoned",
    "requeue_unknown",
    "reserve_attempt",
    "resolve_audience",
    "start_commit_sent",
    "start_sending",
]

# Serialises rate-limit reservations across workers on PostgreSQL ("brfcst" in ASCII).
RATE_LOCK_KEY = 0x627266637374


@dataclass(frozen=True)
class Claimed:
    """A ledger row claimed by this worker, with what its message needs."""

    delivery_id: int
    recipient_id: int
    address: str
    name: str | None
    list_name: str | None  # None if the list was deleted after the audience was resolved
    unsubscribe_offered: bool
    attempts: int  # attempts recorded before this one


# -- claiming, and giving back ---------------------------------------------------------------------


def claim_batch(
    conn: Connection, issue_id: int, worker_id: str, limit: int, now: datetime
) -> list[Claimed]:
    """Claim up to `limit` due QUEUED rows (SENDING, claimed_by this worker); oldest ids first.

    Rows whose person was suppressed or erased since the audience was resolved are marked
    SKIPPED here instead of returned. Nothing is claimed unless the issue is SENDING, so a pause
    or cancel by a person takes effect at the next batch. On PostgreSQL concurrent workers skip
    each other's locked rows (FOR UPDATE SKIP LOCKED); SQLite has one writer, so the single
    UPDATE ... WHERE id IN (SELECT ...) is already atomic there (the clause renders as nothing).
    """
    claimed_ids = (
        conn.execute(
            _CLAIM, {"issue": issue_id, "worker": worker_id, "limit": limit, "now": to_utc(now)}
        )
        .scalars()
        .all()
    )
    if not claimed_ids:
        return []
    rows = conn.execute(_CLAIMED, {"ids": claimed_ids}).all()
    skipped = [row[0] for row in rows if row[-1]]
    if skipped:
        _set_status(conn, skipped, DeliveryStatus.SKIPPED, None)
    return [Claimed(*row[:-1]) for row in rows if not row[-1]]


# Built once: claiming runs every few dozen messages, and building a statement costs more than
# running it. Parameters: issue, worker, limit, now; then ids.
_NOW = bindparam("now", type_=deliveries.c.claimed_at.type)
_DUE = (
    select(deliveries.c.id)
    .where(
        deliveries.c.issue_id == bindparam("issue"),
        deliveries.c.status == DeliveryStatus.QUEUED.value,
        or_(deliveries.c.next_attempt_at.is_(None), deliveries.c.next_attempt_at <= _NOW),
        exists().where(
            issues.c.id == bindparam("issue"), issues.c.state == IssueState.SENDING.value
        ),
    )
    .order_by(deliveries.c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_CLAIM = (
    update(deliveries)
    .where(deliveries.c.id.in_(_DUE.scalar_subquery()))
    .values(status=DeliveryStatus.SENDING.value, claimed_by=bindparam("worker"), claimed_at=_NOW)
    .returning(deliveries.c.id)
)
_CLAIMED = (
    select(
        deliveries.c.id,
        deliveries.c.recipient_id,
        recipients.c.address,
        recipients.c.name,
        lists.c.name,
        func.coalesce(lists.c.unsubscribe_offered, True),
        deliveries.c.attempts,
        # Gone since the audience was resolved: erased, or suppressed.
        or_(
            recipients.c.id.is_(None),
            suppressed_for(recipients.c.address, deliveries.c.list_id),
        ),
    )
    .select_from(deliveries.outerjoin(recipients).outerjoin(lists))
    .where(deliveries.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(deliveries.c.id)
)


def release(conn: Connection, delivery_ids: Sequence[int], worker_id: str) -> int:
    """Give claimed rows back, unsent and not counted as an attempt (stopping, pausing)."""
    if not delivery_ids:
        return 0
    return conn.execute(
        _unclaim().where(
            deliveries.c.id.in_(delivery_ids),
            deliveries.c.status == DeliveryStatus.SENDING.value,
            deliveries.c.claimed_by == worker_id,
            deliveries.c.sent_at.is_(None),
        )
    ).rowcount


def requeue_abandoned(
    conn: Connection,
    issue_id: int,
    *,
    worker_id: str | None = None,
    claimed_before: datetime | None = None,
) -> int:
    """Return to QUEUED the rows of a dead worker: those claimed by `worker_id` or one of its
    connections (this worker, starting again after a crash) or whose claim and last attempt are
    older than `claimed_before` (a lease another worker let lapse). A message that was in flight
    when its worker died is sent again: that is the one possible duplicate per connection
    (docs/delivery.md). Rows it recorded sent before it died are folded to SENT instead."""
    dead = []
    if worker_id is not None:
        by = deliveries.c.claimed_by
        dead.append(or_(by == worker_id, by.startswith(f"{worker_id}/", autoescape=True)))
    if claimed_before is not None:
        cutoff = to_utc(claimed_before)
        dead.append(
            and_(
                deliveries.c.claimed_at < cutoff,
                or_(deliveries.c.attempted_at.is_(None), deliveries.c.attempted_at < cutoff),
            )
        )
    if not dead:
        return 0
    conn.execute(_fold().where(deliveries.c.issue_id == issue_id, or_(*dead)))
    return conn.execute(
        _unclaim().where(
            deliveries.c.issue_id == issue_id,
            deliveries.c.status == DeliveryStatus.SENDING.value,
            deliveries.c.sent_at.is_(None),
            or_(*dead),
        )
    ).rowcount


def connection_id(worker_id: str, number: int) -> str:
    """Who claims for a worker's `number`th SMTP connection: the worker itself for the first
    (as with one connection), `worker/2`, `worker/3`, ... for the others (requeue_abandoned
    takes them all back when the worker starts again)."""
    return worker_id if number == 1 else f"{worker_id}/{number}"


def fold_sent(conn: Connection, issue_id: int, worker_id: str) -> int:
    """Move this worker's rows that start_commit_sent recorded to SENT, all in one statement."""
    return conn.execute(
        _fold().where(deliveries.c.issue_id == issue_id, deliveries.c.claimed_by == worker_id)
    ).rowcount


def _fold():  # type: ignore[no-untyped-def]
    d = deliveries.c
    return (
        update(deliveries)
        .where(RECORDED_NOT_FOLDED)
        .values(
            status=DeliveryStatus.SENT.value,
            # Reserved under a limit: that attempt's time; otherwise the moment it was sent.
            attempted_at=case((d.attempted_at >= d.claimed_at, d.attempted_at), else_=d.sent_at),
            attempts=d.attempts + 1,
            last_error=None,
            claimed_by=None,
            claimed_at=None,
            updated_at=d.sent_at,
        )
    )


def _unclaim():  # type: ignore[no-untyped-def]
    return update(deliveries).values(
        status=DeliveryStatus.QUEUED.value, claimed_by=None, claimed_at=None
    )


# -- attempts: the rate limits count these ---------------------------------------------------------


def lock_for_attempt(
    conn: Connection, delivery_id: int, worker_id: str, *, serialise: bool = True
) -> bool:
    """Begin a reservation: serialise with every other worker's, and check the claim is ours.

    PostgreSQL: a transaction-scoped advisory lock (only when `serialise`: without limits to
    count there is nothing to serialise). SQLite: the UPDATE takes the database's write lock
    before anything is counted (a read first could not be upgraded safely under WAL). False
    when the row is no longer this worker's to send (requeued after a lapsed lease, or sent).
    """
    if serialise and conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(RATE_LOCK_KEY)))
    result = conn.execute(
        update(deliveries)
        .where(
            deliveries.c.id == delivery_id,
            deliveries.c.status == DeliveryStatus.SENDING.value,
            deliveries.c.claimed_by == worker_id,
        )
        .values(claimed_by=worker_id)
    )
    return result.rowcount == 1


def mark_attempted(conn: Connection, delivery_id: int, now: datetime) -> None:
    conn.execute(
        update(deliveries).where(deliveries.c.id == delivery_id).values(attempted_at=to_utc(now))
    )


def reserve_attempt(conn: Connection, delivery_id: int, worker_id: str, now: datetime) -> bool:
    """Mark the row attempted at `now` if it is still this worker's claim, in one statement:
    the reservation when no limit needs counting. False when the claim was lost (see
    lock_for_attempt)."""
    return hot_path.run(conn, _RESERVE, id=delivery_id, worker=worker_id, now=now) == 1


# -- outcomes -------------------------------------------------------------------------------------


def record_retry(conn: Connection, delivery_id: int, error: str, next_attempt_at: datetime) -> None:
    conn.execute(
        _attempted(delivery_id).values(
            status=DeliveryStatus.QUEUED.value,
            next_attempt_at=to_utc(next_attempt_at),
            last_error=error,
        )
    )


def record_failed(conn: Connection, delivery_id: int, error: str) -> None:
    conn.execute(
        _attempted(delivery_id).values(status=DeliveryStatus.FAILED.value, last_error=error)
    )


def record_bounced(conn: Connection, delivery_id: int, error: str) -> None:
    """BOUNCED; suppressing the address is the caller's (recipients.suppression's) business."""
    conn.execute(
        _attempted(delivery_id).values(status=DeliveryStatus.BOUNCED.value, last_error=error)
    )


def record_unknown(conn: Connection, delivery_id: int, message_id: str, error: str) -> None:
    """UNKNOWN: the message went whole and no answer came. No claim takes it again. Its
    Message-ID is kept: a delivery report naming it settles the row (bounces/actions.py), and
    a person can look for it in the relay's log."""
    conn.execute(
        _attempted(delivery_id).values(
            status=DeliveryStatus.UNKNOWN.value, message_id=message_id, last_error=error
        )
    )


def requeue_unknown(conn: Connection, issue_id: int) -> int:
    """Put an issue's UNKNOWN rows back in the queue, due at once (a person's decision to
    resend them, delivery/control.py); their attempts and last error are kept. The count."""
    return conn.execute(
        update(deliveries)
        .where(
            deliveries.c.issue_id == issue_id,
            deliveries.c.status == DeliveryStatus.UNKNOWN.value,
        )
        .values(status=DeliveryStatus.QUEUED.value, next_attempt_at=None)
    ).rowcount


def _attempted(delivery_id: int):  # type: ignore[no-untyped-def]
    return (
        update(deliveries)
        .where(deliveries.c.id == delivery_id)
        .values(attempts=deliveries.c.attempts + 1, claimed_by=None, claimed_at=None)
    )


def _set_status(
    conn: Connection, delivery_ids: Sequence[int], status: DeliveryStatus, error: str | None
) -> None:
    conn.execute(
        update(deliveries)
        .where(deliveries.c.id.in_(delivery_ids))
        .values(status=status.value, last_error=error, claimed_by=None, claimed_at=None)
    )


# -- the statements run for every message (store/hot_path.py runs them on the driver) -------------

_RESERVE = f"""
    UPDATE deliveries SET attempted_at = :now, updated_at = :now
    WHERE id = :id AND status = '{DeliveryStatus.SENDING.value}' AND claimed_by = :worker"""
_SENT_AT = "UPDATE deliveries SET message_id = :message_id, sent_at = :now WHERE id = :id"


def start_commit_sent(
    conn: Connection, delivery_id: int, message_id: str, sent_at: datetime
) -> hot_path.PendingCommit:
    """Record a message sent, in a transaction of its own, begun now and committed by the
    returned record's finish() (quickly, as hot_path.quick_commits says): the send loop's one
    commit per message. `conn` must not be in a transaction, and is not used again before
    finish(). Only sent_at and the Message-ID are written; fold_sent does the rest (see the
    module's docstring)."""
    return hot_path.start_commit(conn, _SENT_AT, id=delivery_id, message_id=message_id, now=sent_at)
