"""Console sessions, kept on the server: a random token in the cookie, its hash in the database.

    token = start(engine, user_id, verified=False)    # after the password
    token = complete(engine, session)                  # after the second factor: a new token
    session = find(engine, settings, token, now)       # on every request: None if it has ended
    end(engine, session, actor)                        # sign-out

`find` checks everything on every request, so a disabled person, a revoked session or a timed-out
one stops working at once, not at the cookie's expiry. Seen-at is written at most once a minute
(a page view is a read; the idle time-out does not need the second).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from briefcast.settings import Settings
from briefcast.store import staff
from briefcast.store.audit import Actor, record
from briefcast.store.engine import read, write
from briefcast.store.schema import utcnow
from briefcast.store.staff import StaffUser, StoredSession

PENDING_FOR = timedelta(minutes=5)  # between the password and the second factor
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Session:
    id: int
    user: StaffUser
    verified: bool


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(engine: Engine, user_id: int, *, verified: bool, now: datetime | None = None) -> str:
    token = secrets.token_urlsafe(32)
    with write(engine) as conn:
        staff.add_session(conn, user_id, token_hash(token), verified, now or utcnow())
    return token


def complete(engine: Engine, session: Session, now: datetime | None = None) -> str:
    token = secrets.token_urlsafe(32)
    with write(engine) as conn:
        staff.verify_session(conn, session.id, token_hash(token), now or utcnow())
    return token


def find(
    engine: Engine, settings: Settings, token: str | None, now: datetime | None = None
) -> Session | None:
    """The live session this cookie names, or None (never was, revoked, timed out, disabled)."""
    if not token or len(token) > 100:
        return None
    now = now or utcnow()
    with read(engine) as conn:
        stored = staff.session_by_token(conn, token_hash(token))
    if stored is None or not _alive(stored, settings, now):
        return None
    if now - stored.last_seen_at >= TOUCH_EVERY:
        with write(engine) as conn:
            staff.touch_session(conn, stored.id, now)
    return Session(stored.id, stored.user, stored.verified)


def end(engine: Engine, session: Session, actor: Actor) -> None:
    with write(engine) as conn:
        staff.revoke_session(conn, session.id, utcnow())
        record(conn, actor, "user.signed_out", subject=session.user.email)


def _alive(stored: StoredSession, settings: Settings, now: datetime) -> bool:
    if stored.revoked or stored.user.disabled:
        return False
    if not stored.verified:
        return now - stored.created_at < PENDING_FOR
    return (
        now - stored.last_seen_at < settings.session_idle
        and now - stored.created_at < settings.session_absolute
    )
