"""The console's people, sessions and sign-in throttle: their SQL, and nothing else.

Every function takes a Connection inside the caller's transaction (`read(engine)` /
`write(engine)`); the rules (who may sign in, how long a session lasts, how slow a failed
sign-in makes the next) live in briefcast.console.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, RowMapping, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from briefcast.store.schema import (
    read_utc,
    sign_in_throttle,
    staff_sessions,
    staff_users,
    to_utc,
)

ROLES = ("author", "approver", "admin")


@dataclass(frozen=True)
class StaffUser:
    """A person who may sign in to the console, as every page and command sees them."""

    id: int
    email: str
    name: str
    roles: tuple[str, ...]  # in ROLES order
    disabled: bool
    set_up: bool  # has a password (set through the set-up link or --password-stdin)
    has_second_factor: bool
    work_account: str | None = None  # the object id of the linked work account (OpenID Connect)

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


@dataclass(frozen=True)
class Credentials:
    """What checking a sign-in needs; never leaves briefcast.console."""

    user: StaffUser
    password_hash: str | None
    totp_secret: str | None = None


@dataclass(frozen=True)
class StoredSession:
    id: int
    user: StaffUser
    verified: bool  # the second factor was given (or is not needed)
    created_at: datetime
    last_seen_at: datetime
    revoked: bool


@dataclass(frozen=True)
class ThrottleState:
    failures: int
    last_failure_at: datetime
    locked_until: datetime | None


def ordered_roles(roles: Iterable[str]) -> tuple[str, ...]:
    chosen = set(roles)
    return tuple(role for role in ROLES if role in chosen)


# -- people ------------------------------------------------------------------------------------


def add_user(conn: Connection, email: str, name: str, roles: Sequence[str]) -> int:
    result = conn.execute(
        insert(staff_users).values(
            email=email, name=name, roles=list(ordered_roles(roles)), disabled=False
        )
    )
    return int(result.inserted_primary_key[0])


def user_by_email(conn: Connection, email: str) -> Credentials | None:
    row = conn.execute(select(staff_users).where(staff_users.c.email == email)).mappings().first()
    return _credentials(row) if row else None


def user_by_id(conn: Connection, user_id: int) -> Credentials | None:
    row = conn.execute(select(staff_users).where(staff_users.c.id == user_id)).mappings().first()
    return _credentials(row) if row else None


def all_users(conn: Connection) -> list[StaffUser]:
    rows = conn.execute(select(staff_users).order_by(staff_users.c.email)).mappings()
    return [_user(row) for row in rows]


def set_roles(conn: Connection, user_id: int, roles: Sequence[str]) -> None:
    conn.execute(
        update(staff_users)
        .where(staff_users.c.id == user_id)
        .values(roles=list(ordered_roles(roles)))
    )


def set_disabled(conn: Connection, user_id: int, disabled: bool) -> None:
    conn.execute(update(staff_users).where(staff_users.c.id == user_id).values(disabled=disabled))


def set_password(conn: Connection, user_id: int, password_hash: str) -> None:
    conn.execute(
        update(staff_users).where(staff_users.c.id == user_id).values(password_hash=password_hash)
    )


def set_second_factor(conn: Connection, user_id: int, totp_secret: str | None) -> None:
    conn.execute(
        update(staff_users)
        .where(staff_users.c.id == user_id)
        .values(totp_secret=totp_secret, totp_last_step=None)
    )


def use_totp_step(conn: Connection, user_id: int, step: int) -> bool:
    """Record that the code of time step `step` was used; False if it (or a later one) already
    was, so one code cannot sign in twice (compare-and-set, safe against a race)."""
    result = conn.execute(
        update(staff_users)
        .where(
            staff_users.c.id == user_id,
            or_(staff_users.c.totp_last_step.is_(None), staff_users.c.totp_last_step < step),
        )
        .values(totp_last_step=step)
    )
    return result.rowcount == 1


# -- work accounts (OpenID Connect) ------------------------------------------------------------


def user_by_work_account(conn: Connection, tid: str, oid: str) -> StaffUser | None:
    """The person an admin linked to this tenant's object id; never looked up by email."""
    row = (
        conn.execute(
            select(staff_users).where(staff_users.c.oidc_tid == tid, staff_users.c.oidc_oid == oid)
        )
        .mappings()
        .first()
    )
    return _user(row) if row else None


def link_work_account(conn: Connection, user_id: int, tid: str | None, oid: str | None) -> None:
    """Link (or with None, unlink) the person's work account; the unique index refuses an
    account already linked to someone else."""
    conn.execute(
        update(staff_users).where(staff_users.c.id == user_id).values(oidc_tid=tid, oidc_oid=oid)
    )


# -- set-up links ------------------------------------------------------------------------------


def start_setup(conn: Connection, user_id: int, token_hash: str, expires_at: datetime) -> None:
    """A new set-up link; the password and second factor are cleared, so the old ones stop
    working at once (a reset), and any earlier link with them."""
    conn.execute(
        update(staff_users)
        .where(staff_users.c.id == user_id)
        .values(
            setup_token_hash=token_hash,
            setup_expires_at=to_utc(expires_at),
            password_hash=None,
            totp_secret=None,
            totp_last_step=None,
        )
    )


def user_by_setup_token(conn: Connection, token_hash: str) -> tuple[StaffUser, datetime] | None:
    row = (
        conn.execute(select(staff_users).where(staff_users.c.setup_token_hash == token_hash))
        .mappings()
        .first()
    )
    return (_user(row), read_utc(row["setup_expires_at"])) if row else None


def finish_setup(
    conn: Connection, token_hash: str, password_hash: str, totp_secret: str | None
) -> bool:
    """Set the password (and second factor) and spend the link; False if it was already spent."""
    result = conn.execute(
        update(staff_users)
        .where(staff_users.c.setup_token_hash == token_hash)
        .values(
            password_hash=password_hash,
            totp_secret=totp_secret,
            totp_last_step=None,
            setup_token_hash=None,
            setup_expires_at=None,
        )
    )
    return result.rowcount == 1


# -- sessions ----------------------------------------------------------------------------------


def add_session(
    conn: Connection, user_id: int, token_hash: str, verified: bool, now: datetime
) -> int:
    result = conn.execute(
        insert(staff_sessions).values(
            token_hash=token_hash,
            user_id=user_id,
            verified=verified,
            created_at=to_utc(now),
            last_seen_at=to_utc(now),
        )
    )
    return int(result.inserted_primary_key[0])


def session_by_token(conn: Connection, token_hash: str) -> StoredSession | None:
    query = (
        select(staff_sessions, staff_users)
        .join(staff_users, staff_users.c.id == staff_sessions.c.user_id)
        .where(staff_sessions.c.token_hash == token_hash)
    )
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    return StoredSession(
        id=row[staff_sessions.c.id],
        user=_user(row),
        verified=row["verified"],
        created_at=read_utc(row[staff_sessions.c.created_at]),
        last_seen_at=read_utc(row["last_seen_at"]),
        revoked=row["revoked_at"] is not None,
    )


def touch_session(conn: Connection, session_id: int, now: datetime) -> None:
    conn.execute(
        update(staff_sessions)
        .where(staff_sessions.c.id == session_id)
        .values(last_seen_at=to_utc(now))
    )


def verify_session(conn: Connection, session_id: int, new_token_hash: str, now: datetime) -> None:
    """The second factor was given: the session is whole, under a new token (so a token seen
    before the second factor is worth nothing after it)."""
    conn.execute(
        update(staff_sessions)
        .where(staff_sessions.c.id == session_id)
        .values(verified=True, token_hash=new_token_hash, last_seen_at=to_utc(now))
    )


def revoke_session(conn: Connection, session_id: int, now: datetime) -> None:
    conn.execute(
        update(staff_sessions)
        .where(staff_sessions.c.id == session_id, staff_sessions.c.revoked_at.is_(None))
        .values(revoked_at=to_utc(now))
    )


def revoke_sessions_of(conn: Connection, user_id: int, now: datetime) -> int:
    result = conn.execute(
        update(staff_sessions)
        .where(staff_sessions.c.user_id == user_id, staff_sessions.c.revoked_at.is_(None))
        .values(revoked_at=to_utc(now))
    )
    return result.rowcount


# -- sign-in throttle --------------------------------------------------------------------------


def throttle_states(conn: Connection, keys: Sequence[str]) -> dict[str, ThrottleState]:
    rows = conn.execute(select(sign_in_throttle).where(sign_in_throttle.c.key.in_(keys)))
    return {
        row.key: ThrottleState(
            row.failures, read_utc(row.last_failure_at), read_utc(row.locked_until)
        )
        for row in rows
    }


def save_throttle(conn: Connection, key: str, state: ThrottleState) -> None:
    values = {
        "failures": state.failures,
        "last_failure_at": to_utc(state.last_failure_at),
        "locked_until": to_utc(state.locked_until) if state.locked_until else None,
    }
    # One statement, so two failed attempts arriving together cannot both try to insert the key.
    dialects = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
    if conn.dialect.name in dialects:
        upsert = dialects[conn.dialect.name](sign_in_throttle).values(key=key, **values)
        conn.execute(upsert.on_conflict_do_update(index_elements=["key"], set_=values))
        return
    changed = conn.execute(
        update(sign_in_throttle).where(sign_in_throttle.c.key == key).values(**values)
    )
    if changed.rowcount == 0:
        conn.execute(insert(sign_in_throttle).values(key=key, **values))


def clear_throttle(conn: Connection, key: str) -> None:
    conn.execute(delete(sign_in_throttle).where(sign_in_throttle.c.key == key))


# -- rows to data ------------------------------------------------------------------------------


def _user(row: RowMapping) -> StaffUser:
    return StaffUser(
        id=row[staff_users.c.id],
        email=row["email"],
        name=row["name"],
        roles=ordered_roles(row["roles"] or ()),
        disabled=bool(row["disabled"]),
        set_up=row["password_hash"] is not None,
        has_second_factor=row["totp_secret"] is not None,
        work_account=row["oidc_oid"],
    )


def _credentials(row: RowMapping) -> Credentials:
    return Credentials(_user(row), row["password_hash"], row["totp_secret"])
