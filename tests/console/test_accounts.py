"""People and sessions as the library keeps them: the rules on addresses, roles and passwords,
the audit of every change, and the session time-outs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from console_helpers import ADMIN, PASSWORD

from briefcast.console import accounts, sessions
from briefcast.console.accounts import AccountError
from briefcast.console.passwords import hash_password, password_problem, verify_password
from briefcast.store.audit import history
from briefcast.store.engine import read
from briefcast.store.schema import utcnow


def test_addresses_are_stored_as_recipients_are_and_added_once(console):
    added = console.person("  Ann.Author@Example.ORG ", "Ann Author", "author")
    assert added.user.email == "ann.author@example.org"
    with pytest.raises(AccountError, match="already has an account"):
        console.person("ann.author@example.org", "Ann Again", "author")
    with pytest.raises(AccountError) as bad:
        console.person("not an address", "Nobody", "author")
    assert "'not an address'" in str(bad.value) and "\n" not in str(bad.value)


def test_roles_must_be_known_and_at_least_one(console):
    with pytest.raises(AccountError, match="not editor"):
        console.person("ed@example.org", "Ed Itor", "editor")
    with pytest.raises(AccountError, match="at least one"):
        accounts.set_roles(
            console.engine, console.person("a@example.org", "A Person").user.email, [], ADMIN
        )


def test_a_weak_password_is_refused_before_anything_is_stored(console):
    with pytest.raises(AccountError, match="at least 12 characters"):
        console.person("ann.author@example.org", "Ann Author", "author", password="short")
    assert accounts.people(console.engine) == []


def test_password_rules():
    assert password_problem("correct horse battery staple") is None
    assert "at least 12" in password_problem("only eleven")
    assert "too common" in password_problem("aaaaaaaaaaaaaa")
    assert "too common" in password_problem("PASSWORD1234")  # case does not matter
    assert "your name" in password_problem("annauthor123", email="annauthor123@example.org")
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert verify_password(stored, PASSWORD) and not verify_password(stored, PASSWORD + "x")
    assert not verify_password(None, PASSWORD) and not verify_password("garbage", PASSWORD)


def test_every_change_to_a_person_is_audited_with_who_made_it(console):
    ann = console.person("ann.author@example.org", "Ann Author", "author")
    email = ann.user.email
    accounts.set_roles(console.engine, email, ["author", "approver"], ADMIN)
    accounts.set_roles(console.engine, email, ["approver", "author"], ADMIN)  # no change
    accounts.disable_person(console.engine, email, ADMIN)
    accounts.enable_person(console.engine, email, ADMIN)
    accounts.reset_person(console.engine, console.settings, email, ADMIN)
    with read(console.engine) as conn:
        trail = history(conn, action_prefix="user.")
    assert [e.action for e in trail] == [
        "user.added",
        "user.roles_changed",
        "user.disabled",
        "user.enabled",
        "user.reset",
    ]
    assert {e.actor for e in trail} == {ADMIN} and {e.subject for e in trail} == {email}
    assert trail[1].details == {"from": ["author"], "to": ["author", "approver"]}


def test_a_session_ends_after_its_idle_time_and_its_absolute_time(console):
    ann = console.person("ann.author@example.org", "Ann Author", "author")
    settings, start = console.settings, utcnow()
    token = sessions.start(console.engine, ann.user.id, verified=True, now=start)
    idle, absolute = settings.session_idle, settings.session_absolute
    assert sessions.find(console.engine, settings, token, start + idle - timedelta(seconds=5))
    assert sessions.find(console.engine, settings, token, start + idle * 2) is None
    # kept busy, it still ends at the absolute limit
    moment = start
    while moment + idle / 2 < start + absolute:
        moment += idle / 2
        assert sessions.find(console.engine, settings, token, moment), moment - start
    assert sessions.find(console.engine, settings, token, start + absolute) is None


def test_a_session_waiting_for_the_code_lasts_minutes_only(console):
    ann = console.person("ann.author@example.org", "Ann Author", "author")
    start = utcnow()
    token = sessions.start(console.engine, ann.user.id, verified=False, now=start)
    found = sessions.find(console.engine, console.settings, token, start + timedelta(minutes=4))
    assert found and not found.verified
    later = start + sessions.PENDING_FOR
    assert sessions.find(console.engine, console.settings, token, later) is None


def test_the_database_keeps_only_a_hash_of_the_session_token(console):
    from sqlalchemy import select

    from briefcast.store.schema import staff_sessions

    ann = console.person("ann.author@example.org", "Ann Author", "author")
    token = sessions.start(console.engine, ann.user.id, verified=True)
    with read(console.engine) as conn:
        (stored,) = conn.execute(select(staff_sessions.c.token_hash)).scalars()
    assert token not in stored and stored == sessions.token_hash(token)
