"""The one-time set-up link: choose a password, add the console to an authenticator app (QR code
drawn here, key as text), then sign in. It works once and for 24 hours; a reset makes a new one
and stops the old password."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from console_helpers import ADMIN, CONSOLE_URL, PASSWORD, csrf_of, h1_of
from sqlalchemy import update

from briefcast.console import accounts
from briefcast.console.accounts import SetupLinkError
from briefcast.console.passwords import common_passwords
from briefcast.console.sign_in import check_password
from briefcast.store.engine import write
from briefcast.store.schema import staff_users, utcnow


def _path(link: str) -> str:
    assert link.startswith(f"{CONSOLE_URL}/setup/")
    return link.removeprefix(CONSOLE_URL)


def _secret(html: str) -> str:
    return re.search(r'name="secret" value="([A-Z2-7]{32})"', html).group(1)


def _submit(client, page, password, again=None, code=None):  # type: ignore[no-untyped-def]
    secret = _secret(page.text)
    return client.post(
        str(page.url),
        data={
            "password": password,
            "password_again": password if again is None else again,
            "secret": secret,
            "code": pyotp.TOTP(secret).now() if code is None else code,
            "csrf_token": csrf_of(page.text),
        },
    )


def test_the_link_sets_a_password_and_the_second_factor_once(console):
    added = console.person("sam.setup@example.org", "Sam Setup", "author", password=None)
    assert added.setup_link and added.totp_secret is None and not added.user.set_up
    client = console.client()
    page = client.get(_path(added.setup_link))
    assert h1_of(page.text) == "Set up your account"
    assert "<svg" in page.text and "QR code for your authenticator app" in page.text
    secret = _secret(page.text)
    assert " ".join(secret[i : i + 4] for i in range(0, 32, 4)) in page.text  # the key as text
    done = _submit(client, page, PASSWORD)
    assert h1_of(done.text) == "Sign in" and "Your account is set up" in done.text
    again = client.get(_path(added.setup_link))
    assert again.status_code == 404 and "already been used" in h1_of(again.text)
    user = accounts.person(console.engine, "sam.setup@example.org")
    assert user.set_up and user.has_second_factor
    # the password chosen signs in, and asks for the code of the app set up
    result = check_password(console.engine, console.settings, user.email, PASSWORD, "192.0.2.9")
    assert result.user is not None and result.needs_code


@pytest.mark.parametrize(
    ("password", "again", "code", "field", "message"),
    [
        ("short pass", None, None, "password", "at least 12 characters"),
        ("common", None, None, "password", "too common"),
        ("sam.setup@example.org", None, None, "password", "your name or email address"),
        (PASSWORD, PASSWORD + "!", None, "password_again", "Enter the same password twice"),
        (PASSWORD, None, "000000", "code", "The code does not match"),
        (PASSWORD, None, "", "code", "Enter the 6-digit code"),
    ],
)
def test_a_problem_is_shown_at_its_field_and_the_link_still_works(
    console, password, again, code, field, message
):
    if password == "common":
        password = next(p for p in sorted(common_passwords()) if len(p) >= 12)
    added = console.person("sam.setup@example.org", "Sam Setup", "author", password=None)
    client = console.client()
    page = client.get(_path(added.setup_link))
    answer = _submit(client, page, password, again, code)
    assert answer.status_code == 400 and h1_of(answer.text) == "Set up your account"
    assert f'<a href="#{field}">' in answer.text  # the summary links to the field
    error = re.search(rf'id="{field}-error">.*?</span> (.*?)</p>', answer.text).group(1)
    assert message in error
    assert not accounts.person(console.engine, "sam.setup@example.org").set_up
    assert _submit(client, answer, PASSWORD).status_code == 200  # then done right


def test_the_link_expires_after_24_hours(console):
    added = console.person("sam.setup@example.org", "Sam Setup", "author", password=None)
    token = added.setup_link.rsplit("/", 1)[1]
    assert accounts.setup_person(console.engine, token, now=utcnow() + timedelta(hours=23))
    with pytest.raises(SetupLinkError, match="expired"):
        accounts.setup_person(console.engine, token, now=utcnow() + timedelta(hours=24, seconds=1))
    with write(console.engine) as conn:
        conn.execute(update(staff_users).values(setup_expires_at=utcnow() - timedelta(seconds=1)))
    page = console.client().get(_path(added.setup_link))
    assert page.status_code == 410 and h1_of(page.text) == "This set-up link has expired"


def test_an_unknown_link_says_so_plainly(console):
    page = console.client().get("/setup/not-a-real-token")
    assert page.status_code == 404 and "not valid" in h1_of(page.text)


def test_a_reset_stops_the_old_password_and_the_old_link_and_ends_sessions(console):
    ann = console.person("ann.author@example.org", "Ann Author", "author")
    client = console.client()
    console.sign_in(client, ann)
    link = accounts.reset_person(console.engine, console.settings, ann.user.email, ADMIN)
    assert client.get("/", follow_redirects=False).status_code == 303
    result = check_password(console.engine, console.settings, ann.user.email, PASSWORD, "x")
    assert result.user is None
    second = accounts.reset_person(console.engine, console.settings, ann.user.email, ADMIN)
    assert console.client().get(_path(link)).status_code == 404  # the newer link replaced it
    assert console.client().get(_path(second)).status_code == 200


def test_with_the_second_factor_optional_the_code_may_be_left_empty(console):
    optional = console.with_settings(console_2fa="optional")
    added = optional.person("ola.optional@example.org", "Ola Optional", "author", password=None)
    client = optional.client()
    page = client.get(_path(added.setup_link))
    assert "leave the code empty to skip it" in page.text
    done = _submit(client, page, PASSWORD, code="")
    assert h1_of(done.text) == "Sign in"
    assert not accounts.person(console.engine, added.user.email).has_second_factor
