"""How failed sign-ins slow, then lock, further attempts: a small pure policy with `now` passed in.

Counted per account (the address typed, whether or not an account has it, so the answer never
tells which addresses exist) and per client address (one machine trying many accounts). After a
few free failures each further one makes the next attempt wait, doubling; past a limit the key
is locked for a while. Failures older than the lock time are forgotten.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from briefcast.store.staff import ThrottleState


@dataclass(frozen=True)
class Limits:
    free: int  # failures before any wait
    lock_after: int  # failures that lock
    lock_for: timedelta
    first_wait: timedelta = timedelta(seconds=1)
    longest_wait: timedelta = timedelta(seconds=30)


ACCOUNT = Limits(free=3, lock_after=10, lock_for=timedelta(minutes=15))
# A shared office address is many people: more room before it slows or locks.
ADDRESS = Limits(free=10, lock_after=50, lock_for=timedelta(minutes=15))


@dataclass(frozen=True)
class Refusal:
    locked: bool  # locked for a while, or only asked to wait
    until: datetime

    def seconds(self, now: datetime) -> int:
        return max(1, int((self.until - now).total_seconds() + 0.999))


def account_key(email: str) -> str:
    # A hash, so the table keeps no record of addresses typed by mistake (or by an attacker).
    return "account:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


def address_key(client: str) -> str:
    return f"address:{client}"[:100]


def limits_for(key: str) -> Limits:
    return ACCOUNT if key.startswith("account:") else ADDRESS


def refusal(key: str, state: ThrottleState | None, now: datetime) -> Refusal | None:
    """Why an attempt under this key must not be checked now; None if it may."""
    state = _current(key, state, now)
    if state is None:
        return None
    if state.locked_until and state.locked_until > now:
        return Refusal(locked=True, until=state.locked_until)
    wait = _wait(limits_for(key), state.failures)
    if wait and state.last_failure_at + wait > now:
        return Refusal(locked=False, until=state.last_failure_at + wait)
    return None


def after_failure(key: str, state: ThrottleState | None, now: datetime) -> ThrottleState:
    limits = limits_for(key)
    state = _current(key, state, now)
    failures = (state.failures if state else 0) + 1
    locked_until = now + limits.lock_for if failures >= limits.lock_after else None
    return ThrottleState(failures=failures, last_failure_at=now, locked_until=locked_until)


def _current(key: str, state: ThrottleState | None, now: datetime) -> ThrottleState | None:
    """The state, or None once its failures are old enough to forget (and no lock holds)."""
    if state is None:
        return None
    if state.locked_until and state.locked_until > now:
        return state
    if now - state.last_failure_at >= limits_for(key).lock_for:
        return None
    if state.locked_until:  # a lock that has run out starts the count again
        return None
    return state


def _wait(limits: Limits, failures: int) -> timedelta | None:
    over = failures - limits.free
    if over <= 0:
        return None
    return min(limits.first_wait * 2 ** (over - 1), limits.longest_wait)
