"""Every page a practitioner sees, in headless Chromium with axe-core: zero violations of any
impact (best practice included) at 375 and 1024 px, in light and dark colour schemes; and every
link on the web view and the archive pages leads to the page its text names.

The pages: the six example issues as the sample reader gets them, their preview index, the web
view, the acknowledge and unsubscribe pages, the archive list and an archived issue (served by
uvicorn from a real send), and the report of that send.
"""

from __future__ import annotations

import re
import socket
from datetime import date
from pathlib import Path

import pytest
from accessibility import assert_flawless
from ledger_rows import CAMPAIGN, add_campaign, add_issue, add_list, add_member, add_person

from briefcast.delivery.preview import preview_campaign
from briefcast.delivery.sender import send_issue
from briefcast.delivery.transports.outbox import OutboxTransport
from briefcast.reports import build_report, write_report
from briefcast.settings import Settings
from briefcast.store import open_database
from briefcast.store.schema import IssueState
from briefcast.web import BackgroundServer, create_app
from briefcast.web.links import Links

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EXAMPLE = Path(__file__).parents[2] / "examples" / "national-panel-2020" / "campaign.yaml"
SCREENS = [(375, "light"), (375, "dark"), (1024, "light"), (1024, "dark")]


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """name -> URL of every page, while the link pages are served."""
    folder = tmp_path_factory.mktemp("reader")
    preview = folder / "preview"
    result = preview_campaign(
        EXAMPLE, preview, base_url="https://briefings.example.org", today=date(2027, 1, 4)
    )
    assert result.ok
    found = {"preview index": (preview / "index.html").as_uri()}
    found.update({f"issue {p.stem}": p.as_uri() for p in sorted(preview.glob("0*.html"))})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(
        database_url=f"sqlite:///{folder / 'briefcast.db'}",
        outbox=folder / "outbox",
        base_url=f"http://127.0.0.1:{port}",
        secret_key="a browser test key",
    )
    engine = open_database(settings.database_url)
    with engine.begin() as conn:
        health = add_list(conn, "health", "Health")
        add_member(conn, health, add_person(conn, "alice@example.org", "Alice Example"))
        issue = add_issue(conn, add_campaign(conn), state=IssueState.SCHEDULED, started_at=None)
    transport = OutboxTransport(settings.outbox)
    assert send_issue(engine, issue, transport, settings, worker_id="axe").counts.sent == 1
    links = Links(engine, settings.base_url, settings.secret_key).example_links(CAMPAIGN)
    assert links is not None
    found.update(
        {
            "web view": links.web_view,
            "acknowledge": links.acknowledge,
            "unsubscribe": links.unsubscribe,
            "archive": links.archive,
            "archived issue": f"{links.archive}/1",
        }
    )
    report = write_report(build_report(engine, CAMPAIGN), folder / "report.html")
    found["report"] = report.as_uri()
    with BackgroundServer(create_app(settings, engine), port=port):
        yield found
    engine.dispose()


def test_every_page_has_no_axe_violation_on_any_screen(browser, pages):
    assert len(pages) == 13  # six issues, the index, five link pages, the report
    for width, scheme in SCREENS:
        context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
        page = context.new_page()
        try:
            for name, url in pages.items():
                page.goto(url)
                try:
                    assert_flawless(page)
                except AssertionError as error:
                    raise AssertionError(f"{name} at {width} px, {scheme}: {error}") from None
                if width == 375:  # nothing but a table's or chart's own box scrolls sideways
                    wide = page.evaluate("document.documentElement.scrollWidth")
                    assert wide <= width, f"{name} is {wide} px wide at {width} px"
        finally:
            context.close()


def test_every_link_on_the_web_view_and_archive_leads_where_its_text_says(browser, pages):
    names = {
        "I’ve read this": r"<h1>Confirm you have read ",
        "Unsubscribe": r"<h1>Unsubscribe from ",
        "All issues of Learning from reviews": r"<h1>Learning from reviews: all issues</h1>",
        "Part 1: Domestic abuse and written agreements": r"<h1[^>]*>Domestic abuse and written",
    }
    context = browser.new_context()
    page = context.new_page()
    try:
        followed = []
        for start in ("web view", "archive", "archived issue"):
            page.goto(pages[start])
            links = page.eval_on_selector_all(
                "a[href]", "els => els.map(a => [a.textContent.trim(), a.href])"
            )
            assert links, start
            for text, href in links:
                assert text in names, f"{start}: a link {text!r} this test does not know"
                target = context.new_page()
                response = target.goto(href)
                assert response is not None and response.status == 200, (start, text)
                assert re.search(names[text], target.content()), (start, text, href)
                target.close()
                followed.append((start, text))
        # The personal web view keeps the reader's controls; the archive offers none.
        assert ("web view", "I’ve read this") in followed
        assert ("web view", "Unsubscribe") in followed
        personal = ("Unsubscribe", "I’ve read this")
        assert not [f for f in followed if f[0] != "web view" and f[1] in personal]
    finally:
        context.close()
