"""Failed sign-ins slow, then lock, further attempts, per account and per client address, and an
unknown address is treated exactly like a known one (same answers, same work)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from console_helpers import PASSWORD, csrf_of

from briefcast.console import passwords, sign_in, throttle
from briefcast.store.schema import utcnow
from briefcast.store.staff import ThrottleState

KNOWN, UNKNOWN = "ann.author@example.org", "nobody.here@example.org"


# -- the policy --------------------------------------------------------------------------------


def test_the_first_failures_are_free_then_each_doubles_the_wait_then_the_key_locks():
    key, now = throttle.account_key(KNOWN), utcnow()
    state, outcomes = None, []
    for _ in range(throttle.ACCOUNT.lock_after):
        state = throttle.after_failure(key, state, now)
        refused = throttle.refusal(key, state, now)
        outcomes.append(None if refused is None else (refused.locked, refused.until - now))
    free = throttle.ACCOUNT.free
    assert outcomes[:free] == [None] * free
    assert outcomes[free : free + 2] == [
        (False, timedelta(seconds=1)),
        (False, timedelta(seconds=2)),
    ]
    assert outcomes[-1] == (True, throttle.ACCOUNT.lock_for)


def test_a_wait_ends_and_old_failures_are_forgotten():
    key, now = throttle.account_key(KNOWN), utcnow()
    state = ThrottleState(failures=5, last_failure_at=now, locked_until=None)
    assert throttle.refusal(key, state, now + timedelta(seconds=1)) is not None
    assert throttle.refusal(key, state, now + timedelta(seconds=5)) is None
    later = now + throttle.ACCOUNT.lock_for
    assert throttle.after_failure(key, state, later).failures == 1


def test_a_lock_holds_until_its_time_then_counting_starts_again():
    key, now = throttle.account_key(KNOWN), utcnow()
    locked = ThrottleState(
        failures=10, last_failure_at=now, locked_until=now + timedelta(minutes=15)
    )
    assert throttle.refusal(key, locked, now + timedelta(minutes=14)).locked
    assert throttle.refusal(key, locked, now + timedelta(minutes=15)) is None
    assert throttle.after_failure(key, locked, now + timedelta(minutes=15)).failures == 1


def test_an_address_is_given_more_room_than_an_account():
    assert throttle.ADDRESS.free > throttle.ACCOUNT.free
    assert throttle.ADDRESS.lock_after > throttle.ACCOUNT.lock_after
    assert throttle.account_key("Ann.Author@Example.org ") == throttle.account_key(KNOWN)
    assert KNOWN not in throttle.account_key(KNOWN)  # the table keeps no addresses


# -- through the page --------------------------------------------------------------------------


def _try(client, email: str, password: str):  # type: ignore[no-untyped-def]
    page = client.get("/sign-in")
    return client.post(
        "/sign-in", data={"email": email, "password": password, "csrf_token": csrf_of(page.text)}
    )


def _message(html: str) -> str:
    (message,) = re.findall(r'<p class="error-message" id="email-error">.*?</span> (.*?)</p>', html)
    return re.sub(r"\d+", "N", message)


def test_repeated_wrong_passwords_slow_sign_in_alike_for_known_and_unknown_addresses(
    console, monkeypatch
):
    console.person(KNOWN, "Ann Author", "author")
    # a stopped clock: on a busy machine the attempts must still fall inside the first wait
    stopped = utcnow()
    monkeypatch.setattr("briefcast.console.sign_in.utcnow", lambda: stopped)
    monkeypatch.setattr("briefcast.console.signing_in.utcnow", lambda: stopped)
    client = console.client()
    answers = {}
    for email in (KNOWN, UNKNOWN):
        first = [
            _try(client, email, "not the password at all") for _ in range(throttle.ACCOUNT.free + 1)
        ]
        assert {a.status_code for a in first} == {400}
        assert {_message(a.text) for a in first} == {"Enter a correct email address and password"}
        slowed = _try(client, email, PASSWORD if email == KNOWN else "whatever it is")
        assert slowed.status_code == 429
        answers[email] = _message(slowed.text)
    assert answers[KNOWN] == answers[UNKNOWN]
    assert answers[KNOWN].startswith("Too many failed attempts. Wait N second")


def test_then_sign_in_locks_even_for_the_right_password_and_alike_for_unknown_addresses(console):
    console.person(KNOWN, "Ann Author", "author")
    start = utcnow() - timedelta(minutes=6)
    for email in (KNOWN, UNKNOWN):
        for attempt in range(throttle.ACCOUNT.lock_after):
            when = start + timedelta(seconds=31 * attempt)  # past each wait
            result = sign_in.check_password(
                console.engine, console.settings, email, "wrong password", "198.51.100.7", now=when
            )
            assert result.user is None and result.refusal is None
    client = console.client()
    known, unknown = _try(client, KNOWN, PASSWORD), _try(client, UNKNOWN, PASSWORD)
    assert known.status_code == unknown.status_code == 429
    assert _message(known.text) == _message(unknown.text)
    assert "Sign-in is locked for N minutes" in _message(known.text)


def test_an_unknown_address_costs_the_same_password_check_as_a_known_one(console, monkeypatch):
    console.person(KNOWN, "Ann Author", "author")
    checked: list[str] = []
    real = passwords._hasher

    class Counting:
        def verify(self, hash_: str, password: str) -> bool:
            checked.append(hash_)
            return real.verify(hash_, password)

    monkeypatch.setattr(passwords, "_hasher", Counting())
    for email in (KNOWN, UNKNOWN):
        sign_in.check_password(console.engine, console.settings, email, "wrong", "192.0.2.1")
    assert len(checked) == 2
    assert all(h.startswith("$argon2id$") for h in checked)
    assert checked[0] != checked[1]  # the real hash, then the stand-in


@pytest.mark.parametrize("what", ["password", "code"])
def test_every_failure_is_in_the_audit_table(console, what):
    from briefcast.store.audit import history
    from briefcast.store.engine import read

    ann = console.person(KNOWN, "Ann Author", "author")
    if what == "password":
        sign_in.check_password(console.engine, console.settings, KNOWN, "wrong", "192.0.2.1")
        sign_in.check_password(console.engine, console.settings, UNKNOWN, "wrong", "192.0.2.1")
    else:
        sign_in.check_code(console.engine, ann.user, "000000", "192.0.2.1")
    with read(console.engine) as conn:
        failed = history(conn, action_prefix="user.sign_in_failed")
    assert [e.reason for e in failed] == [f"wrong {what}"] * len(failed) and failed
    assert failed[0].actor.user_id == ann.user.id
    if what == "password":
        assert failed[1].actor.kind == "process" and failed[1].subject == UNKNOWN
