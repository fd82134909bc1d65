"""Signing in and out of the console through its pages: the password and the code, the session
cookie, CSRF on every POST, and what a signed-out or disabled person gets."""

from __future__ import annotations

import re

import pytest
from console_helpers import ADMIN, PASSWORD, code_for, csrf_of, h1_of
from starlette.routing import Mount, Route

from briefcast.console import accounts
from briefcast.console.pages import SESSION_COOKIE
from briefcast.store.audit import history
from briefcast.store.engine import read


def _get_paths(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Every GET page of the console (path parameters filled in), the set-up link's aside."""
    paths = []
    for route in app.routes:
        if isinstance(route, Mount) or not isinstance(route, Route):
            continue
        if "GET" in (route.methods or ()) and not route.path.startswith(("/sign-in", "/setup/")):
            paths.append(re.sub(r"\{[^}]+\}", "1", route.path))
    return paths


def _post_paths(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        re.sub(r"\{[^}]+\}", "1", route.path)
        for route in app.routes
        if isinstance(route, Route) and "POST" in (route.methods or ())
    ]


def test_a_signed_out_visit_to_any_console_page_leads_to_sign_in(console):
    client = console.client()
    paths = _get_paths(client.app)
    assert "/" in paths and "/people" in paths
    for path in [*paths, "/sign-in/code"]:
        first = client.get(path, follow_redirects=False)
        assert first.status_code == 303, path
        assert first.headers["location"].startswith("/sign-in"), path
        page = client.get(path)
        assert h1_of(page.text) == "Sign in", path
        assert 'for="email">Email address<' in page.text and 'for="password">Password<' in page.text
        assert ">Sign in</button>" in page.text


def test_sign_in_with_password_and_code_then_sign_out(console):
    ann = console.person("ann.author@example.org", "Ann Author", "author")
    client = console.client()
    page = client.get("/people")  # remembered: after signing in the person lands there
    answer = client.post(
        str(page.url),
        data={
            "email": "Ann.Author@example.org",
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
        },
    )
    assert h1_of(answer.text) == "Enter the code from your authenticator app"
    pending_cookie = client.cookies[SESSION_COOKIE]
    assert client.get("/", follow_redirects=False).status_code == 303  # not signed in yet
    done = client.post(
        str(answer.url),
        data={"code": code_for(ann), "csrf_token": csrf_of(answer.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/people"
    assert client.cookies[SESSION_COOKIE] != pending_cookie  # a new token after the code
    campaigns = client.get("/")
    assert h1_of(campaigns.text) == "Campaigns" and "Ann Author" in campaigns.text
    assert client.get("/people").status_code == 403  # an author is no admin
    signed_out = client.post("/sign-out", data={"csrf_token": csrf_of(campaigns.text)})
    assert h1_of(signed_out.text) == "Sign in" and "You have signed out" in signed_out.text
    with read(console.engine) as conn:
        actions = [e.action for e in history(conn, action_prefix="user.")]
    assert actions == ["user.added", "user.signed_in", "user.signed_out"]


def test_the_same_code_does_not_sign_in_twice(console):
    ann = console.person("ann.author@example.org", "Ann Author", "author")
    used = console.sign_in(console.client(), ann)
    client = console.client()
    page = client.get("/sign-in")
    answer = client.post(
        "/sign-in",
        data={"email": ann.user.email, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    again = client.post("/sign-in/code", data={"code": used, "csrf_token": csrf_of(answer.text)})
    assert (
        again.status_code == 400 and "Enter the code your authenticator app shows now" in again.text
    )


def test_a_signed_out_session_cookie_is_worth_nothing(console):
    ann = console.person("ann.author@example.org", "Ann Author", "author")
    client = console.client()
    console.sign_in(client, ann)
    stolen = client.cookies[SESSION_COOKIE]
    client.post("/sign-out", data={"csrf_token": csrf_of(client.get("/").text)})
    replay = console.client()
    replay.cookies.set(SESSION_COOKIE, stolen)
    assert replay.get("/", follow_redirects=False).status_code == 303


def test_a_post_without_the_csrf_token_is_refused_everywhere(console):
    ada = console.person("ada.admin@example.org", "Ada Admin", "admin", "author")
    bob = console.person("bob.approver@example.org", "Bob Approver", "approver")
    client = console.client()
    console.sign_in(client, ada)
    for path in _post_paths(client.app):
        for token in (None, "0" * 64):
            data = {"email": bob.user.email, "action": "disable", "password": PASSWORD}
            if token:
                data["csrf_token"] = token
            answer = client.post(path, data=data)
            assert answer.status_code == 403, path
            assert h1_of(answer.text) == "This form has expired", path
    people = accounts.people(console.engine)
    assert not any(p.disabled for p in people)  # nothing happened
    assert h1_of(client.get("/").text) == "Campaigns"  # sign-out without a token did not work
    fresh = console.client()
    refused = fresh.post("/sign-in", data={"email": ada.user.email, "password": PASSWORD})
    assert refused.status_code == 403  # the sign-in form too


def test_a_token_from_another_browser_is_refused(console):
    ada = console.person("ada.admin@example.org", "Ada Admin", "admin")
    mine, theirs = console.client(), console.client()
    other_token = csrf_of(theirs.get("/sign-in").text)
    mine.get("/sign-in")
    answer = mine.post(
        "/sign-in",
        data={"email": ada.user.email, "password": PASSWORD, "csrf_token": other_token},
    )
    assert answer.status_code == 403


def test_a_disabled_persons_open_session_stops_at_once(console):
    ann = console.person("ann.author@example.org", "Ann Author", "author")
    client = console.client()
    console.sign_in(client, ann)
    ended = accounts.disable_person(console.engine, ann.user.email, ADMIN)
    assert ended == 1
    answer = client.get("/", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")
    # and the right password no longer works, with the same message as a wrong one
    page = client.get("/sign-in")
    again = client.post(
        "/sign-in",
        data={"email": ann.user.email, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    assert "Enter a correct email address and password" in again.text


def test_the_session_cookie_is_httponly_lax_and_secure_on_https(console):
    ann = console.person("ann.author@example.org", "Ann Author", "author")
    plain = console.client()
    cookie = _session_set_cookie(plain, ann)
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()
    https = console.client(console_url="https://console.example.org")
    hal = console.person("hal.https@example.org", "Hal Https", "author")
    cookie = _session_set_cookie(https, hal)
    assert "; secure" in cookie.lower()


def _session_set_cookie(client, person) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/sign-in")
    client.post(
        "/sign-in",
        data={"email": person.user.email, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    code_page = client.get("/sign-in/code")
    answer = client.post(
        "/sign-in/code",
        data={"code": code_for(person), "csrf_token": csrf_of(code_page.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    (cookie,) = [
        v
        for k, v in answer.headers.multi_items()
        if k == "set-cookie" and v.startswith(SESSION_COOKIE + "=")
    ]
    return cookie


def test_with_the_second_factor_optional_a_password_is_enough(console):
    console = console.with_settings(console_2fa="optional")
    ola = console.person("ola.optional@example.org", "Ola Optional", "author")
    assert ola.totp_secret is None
    console.sign_in(console.client(), ola)


def test_when_the_second_factor_is_required_a_person_without_one_is_told_to_ask(console):
    ola = console.with_settings(console_2fa="optional").person(
        "ola.optional@example.org", "Ola Optional", "author"
    )
    client = console.client(console_2fa="required")
    page = client.get("/sign-in")
    answer = client.post(
        "/sign-in",
        data={"email": ola.user.email, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    assert answer.status_code == 403 and "Ask an admin for a new set-up link" in answer.text
    assert client.get("/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    "target",
    ["//elsewhere.example.net/x", "https://elsewhere.example.net", "/\\elsewhere.example.net"],
)
def test_after_sign_in_the_console_never_sends_the_person_to_another_site(console, target):
    ola = console.person("ola.optional@example.org", "Ola Optional", "author")
    client = console.client()
    page = client.get("/sign-in")
    client.post(
        f"/sign-in?next={target}",
        data={"email": ola.user.email, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    code = client.get("/sign-in/code")
    answer = client.post(
        f"/sign-in/code?next={target}",
        data={"code": code_for(ola), "csrf_token": csrf_of(code.text)},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/"


def test_pages_carry_the_console_policy_and_no_inline_script_or_style(console):
    client = console.client()
    page = client.get("/sign-in")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert page.headers["cache-control"] == "no-store"
    from briefcast.console.pages import TEMPLATES

    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text("utf-8")
        assert "style=" not in text and not re.search(r"<script(?![^>]*\bsrc=)", text), template
