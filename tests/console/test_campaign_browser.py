"""Issue 11's "Done when", in headless Chromium against the console served by uvicorn: an author
plans, writes the texts the planner left to a person, previews, tests and submits a series from
the seed briefing; a second person approves it; the send loop sends to the outbox; the campaign
page shows what was sent and the report's counts. Four eyes hold on the page and behind it, and
axe-core finds no serious or critical violation on any page visited."""

from __future__ import annotations

import mailbox
import re

import pytest
from accessibility import assert_accessible
from console_helpers import Console, make_settings, sign_in_on_page
from drafting import PARTNERSHIP, SENDER
from playwright.sync_api import expect
from scheduling import import_people
from seed import SEED

from briefcast.campaigns.plan import unwritten_texts
from briefcast.delivery.sender import send_issue
from briefcast.delivery.transports.outbox import OutboxTransport
from briefcast.store import campaigns as campaign_store
from briefcast.store.engine import read
from briefcast.web import BackgroundServer
from briefcast.workflow.drafts import open_draft

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WAIT = 15_000  # ms: the machine may be busy; a page that never comes still fails

# What the author types for each text the planner left to write (a preheader: one sentence).
WRITTEN = {
    "title": "The author's title",
    "subject": "The author's subject",
    "preheader": "What the panel asks every team to do next.",
    "intro": "The author's opening for this part of the series.",
    "questions": "What will your team do differently?",
}


@pytest.fixture
def served(engine, database_url, tmp_path):
    world = Console(engine, make_settings(database_url, tmp_path, console_2fa="optional"))
    # The author is an approver too: what stops them approving is four eyes, not a missing role.
    world.person("ada@example.org", "Ada Author", "author", "approver")
    world.person("abe@example.org", "Abe Approver", "approver")
    audience = import_people(engine, tmp_path, per_list=3)
    from briefcast.console import create_app

    with BackgroundServer(create_app(world.settings, engine)) as server:
        yield world, server, audience


def _sign_in(browser, server, email: str):
    page = browser.new_context(base_url=server.url).new_page()
    page.goto("/")
    assert page.locator("h1").inner_text() == "Sign in"
    sign_in_on_page(page, email)
    assert page.locator("h1").inner_text() == "Campaigns"
    assert_accessible(page)
    return page


def _outbox(settings) -> list:
    return list(mailbox.Maildir(settings.outbox, create=False)) if settings.outbox.exists() else []


def test_an_author_plans_a_second_person_approves_and_the_series_is_sent(browser, served, engine):
    world, server, audience = served
    author = _sign_in(browser, server, "ada@example.org")

    # New campaign: the seed briefing, read into its 11 themes.
    author.get_by_role("link", name="New campaign").click()
    assert_accessible(author)
    author.get_by_label("Briefing", exact=True).set_input_files(str(SEED))
    author.get_by_role("button", name="Continue").click()
    assert author.locator("h1").inner_text() == "How we read your briefing"
    assert author.locator("ol.themes > li").count() == 11
    assert_accessible(author)
    draft_id = int(re.search(r"/campaigns/(\d+)/", author.url).group(1))

    # Plan the series: lists, a theme moved, a subject edited (by keyboard, to submit).
    author.get_by_role("link", name="Plan the series").first.click()
    assert author.locator("h1").inner_text() == "Plan the series"
    assert_accessible(author)
    # Who the series is from: a draft leaves it to write (it never makes a name up).
    assert author.locator("#partnership").input_value() == ""
    author.locator("#partnership").fill(PARTNERSHIP)
    author.locator("#sender").fill(SENDER)
    author.get_by_label("Lists", exact=True).fill("police, health")
    author.get_by_role("button", name="Save lists and sender").click()
    expect(author.locator(".flash")).to_contain_text("Saved", timeout=WAIT)
    campaign = open_draft(engine, draft_id).campaign
    # A theme of an issue with more than one, so no issue is left empty and renumbered.
    source = next(issue for issue in campaign.issues if len(issue.themes) > 1)
    slug = source.themes[0]
    to = next(issue.number for issue in campaign.issues if issue is not source)
    author.locator(f"#to-{slug}").select_option(str(to))
    author.locator(f"form.move:has(#to-{slug})").get_by_role("button", name="Move").first.click()
    assert open_draft(engine, draft_id).campaign.issues[to - 1].themes[-1] == slug
    total = len(campaign.issues)
    subject_text = f"Part 1 of {total}: What the National Panel learned"
    subject = author.get_by_label("Subject of issue 1")
    subject.fill(subject_text)
    subject.press("Enter")
    expect(author.locator(".flash")).to_contain_text("Saved issue 1", timeout=WAIT)
    assert author.get_by_label("Subject of issue 1").input_value() == subject_text
    assert_accessible(author)

    # Submitting too soon is refused with what is still to write, each a link to its field.
    author.get_by_role("link", name="Approval").first.click()
    author.get_by_role("button", name="Submit for approval").click()
    expect(author.locator(".error-summary")).to_contain_text("There is a problem", timeout=WAIT)
    to_write = author.locator("#still-to-write li")
    assert to_write.count() == len(unwritten_texts(open_draft(engine, draft_id).campaign)) > 0
    assert_accessible(author)
    to_write.first.get_by_role("link").click()
    expect(author.locator("h1")).to_have_text("Plan the series", timeout=WAIT)
    assert_accessible(author)

    # The author writes them on the plan, one issue's form at a time, as the summary lists them.
    summary = author.locator(".error-summary a")
    for _ in range(total):  # one save per issue at most
        if not summary.count():
            break
        field = summary.first.get_attribute("href").lstrip("#")
        number = field.rsplit("-", 1)[1]
        assert author.locator(f"#{field}").input_value() == ""  # empty, never the TODO mark
        for link in summary.all():
            other = link.get_attribute("href").lstrip("#")
            if other.endswith(f"-{number}"):
                author.locator(f"#{other}").fill(WRITTEN[other.rsplit("-", 1)[0]])
                if other.startswith("preheader-"):  # the count follows the typing
                    count = author.locator(f"#{other}-count").inner_text()
                    assert count == f"{len(WRITTEN['preheader'])} characters (at most 90)"
        author.get_by_role("button", name=f"Save issue {number}").click()
        # The page before may have a flash too: wait for this save's.
        expect(author.locator(".flash")).to_contain_text(f"Saved issue {number}", timeout=WAIT)
        summary = author.locator(".error-summary a")
    assert summary.count() == 0
    assert unwritten_texts(open_draft(engine, draft_id).campaign) == []
    assert author.get_by_label("Subject of issue 1").input_value() == subject_text
    assert_accessible(author)

    # Preview, and a test to the signed-in person through the real transport (the outbox).
    author.get_by_role("link", name="Preview").first.click()
    assert author.locator("h1").inner_text() == "Preview"
    assert author.locator("iframe.w600").count() == author.locator("iframe.w375").count() >= 3
    assert_accessible(author)
    author.get_by_role("button", name="Send me a test of issue 1").click()
    assert "Test of issue 1 sent to ada@example.org" in author.locator(".flash").inner_text()
    (test,) = _outbox(world.settings)
    assert test["To"].endswith("<ada@example.org>") or test["To"] == "ada@example.org"
    assert test["Subject"].startswith(f"[TEST] {subject_text}")

    # Submit for approval; the author is offered no approval, and a forged one is refused.
    author.get_by_role("link", name="Approval").first.click()
    assert author.locator("#still-to-write").count() == 0
    author.get_by_role("button", name="Submit for approval").click()
    expect(author.locator(".flash")).to_contain_text("Submitted for approval", timeout=WAIT)
    author.goto(f"/campaigns/{draft_id}/approval")
    assert author.get_by_role("button", name="Approve and schedule").count() == 0
    assert "you edited this series" in author.locator("#approve").inner_text()
    assert_accessible(author)
    forged = author.request.post(
        f"/campaigns/{draft_id}/approve",
        form={
            "csrf_token": author.locator("input[name=csrf_token]").first.input_value(),
            "revision": author.locator("input[name=revision]").first.input_value(),
        },
    )
    assert forged.status == 403
    assert open_draft(engine, draft_id).record.state.value == "submitted"

    # A second person approves: scheduled as `briefcast schedule` would.
    approver = _sign_in(browser, server, "abe@example.org")
    approver.get_by_role("link", name=re.compile("NCSCP Briefing Note")).click()
    approver.get_by_role("link", name="Approval").first.click()
    assert_accessible(approver)
    approver.get_by_role("button", name="Approve and schedule").click()
    assert "Approved and scheduled" in approver.locator(".flash").inner_text()
    assert_accessible(approver)

    # The send loop sends issue 1 to the outbox, as the worker would when it is due.
    with read(engine) as conn:
        campaign = campaign_store.find_campaign(conn, open_draft(engine, draft_id).record.name)
        first = campaign_store.find_issue(conn, campaign.id, 1)
    report = send_issue(
        engine, first.id, OutboxTransport(world.settings.outbox), world.settings, worker_id="t"
    )
    assert report.counts.sent == audience
    assert len(_outbox(world.settings)) == 1 + audience

    # No reload: the status refreshes by itself (console/static/refresh.js, every 10 seconds).
    first_row = approver.locator("table.status tbody tr").first
    first_row.locator(".tag-sent").wait_for(timeout=30_000)  # 10 s, or more on a busy machine
    assert f"{audience} of {audience}" in first_row.inner_text()
    approver.reload()
    facts = approver.locator("dl.facts").inner_text()
    assert re.search(rf"People reached\s+{audience} of {audience}", facts)
    assert_accessible(approver)
    approver.get_by_role("link", name="Dissemination report").click()
    assert approver.locator("h1").inner_text() == "Dissemination report"
    assert_accessible(approver)
    approver.goto(f"/campaigns/{draft_id}/audit")
    trail = approver.locator("table.audit").inner_text()
    assert "Ada Author" in trail and "draft.approved" in trail and "Abe Approver" in trail
    assert_accessible(approver)
