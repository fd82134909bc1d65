"""*What changed since the last approval* in headless Chromium: the approver reads the changes as
tables by the series and by issue, opens a shortened text and the campaign file's lines by
keyboard, and axe-core finds nothing serious on the page."""

from __future__ import annotations

from dataclasses import replace

import pytest
from accessibility import assert_accessible
from console_helpers import Console, make_settings, sign_in_on_page
from drafting import write_everything
from playwright.sync_api import expect
from seed import SEED

from briefcast.store.audit import Actor
from briefcast.workflow.approval import approve, submit
from briefcast.workflow.drafts import create_draft, edit_plan, open_draft

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WAIT = 15_000  # ms: the machine may be busy; a page that never comes still fails
INTRO = "The author's longer opening for the first part, which the approver reads in full. " * 3


@pytest.fixture
def served(engine, database_url, tmp_path):
    """A series approved, then its first issue's intro and the series title edited and
    submitted again; the console served."""
    from datetime import date

    from briefcast.console import create_app
    from briefcast.web import BackgroundServer

    world = Console(engine, make_settings(database_url, tmp_path, console_2fa="optional"))
    world.person("ada@example.org", "Ada Author", "author")
    world.person("abe@example.org", "Abe Approver", "approver")
    author, approver = Actor.person("Ada Author"), Actor.person("Abe Approver")
    text = SEED.read_text(encoding="utf-8")
    draft_id = create_draft(
        engine, text=text, source="briefing.txt", actor=author, today=date.today()
    )
    write_everything(engine, draft_id, author)
    submit(engine, draft_id, open_draft(engine, draft_id).record.revision, author)
    approve(
        engine, world.settings, draft_id, open_draft(engine, draft_id).record.revision, approver
    )

    def edited(campaign):  # type: ignore[no-untyped-def]
        first = replace(campaign.issues[0], intro=INTRO.strip())
        return replace(campaign, title="Learning together", issues=(first, *campaign.issues[1:]))

    edit_plan(engine, draft_id, open_draft(engine, draft_id).record.revision, edited, author, "e")
    submit(engine, draft_id, open_draft(engine, draft_id).record.revision, author)
    with BackgroundServer(create_app(world.settings, engine)) as server:
        yield server, draft_id


def test_the_approver_reads_the_changes_and_opens_them_by_keyboard(browser, served):
    server, draft_id = served
    page = browser.new_context(base_url=server.url).new_page()
    page.goto("/")
    sign_in_on_page(page, "abe@example.org")
    expect(page.locator("h1")).to_have_text("Campaigns", timeout=WAIT)
    page.goto(f"/campaigns/{draft_id}/approval")

    series = page.get_by_role("table", name="The series")
    expect(series).to_be_visible(timeout=WAIT)
    expect(series.get_by_role("row", name="Series title")).to_contain_text("Learning together")
    issue = page.get_by_role("table", name="Issue 1")
    expect(issue.get_by_role("rowheader")).to_have_text(["Intro"])
    whole = issue.get_by_text(INTRO.strip(), exact=True)
    expect(whole).to_be_hidden()
    assert_accessible(page)

    # A shortened text opens by keyboard: its summary is a stop of its own.
    summary = issue.get_by_text("Show the whole text")
    summary.focus()
    page.keyboard.press("Enter")
    expect(whole).to_be_visible()
    files = page.get_by_text("Show the campaign file's changes")
    files.focus()
    page.keyboard.press("Enter")
    expect(page.locator("details.file-changes pre")).to_contain_text("title: Learning together")
    assert_accessible(page)  # and open
