"""In headless Chromium: the links of a real sent message work, by mouse and by keyboard.

The message is sent by the real send loop into a Maildir outbox; its List-Unsubscribe link and
its "I've read this" link are opened against uvicorn serving the app on 127.0.0.1.
"""

from __future__ import annotations

import email
import email.policy
import re
import socket

import pytest
from ledger_rows import add_campaign, add_issue, add_list, add_member, add_person
from sqlalchemy import select

from briefcast.delivery.sender import send_issue
from briefcast.delivery.transports.outbox import OutboxTransport
from briefcast.settings import Settings
from briefcast.store import open_database
from briefcast.store.schema import IssueState, acknowledgements
from briefcast.store.suppressions import suppressions_of
from briefcast.web import BackgroundServer, create_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def sent(tmp_path):
    """One issue sent to Alice through the outbox; the app serving its links; her message."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'briefcast.db'}",
        outbox=tmp_path / "outbox",
        base_url=f"http://127.0.0.1:{port}",
        secret_key="a browser test key",
    )
    engine = open_database(settings.database_url)
    with engine.begin() as conn:
        health = add_list(conn, "health", "Health")
        add_member(conn, health, add_person(conn, "alice@example.org", "Alice Example"))
        issue = add_issue(conn, add_campaign(conn), state=IssueState.SCHEDULED, started_at=None)
    report = send_issue(
        engine, issue, OutboxTransport(settings.outbox), settings, worker_id="browser-test"
    )
    assert report.counts.sent == 1
    (eml,) = (settings.outbox / "new").iterdir()
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    with BackgroundServer(create_app(settings, engine), port=port) as server:
        yield engine, message, server
    engine.dispose()


def test_unsubscribe_from_the_list_unsubscribe_link_of_the_message(browser, sent):
    engine, message, server = sent
    link = re.search(r"<(http[^>]+)>", message["List-Unsubscribe"]).group(1)
    assert link.startswith(f"{server.url}/u/")
    page = browser.new_page()
    try:
        page.goto(link)
        assert page.locator("h1").inner_text() == "Unsubscribe from Health?"
        with engine.connect() as conn:
            assert suppressions_of(conn, "alice@example.org") == []  # opening changed nothing
        page.get_by_role("button", name="Unsubscribe from Health").click()
        assert page.locator("h1").inner_text() == "You are unsubscribed"
    finally:
        page.close()
    with engine.connect() as conn:
        (suppression,) = suppressions_of(conn, "alice@example.org")
    assert (suppression.list_slug, suppression.created_by) == ("health", "unsubscribe link")


def test_acknowledge_with_the_keyboard_from_the_link_in_the_message(browser, sent):
    engine, message, _ = sent
    html = message.get_body(("html",)).get_content()
    (link,) = set(re.findall(r'href="(http://127\.0\.0\.1:\d+/a/[^"]+)"', html))
    page = browser.new_page()
    try:
        page.goto(link)
        assert page.locator("h1").inner_text().startswith("Confirm you have read")
        page.keyboard.press("Tab")  # the first focusable element is the labelled text field
        page.keyboard.type("Ask about home life directly.")
        page.keyboard.press("Tab")
        button = page.get_by_role("button", name="I’ve read this")
        assert button.evaluate("b => b === document.activeElement")
        outline = button.evaluate("b => getComputedStyle(b).outlineStyle")
        assert outline == "solid"  # a visible focus ring
        assert button.bounding_box()["height"] >= 44  # a large enough target
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.locator("h1").inner_text() == "Thank you"
    finally:
        page.close()
    with engine.connect() as conn:
        rows = conn.execute(select(acknowledgements.c.reflection)).scalars().all()
    assert rows == ["Ask about home life directly."]
