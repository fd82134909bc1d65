"""People who may use the console: add, list, change roles, disable, reset, and set up through a
one-time link. The CLI (`briefcast users`) and the console's People page both call these, and
each change is written to the audit table with who made it, in the same transaction.

    person = add_person(engine, settings, "a.lee@example.org", "A. Lee", ["author"], actor)
    person.setup_link  -> BRIEFCAST_CONSOLE_URL/setup/<token>, valid 24 hours, usable once
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine

from briefcast.console import second_factor
from briefcast.console.passwords import hash_password, password_problem
from briefcast.console.sessions import token_hash as _hash
from briefcast.errors import BriefcastError
from briefcast.recipients.addresses import InvalidAddress, normalise_address
from briefcast.settings import Settings
from briefcast.store import staff
from briefcast.store.audit import Actor, record
from briefcast.store.engine import read, write
from briefcast.store.schema import utcnow
from briefcast.store.staff import ROLES, StaffUser

SETUP_VALID_FOR = timedelta(hours=24)


class AccountError(BriefcastError):
    pass


class NoSuchPerson(AccountError):
    """An email with no account: worded for the CLI; the People page words it for a browser."""

    def __init__(self, email: str) -> None:
        super().__init__(f"{email}: no such person; see `briefcast users ls`")
        self.email = email


class SetupLinkError(BriefcastError):
    """A set-up link that is unknown, already used or expired (the page says which, plainly)."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


@dataclass(frozen=True)
class NewPerson:
    user: StaffUser
    setup_link: str | None  # when no password was given
    totp_secret: str | None = None  # when a password was given and the second factor is required


def staff_email(raw: str) -> str:
    """The stored form of a staff address (the same rule as for recipients), or one line why not."""
    try:
        return normalise_address(raw)
    except InvalidAddress as error:
        raise AccountError(f"{raw!r}: {error}") from None


def check_roles(roles: Sequence[str]) -> tuple[str, ...]:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        raise AccountError(
            f"roles must be among {', '.join(ROLES)}"
            + (f", not {', '.join(unknown)}" if unknown else " (give at least one)")
        )
    return staff.ordered_roles(roles)


def add_person(
    engine: Engine,
    settings: Settings,
    email: str,
    name: str,
    roles: Sequence[str],
    actor: Actor,
    *,
    password: str | None = None,
) -> NewPerson:
    """A new person; with a password they can sign in at once (with the second factor's secret
    returned, when it is required), without one they get a set-up link."""
    email, name, roles = staff_email(email), name.strip(), check_roles(roles)
    if not name:
        raise AccountError(f"{email}: give the person's name with --name")
    if password is not None:
        problem = password_problem(password, email=email, name=name)
        if problem:
            raise AccountError(f"{email}: {problem.lower()}")
    with write(engine) as conn:
        if staff.user_by_email(conn, email) is not None:
            raise AccountError(f"{email} already has an account: see `briefcast users ls`")
        user_id = staff.add_user(conn, email, name, roles)
        record(conn, actor, "user.added", subject=email, details={"roles": list(roles)})
        link, secret = None, None
        if password is None:
            link = _new_setup_link(conn, settings, user_id)
        else:
            staff.set_password(conn, user_id, hash_password(password))
            if settings.console_2fa == "required":
                secret = second_factor.new_secret()
                staff.set_second_factor(conn, user_id, secret)
        user = staff.user_by_id(conn, user_id).user
    return NewPerson(user, link, secret)


def people(engine: Engine) -> list[StaffUser]:
    with read(engine) as conn:
        return staff.all_users(conn)


def person(engine: Engine, email: str) -> StaffUser:
    with read(engine) as conn:
        return _existing(conn, email).user


def set_roles(engine: Engine, email: str, roles: Sequence[str], actor: Actor) -> StaffUser:
    roles = check_roles(roles)
    with write(engine) as conn:
        user = _existing(conn, email).user
        if user.roles != roles:
            staff.set_roles(conn, user.id, roles)
            record(
                conn,
                actor,
                "user.roles_changed",
                subject=user.email,
                details={"from": list(user.roles), "to": list(roles)},
            )
        return staff.user_by_id(conn, user.id).user


def disable_person(engine: Engine, email: str, actor: Actor) -> int:
    """Disable the account and end its sessions at once; the number of sessions ended."""
    with write(engine) as conn:
        user = _existing(conn, email).user
        staff.set_disabled(conn, user.id, True)
        ended = staff.revoke_sessions_of(conn, user.id, utcnow())
        record(conn, actor, "user.disabled", subject=user.email, details={"sessions": ended})
    return ended


def enable_person(engine: Engine, email: str, actor: Actor) -> None:
    with write(engine) as conn:
        user = _existing(conn, email).user
        if user.disabled:
            staff.set_disabled(conn, user.id, False)
            record(conn, actor, "user.enabled", subject=user.email)


def reset_person(engine: Engine, settings: Settings, email: str, actor: Actor) -> str:
    """A new set-up link; the old password and second factor stop working now, as do sessions."""
    with write(engine) as conn:
        user = _existing(conn, email).user
        link = _new_setup_link(conn, settings, user.id)
        ended = staff.revoke_sessions_of(conn, user.id, utcnow())
        record(conn, actor, "user.reset", subject=user.email, details={"sessions": ended})
    return link


# -- the set-up link ---------------------------------------------------------------------------


def setup_person(engine: Engine, token: str, now: datetime | None = None) -> StaffUser:
    """Whose set-up link this is; SetupLinkError if it is unknown, used or expired."""
    with read(engine) as conn:
        found = staff.user_by_setup_token(conn, _hash(token))
    return _usable(found, now or utcnow())


def finish_setup(
    engine: Engine,
    settings: Settings,
    token: str,
    password: str,
    *,
    totp_secret: str | None,
    code: str,
    now: datetime | None = None,
) -> StaffUser:
    """Set the password (and the second factor, proven by a code from the app) and spend the
    link. A wrong value raises SetupProblem naming the field; the link stays usable then."""
    now = now or utcnow()
    with write(engine) as conn:
        user = _usable(staff.user_by_setup_token(conn, _hash(token)), now)
        problems = setup_problems(settings, user, password, totp_secret, code, now)
        if problems:
            raise SetupProblem(problems)
        with_factor = totp_secret if code.strip() else None
        if not staff.finish_setup(conn, _hash(token), hash_password(password), with_factor):
            raise SetupLinkError("This set-up link has already been used")
        if with_factor:
            staff.use_totp_step(conn, user.id, second_factor.matching_step(totp_secret, code, now))
        record(
            conn,
            Actor.person(user.name, user.id),
            "user.set_up",
            subject=user.email,
            details={"second_factor": bool(with_factor)},
        )
        return staff.user_by_id(conn, user.id).user


class SetupProblem(BriefcastError):
    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems  # field name -> message, for the page's error summary


def setup_problems(
    settings: Settings,
    user: StaffUser,
    password: str,
    totp_secret: str | None,
    code: str,
    now: datetime,
) -> dict[str, str]:
    problems: dict[str, str] = {}
    problem = password_problem(password, email=user.email, name=user.name)
    if problem:
        problems["password"] = problem
    wanted = settings.console_2fa == "required" or bool(code.strip())
    if wanted:
        if not totp_secret or not second_factor.is_secret(totp_secret):
            problems["code"] = "Start again from the link: the set-up key was not understood"
        elif not code.strip():
            problems["code"] = "Enter the 6-digit code from your authenticator app"
        elif second_factor.matching_step(totp_secret, code, now) is None:
            problems["code"] = (
                "The code does not match: check the app shows briefcast console, then enter "
                "the code it shows now"
            )
    return problems


def _new_setup_link(conn: Connection, settings: Settings, user_id: int) -> str:
    token = secrets.token_urlsafe(32)
    staff.start_setup(conn, user_id, _hash(token), utcnow() + SETUP_VALID_FOR)
    return f"{settings.console_url}/setup/{token}"


def _usable(found: tuple[StaffUser, datetime] | None, now: datetime) -> StaffUser:
    if found is None:
        raise SetupLinkError("This set-up link has already been used or is not valid")
    user, expires_at = found
    if expires_at is None or expires_at <= now:
        raise SetupLinkError("This set-up link has expired", expired=True)
    if user.disabled:
        raise SetupLinkError("This set-up link has already been used or is not valid")
    return user


def _existing(conn: Connection, email: str) -> staff.Credentials:
    found = staff.user_by_email(conn, staff_email(email))
    if found is None:
        raise NoSuchPerson(email)
    return found
