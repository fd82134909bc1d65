"""The delivery ledger: one row per (issue, recipient), and the few operations the send loop needs.

Like listmonk's manager and its store, the send loop (delivery/sender.py) owns this interface:
resolve an issue's audience into rows, claim a batch, reserve an attempt, record an outcome,
give back what it cannot send, count. Every function takes a Connection inside the caller's
transaction; the caller decides where commits fall (one per message, see the sender).

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
from datetime import UTC, datetime

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from briefcast.errors import BriefcastError
from briefcast.store import hot_path, issue_states
from briefcast.store.audit import Actor
from briefcast.store.schema import (
    DeliveryStatus,
    Id,
    IssueState,
    campaigns,
    deliveries,
    issues,
    lists,
    memberships,
    read_utc,
    recipients,
    to_utc,
)
from briefcast.store.suppressions import suppressed_for

# Serialises rate-limit reservations across workers on PostgreSQL ("brfcst" in ASCII).
RATE_LOCK_KEY = 0x627266637374
_RECORDED_NOT_FOLDED = and_(
    deliveries.c.status == DeliveryStatus.SENDING.value, deliveries.c.sent_at.is_not(None)
)
# A row's status as readers must see it: recorded sent (sent_at) but not yet folded is SENT.
delivery_status = case((_RECORDED_NOT_FOLDED, DeliveryStatus.SENT.value), else_=deliveries.c.status)


class LedgerError(BriefcastError):
    pass


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


@dataclass(frozen=True)
class IssueToSend:
    """What the send loop reads of an issue: its envelope, its stored skeleton, its state."""

    id: int
    number: int
    title: str
    campaign_name: str
    campaign_title: str
    subject: str
    sender: str
    reply_to: str | None
    html: str
    text: str
    state: IssueState
    state_reason: str | None
    audience_size: int | None


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


# -- the issue ------------------------------------------------------------------------------------


def load_issue(conn: Connection, issue_id: int) -> IssueToSend:
    query = (
        select(
            issues.c.id,
            issues.c.number,
            issues.c.title,
            campaigns.c.name,
            campaigns.c.title,
            issues.c.subject,
            issues.c.sender,
            issues.c.reply_to,
            issues.c.html,
            issues.c.text,
            issues.c.state,
            issues.c.state_reason,
            issues.c.audience_size,
        )
        .select_from(issues.join(campaigns))
        .where(issues.c.id == issue_id)
    )
    row = conn.execute(query).one_or_none()
    if row is None:
        raise LedgerError(f"there is no issue with id {issue_id}")
    return IssueToSend(*row[:10], IssueState(row[10]), *row[11:])


def issue_state(conn: Connection, issue_id: int) -> tuple[IssueState, str | None]:
    row = conn.execute(
        select(issues.c.state, issues.c.state_reason).where(issues.c.id == issue_id)
    ).one()
    return IssueState(row[0]), row[1]


def start_sending(conn: Connection, issue_id: int, now: datetime, *, actor: Actor) -> bool:
    """SENDING (started_at kept from the first start), or already SENDING (another run joins);
    False for an issue sent or cancelled."""
    moved = issue_states.transition(
        conn, issue_id, IssueState.SENDING, actor=actor, reason="sending started", at=now
    )
    if moved:
        return True
    # Joining: wait (PostgreSQL's row lock) for any other start of it to commit, as a move
    # would have, so the audience it resolved is seen and not inserted a second time. The lock
    # an UPDATE takes (FOR NO KEY UPDATE): rows referring to the issue can still be inserted.
    query = select(issues.c.state).where(issues.c.id == issue_id).with_for_update(key_share=True)
    return conn.execute(query).scalar_one_or_none() == IssueState.SENDING.value


def finish_if_done(conn: Connection, issue_id: int, now: datetime, *, actor: Actor) -> bool:
    """SENT (finished_at) once no row is queued or in flight; False while some still are."""
    # Two probes of the (issue_id, status) index: nothing queued, nothing in flight that is not
    # already recorded sent.
    nothing_left = and_(
        ~exists().where(
            deliveries.c.issue_id == issue_id,
            deliveries.c.status == DeliveryStatus.QUEUED.value,
        ),
        ~exists().where(
            deliveries.c.issue_id == issue_id,
            deliveries.c.status == DeliveryStatus.SENDING.value,
            deliveries.c.sent_at.is_(None),
        ),
    )
    return issue_states.transition(
        conn,
        issue_id,
        IssueState.SENT,
        actor=actor,
        reason="every message reached a final status",
        provided=nothing_left,
        at=now,
    )


# -- the audience ---------------------------------------------------------------------------------


def resolve_audience(conn: Connection, issue_id: int) -> int:
    """Insert a QUEUED row for each person the issue reaches who has none yet; returns the total.

    The audience is the issue's lists minus suppressions (for every list, or for the list the
    person would be reached through) minus anyone on an excluded list, each person once, reached
    through the first of the issue's lists (in its order) on which they are not suppressed.
    One INSERT ... SELECT, so a million people never pass through Python. Idempotent: running it
    again adds only people missing from the ledger, never a second row (the unique key agrees).
    """
    row = conn.execute(
        select(issues.c.lists, issues.c.exclude_lists).where(issues.c.id == issue_id)
    ).one_or_none()
    if row is None:
        raise LedgerError(f"there is no issue with id {issue_id}")
    wanted = _list_ids(conn, list(dict.fromkeys(row[0])))
    unwanted = _list_ids(conn, list(row[1] or ()))

    def reachable(list_id: int):  # type: ignore[no-untyped-def]
        return and_(
            exists().where(
                memberships.c.recipient_id == recipients.c.id, memberships.c.list_id == list_id
            ),
            ~suppressed_for(recipients.c.address, literal(list_id, Id)),
        )

    reached_through = case(*((reachable(id_), literal(id_, Id)) for id_ in wanted), else_=None)
    already = exists().where(
        deliveries.c.issue_id == issue_id, deliveries.c.recipient_id == recipients.c.id
    )
    audience = select(
        literal(issue_id, Id),
        recipients.c.id,
        reached_through,
        literal(DeliveryStatus.QUEUED.value),
        literal(0),
        literal(to_utc(datetime.now(UTC)), deliveries.c.updated_at.type),
    ).where(reached_through.is_not(None), ~already)
    if unwanted:
        audience = audience.where(
            ~exists().where(
                memberships.c.recipient_id == recipients.c.id,
                memberships.c.list_id.in_(unwanted),
            )
        )
    columns = ["issue_id", "recipient_id", "list_id", "status", "attempts", "updated_at"]
    conn.execute(insert(deliveries).from_select(columns, audience))
    size = conn.execute(
        select(func.count()).select_from(deliveries).where(deliveries.c.issue_id == issue_id)
    ).scalar_one()
    conn.execute(update(issues).where(issues.c.id == issue_id).values(audience_size=size))
    return size


def missing_lists(conn: Connection, slugs: Sequence[str]) -> list[str]:
    """The slugs no list has: an issue naming one cannot be sent (`schedule` refuses it first)."""
    return [slug for slug in slugs if slug not in _found_lists(conn, slugs)]


def _found_lists(conn: Connection, slugs: Sequence[str]) -> dict[str, int]:
    query = select(lists.c.slug, lists.c.id).where(lists.c.slug.in_(slugs))
    return {slug: id_ for slug, id_ in conn.execute(query)}


def _list_ids(conn: Connection, slugs: Sequence[str]) -> list[int]:
    found = _found_lists(conn, slugs)
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise LedgerError(
            f"the issue goes to the list {missing[0]!r}, which does not exist: import it "
            "(briefcast lists import) or remove it from the campaign file and schedule again"
        )
    return [found[slug] for slug in slugs]


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
        .where(_RECORDED_NOT_FOLDED)
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


# -- counting -------------------------------------------------------------------------------------


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
        select(d.issue_id, func.count()).where(chosen, _RECORDED_NOT_FOLDED).group_by(d.issue_id)
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
