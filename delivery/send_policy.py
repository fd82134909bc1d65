"""The send loop's terms: how it retries, pauses and batches (`RetryPolicy`), and what a run of
it reports (`SendReport`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from briefcast.store.ledger import DeliveryCounts

# The start of the reason of an issue the loop itself paused (the relay refused us, failures).
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


DEFAULT_RETRY = RetryPolicy()  # frozen: one shared default


@dataclass(frozen=True)
class SendReport:
    issue_id: int
    counts: DeliveryCounts
    # Why it stopped before the end: paused (by a person or by the loop), or cancelled.
    paused_reason: str | None = None
    # Rows remain that are not due before then (the day's cap is spent, retries wait): run again.
    waiting_until: datetime | None = None
