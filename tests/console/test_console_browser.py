"""The console in headless Chromium, served by uvicorn: signing in by keyboard with the password
and the code, the set-up link, what a disabled person or a forged form gets, and axe-core (WCAG
2.2 AA: no serious or critical violation) over every page visited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from accessibility import assert_accessible
from console_helpers import ADMIN, PASSWORD, Console, code_for, enter_code, h1_on, served_console

from briefcast.console import accounts

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Console, str]]:
    with served_console(tmp_path) as world:
        yield world


def _sign_in_by_keyboard(page, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    field = page.get_by_label("Email address")
    field.fill("")  # after a refusal the address typed is kept
    field.focus()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Tab")
    button = page.get_by_role("button", name="Sign in")
    assert button.evaluate("b => b === document.activeElement")
    assert button.evaluate("b => getComputedStyle(b).outlineStyle") == "solid"  # focus shows
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_an_admin_signs_in_with_password_and_code_and_every_page_passes_axe(served, page):
    console, url = served
    ada = console.person("ada.admin@example.org", "Ada Admin", "admin", "author")
    console.person("ann.author@example.org", "Ann Author", "author", password=None)
    page.goto(f"{url}/people")
    assert h1_on(page) == "Sign in"
    assert_accessible(page)
    _sign_in_by_keyboard(page, ada.user.email, "a wrong password, twelve+")
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    assert_accessible(page)  # the error summary and the field's error
    _sign_in_by_keyboard(page, ada.user.email, PASSWORD)
    assert h1_on(page) == "Enter the code from your authenticator app"
    assert_accessible(page)
    enter_code(page, code_for(ada))
    assert h1_on(page) == "People"  # where the person was going
    assert "Ann Author" in page.locator("table").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Campaigns").click()
    assert h1_on(page) == "Campaigns"
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    assert h1_on(page) == "Sign in" and "You have signed out" in page.content()
    assert_accessible(page)
    page.goto(f"{url}/")
    assert h1_on(page) == "Sign in"


def test_an_author_is_refused_the_people_page_with_a_plain_page(served, page):
    console, url = served
    ann = console.person("ann.author@example.org", "Ann Author", "author")
    page.goto(f"{url}/sign-in")
    _sign_in_by_keyboard(page, ann.user.email, PASSWORD)
    enter_code(page, code_for(ann))
    assert page.get_by_role("link", name="People").count() == 0  # not offered
    answer = page.goto(f"{url}/people")
    assert answer.status == 403 and h1_on(page) == "You cannot use this page"
    assert_accessible(page)


def test_the_set_up_link_in_the_browser(served, page):
    console, _url = served
    added = console.person("sam.setup@example.org", "Sam Setup", "author", password=None)
    page.goto(added.setup_link)
    assert h1_on(page) == "Set up your account"
    assert page.locator("svg title").text_content() == "QR code for your authenticator app"
    assert_accessible(page)
    secret = page.locator("input[name=secret]").get_attribute("value")
    page.get_by_label("New password", exact=True).fill("too short")
    page.get_by_label("New password again").fill("too short")
    page.get_by_role("button", name="Set up my account").click()
    assert "at least 12 characters" in page.get_by_role("alert").inner_text()
    assert_accessible(page)
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password again").fill(PASSWORD)
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Set up my account").click()
    assert h1_on(page) == "Sign in" and "Your account is set up" in page.content()
    page.goto(added.setup_link)
    assert h1_on(page) == "This set-up link has already been used or is not valid"
    assert_accessible(page)


def test_a_disabled_persons_open_page_stops_working_and_a_forged_post_is_refused(served, page):
    console, url = served
    ada = console.person("ada.admin@example.org", "Ada Admin", "admin")
    bob = console.person("bob.approver@example.org", "Bob Approver", "approver")
    page.goto(f"{url}/sign-in")
    _sign_in_by_keyboard(page, ada.user.email, PASSWORD)
    enter_code(page, code_for(ada))
    # a POST with the browser's own cookie but without the form's token: refused
    forged = page.request.post(f"{url}/people", form={"email": bob.user.email, "action": "disable"})
    assert forged.status == 403
    assert not accounts.person(console.engine, bob.user.email).disabled
    page.goto(f"{url}/people")
    accounts.disable_person(console.engine, ada.user.email, ADMIN)
    page.reload()
    assert h1_on(page) == "Sign in"


def test_repeated_wrong_passwords_slow_sign_in_down(served, page):
    from briefcast.console.throttle import ACCOUNT

    _console, url = served
    page.goto(f"{url}/sign-in")
    messages = []
    # the waits double (1 s, 2 s, 4 s, ...), so however slow this machine types, an attempt soon
    # lands inside one; the first few failures are free
    for _ in range(ACCOUNT.lock_after):
        _sign_in_by_keyboard(page, "nobody.here@example.org", "a wrong password, twelve+")
        messages.append(page.get_by_role("alert").inner_text())
        if "Too many failed attempts" in messages[-1]:
            break
    assert all("Enter a correct email address" in m for m in messages[: ACCOUNT.free + 1])
    assert "Too many failed attempts" in messages[-1]
    assert_accessible(page)


def test_the_accessibility_check_finds_what_it_should(browser, page):
    """The check can fail: an image without a text alternative and grey-on-grey text are found."""
    from accessibility import violations

    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main><h1>A page</h1>'
        '<img src="chart.png"><p style="color:#999;background:#aaa">faint</p></main></body></html>'
    )
    found = {v["id"] for v in violations(page)}
    assert {"image-alt", "color-contrast"} <= found
