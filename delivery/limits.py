"""A relay's limits, counted from the ledger: messages per minute, recipients per rolling day.

Counting attempts recorded in the database (deliveries.attempted_at), not in memory, is what
makes the limits hold across restarts and across workers: a worker started after a crash sees
what the one before it sent, and two workers on one PostgreSQL database share one allowance.
Each attempt is reserved in a short transaction that counts the window and marks the row; the
reservations are serialised (see store.ledger.lock_for_attempt) so two workers cannot both take
the last slot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from briefcast.settings import RateLimits
from briefcast.store import ledger

MINUTE = timedelta(seconds=60)
DAY = timedelta(hours=24)
# A message reaches the relay a little after its attempt is recorded, and that lag varies: the
# windows we count are this much longer than the relay's, so its count never sees one too many.
MARGIN = timedelta(seconds=1)


@dataclass(frozen=True)
class Reservation:
    """The answer to "may I send this row now?"."""

    granted: bool
    # Not granted: the row is no longer this worker's (its claim lapsed and was taken back).
    lost: bool = False
    # Not granted: the earliest moment a slot frees, and whether it is the day's cap that is spent.
    wait_until: datetime | None = None
    day_spent: bool = False


GRANTED = Reservation(granted=True)
LOST = Reservation(granted=False, lost=True)


@dataclass(frozen=True)
class RateLimiter:
    limits: RateLimits
    # The window lengths are fixed by the relays; tests of the arithmetic may shorten them.
    minute: timedelta = MINUTE + MARGIN
    day: timedelta = DAY + MARGIN

    def reserve(
        self, conn: Connection, delivery_id: int, worker_id: str, now: datetime
    ) -> Reservation:
        """In the caller's transaction: take a slot for this row and mark it attempted at `now`,
        or say when to come back. Commit right after, before handing the message over."""
        if self.counts_nothing:
            # Nothing to count, so nothing to serialise: one statement marks the row ours.
            granted = ledger.reserve_attempt(conn, delivery_id, worker_id, now)
            return GRANTED if granted else LOST
        if not ledger.lock_for_attempt(conn, delivery_id, worker_id):
            return LOST
        # The day first: when it is spent there is no point waiting for the minute.
        for window, cap, is_day in (
            (self.day, self.limits.per_day, True),
            (self.minute, self.limits.per_minute, False),
        ):
            if cap is None:
                continue
            since = now - window
            if ledger.attempts_since(conn, since) >= cap:
                oldest = ledger.oldest_attempt_since(conn, since) or now
                return Reservation(granted=False, wait_until=oldest + window, day_spent=is_day)
        ledger.mark_attempted(conn, delivery_id, now)
        return GRANTED

    @property
    def counts_nothing(self) -> bool:
        """No limit is set: a reservation only checks that the row is still this worker's."""
        return self.limits.per_minute is None and self.limits.per_day is None

    def batch_size(self, preferred: int) -> int:
        """Claim no more than a minute's allowance, so a claim does not sit for long unsent."""
        if self.limits.per_minute is None:
            return preferred
        return max(1, min(preferred, self.limits.per_minute))


def expected_finish(
    conn: Connection, issue_id: int, limits: RateLimits, now: datetime
) -> datetime | None:
    """When the issue's remaining rows should all have gone, under the limits; an estimate for
    `briefcast status`. None when nothing remains or no limit applies (then it is the relay's
    speed, not ours, that decides)."""
    remaining = ledger.delivery_counts(conn, issue_id).remaining
    if remaining == 0 or (limits.per_minute is None and limits.per_day is None):
        return None
    per_minute = limits.per_minute
    if limits.per_day is None:
        return now + MINUTE * math.ceil(remaining / per_minute)
    spare = max(0, limits.per_day - ledger.attempts_since(conn, now - DAY))
    if remaining <= spare:
        start, tail = now, remaining
    else:
        # The rest goes as the day's earlier attempts leave the window: a day's worth at a time.
        oldest = ledger.oldest_attempt_since(conn, now - DAY) or now
        more = remaining - spare
        start = oldest + DAY * math.ceil(more / limits.per_day)
        tail = more - limits.per_day * (math.ceil(more / limits.per_day) - 1)
    if per_minute is None:
        return start
    return start + MINUTE * math.ceil(tail / per_minute)
