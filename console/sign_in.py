"""Signing in: the password, then the second factor, each throttled and audited.

    result = check_password(engine, settings, email, password, client)
    result.user is None -> refused (one message, whether or not the account exists)
    result.needs_code   -> a pending session; then check_code(engine, user, code, client)

Every attempt costs one argon2 verification, a real or a dummy hash, so an unknown address
answers as slowly as a known one; the throttle counts the address typed, not the account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from briefcast.console import second_factor, throttle
from briefcast.console.passwords import verify_password
from briefcast.console.throttle import Refusal
from briefcast.settings import Settings
from briefcast.store import staff
from briefcast.store.audit import Actor, record
from briefcast.store.engine import read, write
from briefcast.store.schema import utcnow
from briefcast.store.staff import StaffUser

CONSOLE = Actor.process("console sign-in")  # who records a failure for an unknown address


@dataclass(frozen=True)
class Attempt:
    user: StaffUser | None = None  # the password was right (and the account usable)
    needs_code: bool = False
    refusal: Refusal | None = None  # throttled: not even checked
    no_second_factor: bool = False  # right password, but 2FA is required and not set up


def check_password(
    engine: Engine,
    settings: Settings,
    email: str,
    password: str,
    client: str,
    now: datetime | None = None,
) -> Attempt:
    now = now or utcnow()
    typed = email.strip().lower()[:320]
    keys = (throttle.account_key(typed), throttle.address_key(client))
    refused = _throttled(engine, keys, now)
    if refused:
        return Attempt(refusal=refused)
    with read(engine) as conn:
        found = staff.user_by_email(conn, typed)
    right = verify_password(found.password_hash if found else None, password[:1024])
    if not right or found is None or found.user.disabled:
        _failed(engine, keys, now, found.user if found else None, typed, "password")
        return Attempt()
    user = found.user
    needs_code = user.has_second_factor
    with write(engine) as conn:
        staff.clear_throttle(conn, keys[0])
        if not needs_code and settings.console_2fa == "required":
            record(
                conn,
                _actor(user),
                "user.sign_in_refused",
                subject=user.email,
                reason="no second factor set up",
            )
            return Attempt(no_second_factor=True)
        if not needs_code:
            record(
                conn,
                _actor(user),
                "user.signed_in",
                subject=user.email,
                details={"second_factor": False},
            )
    return Attempt(user=user, needs_code=needs_code)


def check_code(
    engine: Engine, user: StaffUser, code: str, client: str, now: datetime | None = None
) -> Attempt:
    """The second factor for a person whose password was right; the code works once."""
    now = now or utcnow()
    keys = (throttle.account_key(user.email), throttle.address_key(client))
    refused = _throttled(engine, keys, now)
    if refused:
        return Attempt(refusal=refused)
    with read(engine) as conn:
        found = staff.user_by_id(conn, user.id)
    secret = found.totp_secret if found and not found.user.disabled else None
    step = second_factor.matching_step(secret, code, now) if secret else None
    if step is not None:
        with write(engine) as conn:
            if staff.use_totp_step(conn, user.id, step):
                staff.clear_throttle(conn, keys[0])
                record(
                    conn,
                    _actor(user),
                    "user.signed_in",
                    subject=user.email,
                    details={"second_factor": True},
                )
                return Attempt(user=found.user)
    _failed(engine, keys, now, user, user.email, "code")
    return Attempt()


def _throttled(engine: Engine, keys: tuple[str, ...], now: datetime) -> Refusal | None:
    with read(engine) as conn:
        states = staff.throttle_states(conn, keys)
    refusals = [r for key in keys if (r := throttle.refusal(key, states.get(key), now))]
    return max(refusals, key=lambda r: (r.locked, r.until)) if refusals else None


def _failed(
    engine: Engine,
    keys: tuple[str, ...],
    now: datetime,
    user: StaffUser | None,
    typed: str,
    what: str,
) -> None:
    with write(engine) as conn:
        states = staff.throttle_states(conn, keys)
        locked = []
        for key in keys:
            state = throttle.after_failure(key, states.get(key), now)
            staff.save_throttle(conn, key, state)
            if state.locked_until:
                locked.append(key.split(":")[0])
        record(
            conn,
            _actor(user) if user else CONSOLE,
            "user.sign_in_failed",
            subject=typed[:300],
            reason=f"wrong {what}",
            details={"locked": locked} if locked else None,
        )


def _actor(user: StaffUser) -> Actor:
    return Actor.person(user.name, user.id)
