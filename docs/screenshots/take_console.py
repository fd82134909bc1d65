"""Regenerate the console screenshots in the README's "For comms staff" section.

    python docs/screenshots/take_console.py

In a temporary folder: two fictional staff (an author and an approver), the example lists, one
series from the example briefing and its campaign file (texts written by hand) approved by the
second person, and one draft still being planned, its texts still to write. Then photographs, in
headless Chromium (Debian's /usr/bin/chromium), the Campaigns list, Plan the series (the draft)
and Preview (the approved series), signed in as the author, served by uvicorn. Look at them
before committing.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from chromium import launch
from playwright.sync_api import sync_playwright

from briefcast.console import create_app
from briefcast.console.accounts import add_person
from briefcast.recipients.csv_import import import_lists_folder
from briefcast.settings import Settings
from briefcast.store import open_database
from briefcast.store.audit import Actor
from briefcast.web import BackgroundServer
from briefcast.workflow.approval import approve, submit
from briefcast.workflow.drafts import create_draft, edit_plan, open_draft

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parents[1] / "examples" / "national-panel-2020"
PASSWORD = "screenshots only, not a real pass phrase"
LISTS = ("children-social-care", "health", "police", "education")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = replace(
            Settings(
                database_url=f"sqlite:///{Path(folder) / 'briefcast.db'}",
                outbox=Path(folder) / "outbox",
                base_url="http://localhost:8025",
                secret_key="screenshots only",
            ),
            console_2fa="optional",
        )
        engine = open_database(settings.database_url)
        author, approver = _people(engine, settings)
        import_lists_folder(engine, EXAMPLE / "lists")
        today = datetime.now(UTC).date()
        briefing = (EXAMPLE / "briefing.txt").read_text(encoding="utf-8")
        # The example campaign file's intros and questions were written by a person; a drafted
        # series leaves them to write (the planner never invents them).
        approved = create_draft(
            engine,
            text=briefing,
            source="briefing.txt",
            actor=author,
            today=today,
            plan=(EXAMPLE / "campaign.yaml").read_text(encoding="utf-8"),
        )
        _starting(engine, approved, author, today + timedelta(days=7))
        submit(engine, approved, open_draft(engine, approved).record.revision, author)
        approve(engine, settings, approved, open_draft(engine, approved).record.revision, approver)
        planning = create_draft(
            engine, text=briefing, source="briefing.txt", actor=author, today=today
        )
        _with_lists(engine, planning, author)
        with BackgroundServer(create_app(settings, engine)) as server, sync_playwright() as p:
            browser = launch(p)
            tab = browser.new_page(base_url=server.url, viewport={"width": 1100, "height": 900})
            tab.goto("/sign-in")
            tab.get_by_label("Email address").fill("ada.author@example.org")
            tab.get_by_label("Password").fill(PASSWORD)
            tab.get_by_role("button", name="Sign in").click()
            tab.screenshot(path=str(HERE / "console-campaigns.png"))
            tab.goto(f"/campaigns/{planning}/plan")
            # Issue 1's texts: the subject and preheader drafted, the intro still to write.
            tab.evaluate("document.getElementById('issue-1-heading').scrollIntoView()")
            tab.wait_for_timeout(300)
            tab.screenshot(path=str(HERE / "console-plan.png"))
            tab.goto(f"/campaigns/{approved}/preview")
            tab.evaluate("document.getElementById('preview-1').scrollIntoView()")
            tab.wait_for_timeout(500)
            tab.screenshot(path=str(HERE / "console-preview.png"))
            browser.close()
        engine.dispose()


def _people(engine, settings):  # type: ignore[no-untyped-def]
    by = Actor.process("screenshots")
    ada = add_person(
        engine, settings, "ada.author@example.org", "Ada Author", ["author"], by, password=PASSWORD
    )
    abe = add_person(
        engine,
        settings,
        "abe.approver@example.org",
        "Abe Approver",
        ["approver"],
        by,
        password=PASSWORD,
    )
    return (
        Actor.person(ada.user.name, ada.user.id),
        Actor.person(abe.user.name, abe.user.id),
    )


def _starting(engine, draft_id: int, author: Actor, start: date) -> None:  # type: ignore[no-untyped-def]
    revision = open_draft(engine, draft_id).record.revision

    def change(campaign):  # type: ignore[no-untyped-def]
        schedule = replace(campaign.schedule, start=start, blackouts=())
        return replace(campaign, schedule=schedule, lists=LISTS)

    edit_plan(engine, draft_id, revision, change, author, "the start date and lists")


def _with_lists(engine, draft_id: int, author: Actor) -> None:  # type: ignore[no-untyped-def]
    revision = open_draft(engine, draft_id).record.revision
    edit_plan(
        engine, draft_id, revision, lambda c: replace(c, lists=LISTS), author, "chose the lists"
    )


if __name__ == "__main__":
    main()
