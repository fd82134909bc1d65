"""One run of the send loop over an issue's ledger rows on one transport (`SendRun`): claim a
batch, reserve each row's attempt under the limits, hand its message over, record the outcome
before the next message can go. delivery/sender.py sets it up (`send_issue`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, auto

from sqlalchemy import Connection, Engine

from briefcast.delivery.limits import GRANTED, RateLimiter, Reservation
from briefcast.delivery.message import MessageError
from briefcast.delivery.outgoing import IssueMessages, Outgoing
from briefcast.delivery.send_policy import PAUSED_BY_LOOP, RetryPolicy, SendReport
from briefcast.delivery.transports.base import (
    Envelope,
    OutcomeUnknown,
    PermanentFailure,
    Transport,
    TransportError,
    TransportUnavailable,
)
from briefcast.errors import BriefcastError
from briefcast.store import hot_path, issue_states, ledger
from briefcast.store.audit import Actor
from briefcast.store.engine import read
from briefcast.store.ledger import Claimed, DeliveryCounts
from briefcast.store.schema import IssueState, SuppressionReason
from briefcast.store.suppressions import add_suppression, find_suppression


class _Outcome(Enum):
    SENT = auto()
    FAILED = auto()  # this row only (failed, bounced, retry later)
    UNAVAILABLE = auto()  # nothing can be sent: pause


@dataclass
class SendRun:
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
