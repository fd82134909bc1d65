"""*People who join a list after the series starts* in headless Chromium, by keyboard only,
with JavaScript off and on: the author chooses replays, their spacing and cap and writes the
note; a mistake is shown in the error summary and at its field; an empty note while catch-ups
are on is still to write; the preview shows the catch-up digest. axe-core checks each page
(with JavaScript on: it runs in the page, which JavaScript off forbids)."""

from __future__ import annotations

import re

import pytest
from accessibility import assert_accessible as axe_finds_nothing_serious
from console_helpers import Console, make_settings
from drafting import write_everything
from playwright.sync_api import expect
from seed import SEED

from briefcast.workflow.drafts import create_draft, open_draft

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WAIT = 15_000  # ms: the machine may be busy; a page that never comes still fails
NOTE = "You joined one of our lists after this series began, so here is what you missed."


@pytest.fixture
def served(engine, database_url, tmp_path):
    from datetime import date

    from briefcast.console import create_app
    from briefcast.store.audit import Actor
    from briefcast.web import BackgroundServer

    world = Console(engine, make_settings(database_url, tmp_path, console_2fa="optional"))
    world.person("ada@example.org", "Ada Author", "author")
    text = SEED.read_text(encoding="utf-8")
    author = Actor.person("Ada Author")
    draft_id = create_draft(
        engine, text=text, source="briefing.txt", actor=author, today=date.today()
    )
    write_everything(engine, draft_id, author)  # the issues' texts: this test is the catch-up's
    with BackgroundServer(create_app(world.settings, engine)) as server:
        yield server, draft_id


def _sign_in(browser, server, javascript: bool):
    context = browser.new_context(base_url=server.url, java_script_enabled=javascript)
    page = context.new_page()
    page.goto("/")
    page.get_by_label("Email address").fill("ada@example.org")
    page.get_by_label("Password").fill("a long pass phrase for tests")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("Campaigns", timeout=WAIT)
    return page


def _focused(page) -> str:
    return page.evaluate("document.activeElement.id")


def _tab_to(page, field: str, most: int = 6) -> None:
    """Tab until `field` has the focus (a date field's day, month and year are stops of their
    own), failing if it never does."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if _focused(page) == field:
            return
    raise AssertionError(f"Tab never reached #{field}; the focus is on #{_focused(page)}")


def _retype(page, value: str) -> None:
    page.keyboard.press("Control+A")
    page.keyboard.type(value)


@pytest.mark.parametrize("javascript", [False, True], ids=["javascript-off", "javascript-on"])
def test_an_author_sets_catch_ups_by_keyboard(browser, served, engine, javascript):
    server, draft_id = served
    page = _sign_in(browser, server, javascript)

    def assert_accessible(page):  # type: ignore[no-untyped-def]
        if javascript:
            axe_finds_nothing_serious(page)

    page.goto(f"/campaigns/{draft_id}/plan")
    fieldset = page.get_by_role("group", name="What they get")
    expect(fieldset).to_be_visible()
    assert page.locator("#catch_up-digest").is_checked()  # the campaign file's default
    assert_accessible(page)

    # From the schedule's button, Tab reaches the chosen radio; an arrow key moves the choice.
    page.get_by_role("button", name="Save the schedule").focus()
    _tab_to(page, "catch_up-digest", most=1)
    page.keyboard.press("ArrowDown")
    assert page.locator("#catch_up-replay").is_checked()
    _tab_to(page, "catch_up_until")
    _tab_to(page, "replay_every")
    _retype(page, "3")
    _tab_to(page, "replay_cap", most=1)
    _retype(page, "0")  # a mistake: at least one
    _tab_to(page, "catch_up_note", most=1)
    page.keyboard.type(NOTE)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == (
        "Save what people who join late get"
    )
    page.keyboard.press("Enter")

    # Refused: the summary and the field say why, in the campaign file's words; nothing saved.
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Most issues replayed: expected a whole number", timeout=WAIT)
    assert page.locator("#replay_cap-error").is_visible()
    assert "replay_cap-error" in page.locator("#replay_cap").get_attribute("aria-describedby")
    assert open_draft(engine, draft_id).campaign.catch_up.mode == "digest"
    assert_accessible(page)

    # What was typed is kept; the summary's link leads to the field, mended by keyboard too.
    assert page.locator("#catch_up-replay").is_checked()
    assert page.locator("#catch_up_note").input_value() == NOTE
    page.keyboard.press("Home")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == "#replay_cap":
            break
    else:
        raise AssertionError("Tab never reached the error summary's link")
    page.keyboard.press("Enter")
    assert page.url.endswith("#replay_cap")
    # Without JavaScript the link moves the starting point of Tab to the field, not the focus.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert _focused(page) == "replay_cap"
    _retype(page, "2")
    page.keyboard.press("Enter")  # Enter in a text field submits its form
    flash = page.locator(".flash")
    expect(flash).to_contain_text("Saved what people who join late get", timeout=WAIT)
    catch_up = open_draft(engine, draft_id).campaign.catch_up
    assert (catch_up.mode, catch_up.replay_every_days, catch_up.replay_cap, catch_up.note) == (
        "replay",
        3,
        2,
        NOTE,
    )
    assert_accessible(page)

    # One digest, the note emptied: still to write, shown empty, linked from the summary.
    page.locator("#catch_up-digest").check()
    page.locator("#catch_up_note").fill("")
    page.get_by_role("button", name="Save what people who join late get").click()
    link = page.locator('.error-summary a[href="#catch_up_note"]')
    expect(link).to_contain_text("Still to write: the note for people who join", timeout=WAIT)
    assert page.locator("#catch_up_note").input_value() == ""
    assert page.locator("#catch_up_note").get_attribute("aria-invalid") == "true"
    assert_accessible(page)

    # Written again, the preview shows the digest a new starter would get, in its frames.
    page.locator("#catch_up_note").fill(NOTE)
    page.get_by_role("button", name="Save what people who join late get").click()
    expect(page.locator(".flash")).to_contain_text("Saved", timeout=WAIT)
    page.goto(f"/campaigns/{draft_id}/preview")
    heading = page.get_by_role("heading", name="People who join a list after the series starts")
    expect(heading).to_be_visible()
    expect(page.locator("iframe[src$='/preview/catch-up.html']")).to_have_count(2)
    assert_accessible(page)
    document = page.request.get(f"/campaigns/{draft_id}/preview/catch-up.html")
    assert document.status == 200 and NOTE in document.text()
    assert re.search(r"Dear Sam Sample", document.text())
