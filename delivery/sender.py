"""The send loop: work an issue's ledger rows through a transport, each person once.

    send_issue(engine, issue_id, transport, settings, worker_id="worker-1") -> SendReport

Exactly once, and the bound after a crash: a row's outcome is committed after the transport
accepted it and before the next message can be accepted (one commit per message: begun when the
relay accepts the message, finished with the next message's reservation under a limit, else by
the transport's `meanwhile` just before the next message's data), and a SENT row is never
claimed again. So re-runs,
restarts and re-schedules never repeat a recorded message. After a hard crash (kill -9) the only
message that can go twice is the one in flight at that moment, at most one per open connection
(BRIEFCAST_SMTP_CONNECTIONS per worker, delivery/connections.py): it was handed over but its
outcome not yet recorded, so the row is still SENDING, and the restarted worker returns it to
the queue and sends it. A message handed over whole that got no answer (the relay stalled or
dropped the connection after the final `.`) may have arrived: its row is UNKNOWN and is never
sent again unless a person says so (`send-now --resend-unknown`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum, auto

from sqlalchemy import Connection, Engine

from briefcast.delivery.connections import more_transports, side_by_side
from briefcast.delivery.limits import GRANTED, RateLimiter, Reservation
from briefcast.delivery.message import MessageError
from briefcast.delivery.outgoing import IssueMessages, Outgoing
from briefcast.delivery.tokens import Signer, signing_key
from briefcast.delivery.transports.base import (
    Envelope,
    OutcomeUnknown,
    PermanentFailure,
    Transport,
    TransportError,
    TransportUnavailable,
)
from briefcast.errors import BriefcastError
from briefcast.settings import Settings
from briefcast.store import hot_path, issue_states, ledger
from briefcast.store.audit import Actor
from briefcast.store.engine import read, write
from briefcast.store.ledger import Claimed, DeliveryCounts
from briefcast.store.schema import IssueState, SuppressionReason, utcnow
from briefcast.store.suppressions import add_suppression, find_suppression

PAUSED_BY_LOOP = "paused by the send loop: "


@dataclass(frozen=True)
class RetryPolicy:
    """How the loop retries, pauses and batches; the defaults suit a real relay."""

    # The wait after the 1st, 2nd, ... temporary failure of a row (the last repeats).
    delays: tuple[timedelta, ...] = (
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
    )
    # Attempts per row before it is FAILED for good.
    max_attempts: int = 5
    # Failures in a row (any recipient) that pause the issue: something is wrong with the relay
    # or the message, not with one person.
    pause_after: int = 10
    # Rows claimed per transaction: at least batch_size, and as many as about batch_seconds of
    # sending at the last batch's pace, up to max_batch (never more than a per-minute limit).
    # A fast relay then needs fewer claims and folds per message; a pause or cancel still takes
    # effect within about a second, or within batch_size messages on a slow relay.
    batch_size: int = 50
    batch_seconds: float = 1.0
    max_batch: int = 500
    # A claim held this long without an attempt is taken to be a dead worker's.
    lease: timedelta = timedelta(minutes=15)
    # A retry due sooner than this is waited for; a later one ends the run with waiting_until.
    longest_wait: timedelta = timedelta(minutes=2)

    def delay(self, attempts: int) -> timedelta:
        """The wait before the next attempt, after `attempts` attempts have failed."""
        return self.delays[min(attempts, len(self.delays)) - 1]

    def next_batch_size(self, sent: int, seconds: float) -> int:
        """About `batch_seconds` of sending at the pace of the batch just sent, within bounds."""
        pace = int(sent / max(seconds, 1e-3) * self.batch_seconds)
        return max(self.batch_size, min(self.max_batch, pace))


@dataclass(frozen=True)
class SendReport:
    issue_id: int
    counts: DeliveryCounts
    # Why it stopped before the end: paused (by a person or by the loop), or cancelled.
    paused_reason: str | None = None
    # Rows remain that are not due before then (the day's cap is spent, retries wait): run again.
    waiting_until: datetime | None = None


class _Outcome(Enum):
    SENT = auto()
    FAILED = auto()  # this row only (failed, bounced, retry later)
    UNAVAILABLE = auto()  # nothing can be sent: pause


def send_issue(
    engine: Engine,
    issue_id: int,
    transport: Transport,
    settings: Settings,
    *,
    worker_id: str,
    stop: threading.Event | None = None,
    progress: Callable[[DeliveryCounts], None] | None = None,
    progress_every: float = 1.0,
    clock: Callable[[], datetime] = utcnow,
    sleep: Callable[[float], None] = time.sleep,
    retry: RetryPolicy = RetryPolicy(),
    limiter: RateLimiter | None = None,
    actor: Actor | None = None,
) -> SendReport:
    """Send one issue: resolve its audience (the first time), then every row not yet final.

    Call it to send: it starts from any state but sent and cancelled (whether a paused or missed
    issue should go is the caller's decision). It returns when every row is final (the issue is
    then SENT), when `stop` is set (the message in flight finishes and is recorded first), when
    the issue is paused (by a person, or by the loop after an authentication failure or a run of
    failures) or cancelled, or when the rest cannot go before `waiting_until`. Run it again at
    any time: it continues where the ledger says, and never repeats a row recorded as sent.
    `worker_id` must be stable across restarts of the same worker, so its own abandoned claims
    are taken back at once. `progress` is called with the counts at most every `progress_every`
    seconds, between batches (counting costs a scan of the issue's rows), and at the end.
    `clock` and `sleep` are injectable for tests. `actor` is who started it, for the audit
    trail (a person's send-now); by default, and for the loop's own moves (finishing, pausing
    on failures), the process `worker <worker_id>`.
    """
    loop_actor = issue_states.worker_actor(worker_id)
    stop = stop or threading.Event()

    def new_run(transport: Transport, number: int, stop: threading.Event) -> _SendRun:
        return _SendRun(
            engine=engine,
            issue_id=issue_id,
            transport=transport,
            worker_id=ledger.connection_id(worker_id, number),
            actor=loop_actor,
            stop=stop,
            progress=progress if number == 1 else None,
            progress_every=progress_every,
            clock=clock,
            sleep=sleep,
            retry=retry,
            limiter=limiter or RateLimiter(settings.limits),
        )

    run = new_run(transport, 1, stop)
    with read(engine) as conn:
        issue = ledger.load_issue(conn, issue_id)
    if issue.state in issue_states.FINAL:
        reason = None if issue.state is IssueState.SENT else issue.state_reason or "cancelled"
        return run.report(paused_reason=reason)
    with write(engine) as conn:
        signer = Signer(signing_key(conn, settings.secret_key))
    # Made before anything changes, so a bad DKIM key or sender is one error with nothing done;
    # the issue is paused with that reason, so `status` says it, instead of the worker trying
    # (and logging) again every few seconds while the issue looks scheduled.
    try:
        run.messages = IssueMessages(issue, settings, signer)
    except MessageError as error:
        reason = f"{PAUSED_BY_LOOP}its messages cannot be built: {error}"
        with write(engine) as conn:
            issue_states.transition(
                conn,
                issue_id,
                IssueState.PAUSED,
                actor=actor or loop_actor,
                reason=reason,
                only_from=(IssueState.SCHEDULED, IssueState.SENDING),
            )
        return run.report(paused_reason=reason)
    # Each transaction that writes starts with a write: on SQLite (WAL) a transaction that read
    # first cannot always be upgraded to a writer while another connection writes.
    with write(engine) as conn:
        if not ledger.start_sending(conn, issue_id, clock(), actor=actor or loop_actor):
            return run.report(paused_reason="cancelled")  # sent or cancelled just now
        if issue.audience_size is None:
            ledger.resolve_audience(conn, issue_id)
        ledger.requeue_abandoned(
            conn, issue_id, worker_id=worker_id, claimed_before=clock() - retry.lease
        )
    transports = [transport, *more_transports(transport, settings)]
    try:
        if len(transports) > 1:
            # One loop per connection until each ends; then this one, alone, has the last word:
            # it finishes the issue (or says what it waits for) with every connection's rows final.
            halt = threading.Event()
            runs = [new_run(t, n, halt) for n, t in enumerate(transports, start=1)]
            for each in runs:
                each.messages = run.messages
            side_by_side([each.run for each in runs], stop, halt, _ends_all)
        return run.run()
    finally:
        for each in transports:
            each.close()


def _ends_all(report: SendReport) -> bool:
    """A connection found the issue paused or cancelled (by the loop when the relay refused us,
    or by a person): the others stop after their message in flight, not at their next batch."""
    return report.paused_reason is not None


@dataclass
class _SendRun:
    """One call of send_issue: the loop and its small state.

    Every transaction goes through `transaction()` on the one connection the run holds, and
    begins by writing the outcomes not yet written: the outcome of a message is committed with
    the reservation of the next, never later than it (the exactly-once bound, docs/delivery.md).
    """

    engine: Engine
    issue_id: int
    transport: Transport
    worker_id: str
    actor: Actor  # the loop's own moves: finishing, pausing
    stop: threading.Event
    progress: Callable[[DeliveryCounts], None] | None
    progress_every: float
    clock: Callable[[], datetime]
    sleep: Callable[[float], None]
    retry: RetryPolicy
    limiter: RateLimiter
    messages: IssueMessages | None = None
    conn: Connection | None = None
    failures_in_a_row: int = 0
    # Outcomes handed over but not yet written: written first thing in the next transaction.
    unwritten: list[Callable[[Connection], None]] = field(default_factory=list)
    # The common outcome, a message sent, committed on its own: begun when the relay accepts the
    # message, finished before the next message's data can end (the transport's `meanwhile`) or
    # before the connection is used again, whichever comes first.
    sent_record: hot_path.PendingCommit | None = None
    claimed_at: datetime | None = None  # when the batch being sent was claimed
    prepared: tuple[int, Outgoing] | None = None  # the next row's message, built ahead
    last_progress: float = float("-inf")

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        assert self.conn is not None
        self.finish_sent_record()
        with self.conn.begin():
            for write in self.unwritten:
                write(self.conn)
            self.unwritten.clear()
            ledger.fold_sent(self.conn, self.issue_id, self.worker_id)
            yield self.conn

    def finish_sent_record(self) -> None:
        record, self.sent_record = self.sent_record, None
        if record is not None:
            record.finish()

    def write_outcomes(self) -> None:
        """Commit the outcomes not yet written (the last message's)."""
        if self.unwritten:
            with self.transaction():
                pass
        else:
            self.finish_sent_record()

    def run(self) -> SendReport:
        """The loop on a database connection of its own (own transactions: one per batch, one
        per message)."""
        with self.engine.connect() as conn, hot_path.quick_commits(conn):
            self.conn = conn
            try:
                return self.loop()
            finally:
                self.conn = None

    def loop(self) -> SendReport:
        try:
            return self._loop()
        finally:
            self.write_outcomes()  # whatever ended the run, the last outcome is recorded

    def _loop(self) -> SendReport:
        batch_size = self.limiter.batch_size(self.retry.batch_size)
        while not self.stop.is_set():
            self.claimed_at = self.clock()
            started = time.monotonic()
            with self.transaction() as conn:
                batch = ledger.claim_batch(
                    conn, self.issue_id, self.worker_id, batch_size, self.claimed_at
                )
            if batch:
                report = self.send_batch(batch)
                if report is not None:
                    return report
                self.report_progress()
                pace = self.retry.next_batch_size(len(batch), time.monotonic() - started)
                batch_size = self.limiter.batch_size(pace)
                continue
            report = self.nothing_due()
            if report is not None:
                return report
        return self.report()

    def send_batch(self, batch: Sequence[Claimed]) -> SendReport | None:
        """Send each claimed row; a report when the run must end (the rest is given back)."""
        for index, row in enumerate(batch):
            if self.stop.is_set():
                return self.give_back(batch[index:])
            now = self.clock()
            reservation = self.reserve(row, now)
            if reservation is None:  # stopped while waiting for the minute to free
                return self.give_back(batch[index:])
            if reservation.lost:
                continue
            if not reservation.granted:  # the day's cap is spent
                return self.give_back(batch[index:], waiting_until=reservation.wait_until)
            if not self.limiter.counts_nothing:
                now = self.clock()  # the slot may have been waited for
            upcoming = batch[index + 1] if index + 1 < len(batch) else None
            outcome, error = self.send_one(row, upcoming, now)
            if outcome is _Outcome.UNAVAILABLE:
                return self.pause(batch[index:], error)
            if outcome is _Outcome.FAILED and self.failures_in_a_row >= self.retry.pause_after:
                reason = f"{self.failures_in_a_row} failures in a row, the last: {error}"
                return self.pause(batch[index + 1 :], reason)
        return None

    def reserve(self, row: Claimed, now: datetime) -> Reservation | None:
        """A slot under the limits; waits while the minute is full (None if stopped meanwhile)."""
        assert self.claimed_at is not None
        if self.limiter.counts_nothing and now - self.claimed_at < self.retry.lease / 2:
            # Nothing to count, and a claim this fresh cannot have been taken back (that needs
            # its lease to lapse): the claim is the reservation; the outcome records the attempt.
            # The last message's outcome is committed by the transport's `meanwhile`, before the
            # next can be accepted (send_one).
            return GRANTED
        while True:
            with self.transaction() as conn:
                reservation = self.limiter.reserve(
                    conn, row.delivery_id, self.worker_id, self.clock()
                )
            if reservation.granted or reservation.lost or reservation.day_spent:
                return reservation
            assert reservation.wait_until is not None
            if not self.wait_until(reservation.wait_until):
                return None

    def send_one(
        self, row: Claimed, upcoming: Claimed | None, now: datetime
    ) -> tuple[_Outcome, str]:
        """Hand one message over; its outcome is written before the next can be accepted.

        The transport finishes the last outcome's commit (`meanwhile`) just before this message's
        data, and builds the `upcoming` row's message (`idle`) while the relay reads this one;
        this message's commit begins as soon as the relay accepts it.
        """
        assert self.messages is not None
        try:
            outgoing = self.take_prepared(row) or self.messages.build(row, now)
        except MessageError as error:  # this person's address or name cannot go in a header
            self.record(row, now, ledger.record_failed, str(error))
            return self.failed(str(error))
        except BriefcastError as error:  # DKIM signing, the skeleton: every message would fail
            return _Outcome.UNAVAILABLE, str(error)
        # Under a limit the next message may wait for its slot: built in its turn, its Date is
        # when it goes (and at a relay's limited pace, building ahead saves nothing).
        ahead = self.limiter.counts_nothing and upcoming is not None
        try:
            self.transport.send(
                Envelope(outgoing.sender, outgoing.recipient),
                outgoing.data,
                meanwhile=self.write_outcomes,
                idle=(lambda: self.prepare(upcoming, now)) if ahead else None,
            )
        except TransportUnavailable as error:
            return _Outcome.UNAVAILABLE, describe(error)
        except PermanentFailure as error:
            if error.unknown_user:
                # That person's address, not the relay: it bounces the row and never counts
                # towards pausing the issue (a list with ten leavers in a row is not a broken
                # relay), and the run of failures is left as it was.
                self.bounce(row, describe(error), now)
                return _Outcome.FAILED, describe(error)
            self.record(row, now, ledger.record_failed, describe(error))
            return self.failed(describe(error))
        except OutcomeUnknown as error:
            # Perhaps delivered: never claimed again by the loop. Otherwise a dropped connection
            # like any other: the transport reconnects, and it counts towards pausing.
            self.record(row, now, ledger.record_unknown, outgoing.message_id, describe(error))
            return self.failed(describe(error))
        except TransportError as error:  # temporary: a 4xx, a dropped connection, a timeout
            self.retry_later(row, describe(error), now)
            return self.failed(describe(error))
        self.sent_record = ledger.start_commit_sent(
            self.conn, row.delivery_id, outgoing.message_id, self.clock()
        )
        self.failures_in_a_row = 0
        return _Outcome.SENT, ""

    def prepare(self, row: Claimed, now: datetime) -> None:
        """Build `row`'s message ahead of its turn (the transport calls this while it waits).
        Any failure is left for its turn, which builds it again and records or raises it there,
        not in the middle of another message's SMTP conversation."""
        assert self.messages is not None
        self.prepared = None
        with suppress(Exception):
            self.prepared = (row.delivery_id, self.messages.build(row, now))

    def take_prepared(self, row: Claimed) -> Outgoing | None:
        prepared, self.prepared = self.prepared, None
        return prepared[1] if prepared is not None and prepared[0] == row.delivery_id else None

    def failed(self, error: str) -> tuple[_Outcome, str]:
        self.failures_in_a_row += 1
        return _Outcome.FAILED, error

    def retry_later(self, row: Claimed, error: str, now: datetime) -> None:
        attempts = row.attempts + 1
        if attempts >= self.retry.max_attempts:
            message = f"gave up after {attempts} attempts: {error}"
            self.record(row, now, ledger.record_failed, message)
        else:
            due = now + self.retry.delay(attempts)
            self.record(row, now, ledger.record_retry, error, due)

    def bounce(self, row: Claimed, error: str, attempted_at: datetime) -> None:
        """BOUNCED, and the address suppressed everywhere, in one commit."""

        def write(conn: Connection) -> None:
            ledger.mark_attempted(conn, row.delivery_id, attempted_at)
            ledger.record_bounced(conn, row.delivery_id, error)
            if find_suppression(conn, row.address, None) is None:
                add_suppression(
                    conn,
                    reason=SuppressionReason.BOUNCED,
                    created_by="send loop",
                    address=row.address,
                )

        self.unwritten.append(write)

    def record(
        self, row: Claimed, attempted_at: datetime, write: Callable[..., None], *arguments: object
    ) -> None:
        """Write an outcome with the next transaction (before the next message goes)."""

        def outcome(conn: Connection) -> None:
            ledger.mark_attempted(conn, row.delivery_id, attempted_at)
            write(conn, row.delivery_id, *arguments)

        self.unwritten.append(outcome)

    def nothing_due(self) -> SendReport | None:
        """No row could be claimed: finished, stopped by a person, or waiting for retries."""
        now = self.clock()
        with self.transaction() as conn:
            finished = ledger.finish_if_done(conn, self.issue_id, now, actor=self.actor)
            state, reason = ledger.issue_state(conn, self.issue_id)
            requeued = (
                not finished
                and state is IssueState.SENDING
                and ledger.requeue_abandoned(
                    conn, self.issue_id, claimed_before=now - self.retry.lease
                )
            )
            queued = ledger.delivery_counts(conn, self.issue_id).queued
            due = ledger.next_retry_at(conn, self.issue_id)
        if finished or state is IssueState.SENT:  # sent: finished by another connection's loop
            return self.report()
        if state is not IssueState.SENDING:  # paused or cancelled by a person meanwhile
            return self.report(paused_reason=reason or state.value)
        if requeued:
            return None
        if queued == 0 or due is None:
            # Only other workers' claims remain: they finish the issue, or their lease lapses.
            return self.report(waiting_until=now + self.retry.lease)
        if due - now > self.retry.longest_wait:
            return self.report(waiting_until=due)
        self.wait_until(due)
        return None

    def wait_until(self, moment: datetime) -> bool:
        """Sleep until `moment` in short steps, so a stop is noticed; False if stopped."""
        while not self.stop.is_set():
            left = (moment - self.clock()).total_seconds()
            if left <= 0:
                return True
            self.sleep(min(max(left, 0.01), 1.0))
        return False

    def give_back(
        self, rows: Sequence[Claimed], waiting_until: datetime | None = None
    ) -> SendReport:
        with self.transaction() as conn:
            ledger.release(conn, [row.delivery_id for row in rows], self.worker_id)
        return self.report(waiting_until=waiting_until)

    def pause(self, rows: Sequence[Claimed], reason: str) -> SendReport:
        reason = PAUSED_BY_LOOP + reason
        with self.transaction() as conn:
            ledger.release(conn, [row.delivery_id for row in rows], self.worker_id)
            issue_states.transition(
                conn,
                self.issue_id,
                IssueState.PAUSED,
                actor=self.actor,
                reason=reason,
                only_from=(IssueState.SENDING,),
            )
        return self.report(paused_reason=reason)

    def counts(self) -> DeliveryCounts:
        if self.conn is None:  # before the loop started
            with read(self.engine) as conn:
                return ledger.delivery_counts(conn, self.issue_id)
        with self.transaction() as conn:
            return ledger.delivery_counts(conn, self.issue_id)

    def report_progress(self) -> None:
        """The counts, if someone watches and the last report is old enough."""
        if self.progress is None or time.monotonic() - self.last_progress < self.progress_every:
            return
        self.last_progress = time.monotonic()
        self.progress(self.counts())

    def report(
        self, *, paused_reason: str | None = None, waiting_until: datetime | None = None
    ) -> SendReport:
        counts = self.counts()
        if self.progress is not None:
            self.progress(counts)
        return SendReport(self.issue_id, counts, paused_reason, waiting_until)


def describe(error: TransportError) -> str:
    """The error as the ledger keeps it: the reply code first when there was one."""
    text = str(error)
    if error.code is not None and not text.startswith(str(error.code)):
        return f"{error.code} {text}"
    return text
