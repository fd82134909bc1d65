"""Signing in with the work account in headless Chromium: the console (uvicorn) sends the browser
to a real OpenID provider on 127.0.0.1 and back, through the console's real headers (CSP
included); axe-core on the Sign in page with the button, and on a refusal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from accessibility import assert_accessible
from console_helpers import ADMIN, Console, served_console
from oidc_provider import OpenIdProvider

from briefcast.console.oidc import link_person

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TENANT = "3f2a6c1e-8b4d-4f7a-9c2e-5d1b7a9e0c34"
ANN_OID = "11111111-2222-4333-8444-555555555555"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Console, str, OpenIdProvider]]:
    idp = OpenIdProvider(TENANT, "0c5d8e2f-1a3b-4c6d-8e9f-2a4b6c8d0e1f", "a test secret")
    with idp, served_console(tmp_path, oidc=idp.settings()) as (console, url):
        yield console, url, idp


def test_signing_in_with_the_work_account_in_a_browser(served, page):
    console, url, idp = served
    console.person("ann.author@example.org", "Ann Author", "author")
    link_person(console.engine, console.settings, "ann.author@example.org", ANN_OID, ADMIN)
    idp.person = {"oid": ANN_OID}
    page.goto(f"{url}/campaigns/new")
    assert page.locator("h1").inner_text() == "Sign in"
    assert_accessible(page)
    button = page.get_by_role("link", name="Sign in with your work account")
    button.focus()
    with page.expect_navigation(url=f"{url}/campaigns/new"):
        page.keyboard.press("Enter")
    assert "Ann Author" in page.locator("header").inner_text()
    page.get_by_role("button", name="Sign out").click()
    assert page.locator("h1").inner_text() == "Sign in"


def test_an_unlinked_work_account_gets_a_plain_accessible_refusal(served, page):
    _console, url, idp = served
    idp.person = {"oid": ANN_OID}
    page.goto(f"{url}/sign-in")
    page.get_by_role("link", name="Sign in with your work account").click()
    page.wait_for_url(f"{url}/sign-in/work-account/back*")
    assert page.locator("h1").inner_text() == "Sign in"
    alert = page.get_by_role("alert").inner_text()
    assert "not linked to a console account" in alert
    assert_accessible(page)
