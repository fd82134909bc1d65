"""Signing in with the work account (OpenID Connect) against a real OpenID provider on 127.0.0.1
(tests/console/oidc_provider.py): the whole redirect dance through the console's pages, what a
token for another tenant, app or sign-in gets, and that a person is found by (tid, oid) alone."""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from console_helpers import ADMIN, PASSWORD, Console, csrf_of, h1_of
from cryptography.hazmat.primitives.asymmetric import rsa
from oidc_provider import OpenIdProvider

from briefcast.console import accounts
from briefcast.console.oidc import CALLBACK_PATH, link_person
from briefcast.console.pages import SESSION_COOKIE
from briefcast.store.audit import history
from briefcast.store.engine import read

TENANT = "3f2a6c1e-8b4d-4f7a-9c2e-5d1b7a9e0c34"
OTHER_TENANT = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e"
CLIENT_ID = "0c5d8e2f-1a3b-4c6d-8e9f-2a4b6c8d0e1f"
SECRET = "a test client secret, not a real one"
ANN_OID = "11111111-2222-4333-8444-555555555555"
NOT_VERIFIED = "Your work account sign-in could not be checked"


@pytest.fixture
def provider() -> Iterator[OpenIdProvider]:
    with OpenIdProvider(TENANT, CLIENT_ID, SECRET) as running:
        yield running


@pytest.fixture
def entra(console: Console, provider: OpenIdProvider) -> Console:
    return console.with_settings(oidc=provider.settings())


def _via_provider(client, provider: OpenIdProvider, start: str = "/sign-in/work-account"):  # type: ignore[no-untyped-def]
    """Press the button, let the provider answer /authorize, and follow its redirect back."""
    out = client.get(start, follow_redirects=False)
    assert out.status_code == 303, out.text
    location = out.headers["location"]
    assert location.startswith(f"{provider.url}/authorize?")
    parts = urlsplit(location)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    connection.request("GET", f"{parts.path}?{parts.query}")
    answer = connection.getresponse()
    assert answer.status == 302
    back = answer.getheader("Location")
    connection.close()
    assert back.startswith(f"http://testserver{CALLBACK_PATH}?")
    return client.get(back), parse_qs(parts.query), back


def _actions(console: Console) -> list[tuple[str, str | None, str | None]]:
    with read(console.engine) as conn:
        entries = history(conn, action_prefix="user.sign")
    return [(e.action, e.subject, e.reason) for e in entries]


def test_a_linked_person_signs_in_with_the_work_account_and_no_code(entra, provider):
    ann = entra.person("ann.author@example.org", "Ann Author", "author")
    assert ann.totp_secret  # a code would be asked after a password: not after the work account
    link_person(entra.engine, entra.settings, "ann.author@example.org", ANN_OID, ADMIN)
    provider.person = {"oid": ANN_OID}
    client = entra.client()
    page = client.get("/sign-in?next=/people")
    assert "Sign in with your work account" in page.text
    assert 'href="/sign-in/work-account?next=/people"' in page.text
    assert 'for="password">Password<' in page.text  # the password form stays beside it

    landed, asked, _back = _via_provider(client, provider, "/sign-in/work-account?next=/people")

    assert landed.status_code == 403 and "You cannot use this page" in landed.text  # /people
    assert landed.url.path == "/people"
    home = client.get("/")
    assert h1_of(home.text) == "Campaigns" and "Ann Author" in home.text
    # What went to the provider: PKCE's challenge (never the verifier), state and nonce.
    assert asked["code_challenge_method"] == ["S256"] and len(asked["code_challenge"][0]) == 43
    assert asked["redirect_uri"] == [f"http://testserver{CALLBACK_PATH}"]
    assert asked["state"][0] and asked["nonce"][0] and asked["state"] != asked["nonce"]
    (exchange,) = provider.token_requests
    assert exchange["client_secret"] == SECRET and len(exchange["code_verifier"]) >= 43
    assert exchange["code_verifier"] not in str(asked)
    assert provider.refusals == []
    assert _actions(entra) == [("user.signed_in", "ann.author@example.org", None)]
    with read(entra.engine) as conn:
        (signed_in,) = history(conn, action_prefix="user.signed_in")
    assert signed_in.details == {"work_account": True} and signed_in.actor.user_id == ann.user.id
    # The same session as a password sign-in: Sign out ends it.
    out = client.post("/sign-out", data={"csrf_token": csrf_of(home.text)})
    assert h1_of(out.text) == "Sign in" and SESSION_COOKIE not in client.cookies


@pytest.mark.parametrize(
    ("tamper", "why"),
    [
        ({"tid": OTHER_TENANT}, "another tenant"),
        ({"aud": "9f9f9f9f-0000-4000-8000-000000000000"}, "another app"),
        ({"nonce": "a nonce from another sign-in"}, "nonce"),
        ({"exp": int(time.time()) - 600, "iat": int(time.time()) - 4200}, "expired"),
        ({"iss": "https://login.microsoftonline.com/other/v2.0"}, "another issuer"),
        ({"tid": None}, "another tenant"),
        ({"oid": None}, "no object id"),
    ],
)
def test_a_token_that_is_not_for_this_sign_in_is_refused(entra, provider, tamper, why):
    entra.person("ann.author@example.org", "Ann Author", "author")
    link_person(entra.engine, entra.settings, "ann.author@example.org", ANN_OID, ADMIN)
    provider.person, provider.tamper = {"oid": ANN_OID}, tamper
    client = entra.client()

    landed, _asked, _back = _via_provider(client, provider)

    assert landed.status_code == 403 and h1_of(landed.text) == "Sign in"
    assert NOT_VERIFIED in landed.text and "Traceback" not in landed.text
    assert client.get("/", follow_redirects=False).status_code == 303  # not signed in
    ((action, _subject, reason),) = _actions(entra)
    assert action == "user.sign_in_refused" and why in reason


def test_a_token_signed_with_another_key_is_refused(entra, provider):
    entra.person("ann.author@example.org", "Ann Author", "author")
    link_person(entra.engine, entra.settings, "ann.author@example.org", ANN_OID, ADMIN)
    provider.person = {"oid": ANN_OID}
    provider.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    client = entra.client()
    landed, _asked, _back = _via_provider(client, provider)
    assert landed.status_code == 403 and NOT_VERIFIED in landed.text
    assert "signature" in _actions(entra)[0][2]
    assert client.get("/", follow_redirects=False).status_code == 303


def test_an_unlinked_work_account_is_refused_with_what_to_ask_for(entra, provider):
    entra.person("ann.author@example.org", "Ann Author", "author")
    provider.person = {"oid": ANN_OID}
    client = entra.client()
    landed, _asked, _back = _via_provider(client, provider)
    assert landed.status_code == 403
    assert "Your work account is not linked to a console account yet" in landed.text
    assert f"briefcast users link YOUR-EMAIL --oid {ANN_OID}" in landed.text
    assert client.get("/", follow_redirects=False).status_code == 303
    assert _actions(entra) == [
        ("user.sign_in_refused", f"work account {ANN_OID}", "work account: not linked")
    ]


def test_an_account_matched_by_email_only_is_not_signed_in(entra, provider):
    """The token's email and preferred_username name a console account exactly: no link, no
    entry (any tenant's admin can write any address into those claims)."""
    entra.person("ann.author@example.org", "Ann Author", "admin")
    provider.person = {
        "oid": ANN_OID,
        "email": "ann.author@example.org",
        "preferred_username": "ann.author@example.org",
    }
    client = entra.client()
    landed, _asked, _back = _via_provider(client, provider)
    assert landed.status_code == 403 and "is not linked" in landed.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_link_in_another_tenant_does_not_match(entra, provider):
    """(tid, oid) together: the same object id from another tenant is someone else."""
    entra.person("ann.author@example.org", "Ann Author", "author")
    link_person(entra.engine, entra.settings, "ann.author@example.org", ANN_OID, ADMIN)
    other = OpenIdProvider(OTHER_TENANT, CLIENT_ID, SECRET)
    with other:
        other.person = {"oid": ANN_OID}
        client = entra.client(oidc=other.settings())
        landed, _asked, _back = _via_provider(client, other)
    assert landed.status_code == 403 and "is not linked" in landed.text


def test_a_disabled_person_is_refused(entra, provider):
    entra.person("ann.author@example.org", "Ann Author", "author")
    link_person(entra.engine, entra.settings, "ann.author@example.org", ANN_OID, ADMIN)
    accounts.disable_person(entra.engine, "ann.author@example.org", ADMIN)
    provider.person = {"oid": ANN_OID}
    client = entra.client()
    landed, _asked, _back = _via_provider(client, provider)
    assert landed.status_code == 403 and "Your console account is disabled" in landed.text
    assert client.get("/", follow_redirects=False).status_code == 303
    assert _actions(entra) == [
        ("user.sign_in_refused", "ann.author@example.org", "work account: account disabled")
    ]


def test_the_way_back_works_once_and_only_in_the_browser_that_left(entra, provider):
    entra.person("ann.author@example.org", "Ann Author", "author")
    link_person(entra.engine, entra.settings, "ann.author@example.org", ANN_OID, ADMIN)
    provider.person = {"oid": ANN_OID}
    client = entra.client()
    out = client.get("/sign-in/work-account", follow_redirects=False)
    state = parse_qs(urlsplit(out.headers["location"]).query)["state"][0]
    # Another browser given a link with a state (a forged or sent-on link) signs nobody in.
    elsewhere = entra.client()
    forged = elsewhere.get(f"{CALLBACK_PATH}?code=anything&state={state}")
    assert forged.status_code == 403 and "started in another browser" in forged.text
    assert elsewhere.get("/", follow_redirects=False).status_code == 303
    # This browser with a wrong state: refused too, before anything goes to the provider.
    for state in ("not-the-state", "%C3%A9t%C3%A9", ""):
        wrong = client.get(f"{CALLBACK_PATH}?code=anything&state={state}")
        assert wrong.status_code == 403 and "started in another browser" in wrong.text
    assert provider.token_requests == []
    # The first answer signs in; replaying the same link does not sign in again.
    landed, _asked, back = _via_provider(client, provider)
    assert h1_of(landed.text) == "Campaigns"
    fresh = entra.client()
    assert fresh.get(back).status_code == 403


def test_the_provider_refusing_is_said_plainly(entra, provider):
    client = entra.client()
    out = client.get("/sign-in/work-account", follow_redirects=False)
    state = parse_qs(urlsplit(out.headers["location"]).query)["state"][0]
    back = client.get(f"{CALLBACK_PATH}?error=access_denied&state={state}")
    assert back.status_code == 403
    assert "Your work account sign-in did not finish (access_denied)" in back.text
    assert _actions(entra) == [
        ("user.sign_in_refused", None, "work account: the provider answered access_denied")
    ]


def test_an_unreachable_provider_is_one_line_on_the_sign_in_page(entra, provider):
    client = entra.client()
    provider.__exit__()  # nothing listens on its port any more
    page = client.get("/sign-in/work-account")
    assert page.status_code == 403 and h1_of(page.text) == "Sign in"
    assert "Signing in with your work account is not working now" in page.text
    assert "could not be reached" in page.text and "Traceback" not in page.text


def test_without_password_sign_in_only_the_work_account_is_offered(entra, provider):
    ann = entra.person("ann.author@example.org", "Ann Author", "author")
    client = entra.client(console_password_sign_in=False)
    page = client.get("/sign-in")
    assert "Sign in with your work account" in page.text
    assert 'name="password"' not in page.text
    # A form kept from before the change (same browser, same console key) is refused all the same.
    before = entra.client()
    token = csrf_of(before.get("/sign-in").text)
    client.cookies = before.cookies
    refused = client.post(
        "/sign-in",
        data={"email": ann.user.email, "password": PASSWORD, "csrf_token": token},
    )
    assert refused.status_code == 403 and "passwords are not used here" in refused.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_without_oidc_settings_the_sign_in_page_is_as_before(console):
    page = console.client().get("/sign-in")
    assert "work account" not in page.text and 'name="password"' in page.text
    assert console.client().get("/sign-in/work-account", follow_redirects=False).headers[
        "location"
    ] == ("/sign-in")
