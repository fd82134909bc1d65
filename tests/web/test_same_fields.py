"""One reader, one set of values: the email, the web view, the preview and send-test fill an
issue's [[field]]s alike (briefcast/links.py), a deleted list and an erased person included.

The email is sent by the real send loop, the web view fetched through the email's own link, the
preview written by `briefcast preview`'s writer and send-test sent through the outbox transport;
each output is read back against the stored skeleton to recover the values it was filled with.
"""

from __future__ import annotations

import email
import email.policy
import html
import mailbox
import re
from dataclasses import dataclass, replace
from email.message import EmailMessage
from pathlib import Path

import pytest
from ledger_rows import CAMPAIGN, add_campaign, add_issue, add_list, add_member, add_person
from sqlalchemy import Engine, delete, select, update
from starlette.testclient import TestClient

from briefcast.campaigns.render import RenderedIssue
from briefcast.campaigns.snapshot import digest_from_snapshot
from briefcast.delivery.preview import write_preview
from briefcast.delivery.send_test import TEST_NAME, send_test_message
from briefcast.delivery.sender import send_issue
from briefcast.delivery.tokens import Signer, signing_key
from briefcast.delivery.transports.memory import MemoryTransport
from briefcast.links import PLACEHOLDER, SAMPLE_NAME, Purpose
from briefcast.recipients.subject_requests import forget
from briefcast.settings import Settings
from briefcast.store import ledger
from briefcast.store.schema import IssueState, deliveries, issues, lists, recipients
from briefcast.web import create_app
from briefcast.web.issue_pages import web_document

SECRET = "a test secret key, not a real one"
BASE_URL = "http://testserver"
CAMPAIGN_TITLE = "Learning from reviews"  # ledger_rows.add_campaign's title
# Which purpose each link field's token is signed for: tokens carry the second they were made,
# so links made at different moments are compared by what they name, not letter by letter.
LINK_FIELDS = {
    "unsubscribe_url": Purpose.UNSUBSCRIBE,
    "acknowledge_url": Purpose.ACKNOWLEDGE,
    "web_view_url": Purpose.VIEW,
}
SAMPLE_LINKS = {
    "unsubscribe_url": f"{BASE_URL}/u/preview-token",
    "acknowledge_url": f"{BASE_URL}/a/preview-token",
    "web_view_url": f"{BASE_URL}/v/preview-token",
}
BANNER = re.compile(
    r'(<body[^>]*>)<header style="[^"]*"><a href="[^"]*"[^>]*>All issues of [^<]*</a></header>'
)


def filled_values(document: str, filled: str, *, escaped: bool) -> dict[str, str]:
    """The value each [[field]] of `document` has in `filled` (each field one value)."""
    parts = PLACEHOLDER.split(document.replace("\r\n", "\n"))
    chunks, names = parts[0::2], parts[1::2]
    pattern = "(.*?)".join(re.escape(chunk) for chunk in chunks) + r"\n?"
    match = re.fullmatch(pattern, filled.replace("\r\n", "\n"), re.DOTALL)
    assert match is not None, "the output is not the stored skeleton filled in"
    values: dict[str, str] = {}
    for name, value in zip(names, match.groups(), strict=True):
        value = html.unescape(value) if escaped else value
        assert values.setdefault(name, value) == value, f"{name} has two values"
    return values


def parse(data: bytes) -> EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[return-value]


def email_values(message: EmailMessage, document_html: str, document_text: str) -> dict[str, str]:
    """The values of a message's HTML part, checked to be those of its text part too."""
    html_part = message.get_body(("html",)).get_content()
    text_part = message.get_body(("plain",)).get_content()
    values = filled_values(document_html, html_part, escaped=True)
    assert filled_values(document_text, text_part, escaped=False) == values
    return values


@dataclass
class Sent:
    engine: Engine
    settings: Settings
    signer: Signer
    html: str  # the stored skeleton
    text: str
    emails: dict[str, EmailMessage]  # by address
    delivery_ids: dict[str, int]

    def comparable(self, values: dict[str, str]) -> dict[str, object]:
        """Links as (where they lead, the delivery their token names)."""
        result: dict[str, object] = dict(values)
        for name, purpose in LINK_FIELDS.items():
            start, token = values[name].rsplit("/", 1)
            result[name] = (start, self.signer.read(purpose, token))
        return result


@pytest.fixture
def sent(engine: Engine, database_url: str, tmp_path: Path) -> Sent:
    """Issue 1 sent by the send loop to four people; the list of one of them is deleted after
    the audience was resolved and before the send, and another person is erased after it."""
    with engine.begin() as conn:
        health = add_list(conn, "health", "Health")
        gone = add_list(conn, "gone", "A list deleted before the send")
        for address, name, list_id in (
            ("ann@example.org", "Ann Example", health),
            ("nameless@example.net", None, health),
            ("carl@example.org", "Carl Example", gone),
            ("erin@example.org", "Erin Example", health),
        ):
            add_member(conn, list_id, add_person(conn, address, name))
        issue_id = add_issue(
            conn, add_campaign(conn), 1, state=IssueState.SCHEDULED, started_at=None
        )
        conn.execute(update(issues).where(issues.c.id == issue_id).values(lists=["health", "gone"]))
        assert ledger.resolve_audience(conn, issue_id) == 4
        conn.execute(delete(lists).where(lists.c.id == gone))
        signer = Signer(signing_key(conn, SECRET))
        html_doc, text_doc = conn.execute(
            select(issues.c.html, issues.c.text).where(issues.c.id == issue_id)
        ).one()
        delivery_ids = dict(
            conn.execute(
                select(recipients.c.address, deliveries.c.id).join(
                    recipients, deliveries.c.recipient_id == recipients.c.id
                )
            ).all()
        )
    settings = Settings(
        database_url=database_url,
        outbox=tmp_path / "outbox",
        base_url=BASE_URL,
        secret_key=SECRET,
        transport="memory",
    )
    transport = MemoryTransport()
    send_issue(engine, issue_id, transport, settings, worker_id="worker-1")
    emails = {item.envelope.recipient: item.message for item in transport.outbox}
    assert sorted(emails) == sorted(delivery_ids)
    forget(engine, "erin@example.org", SECRET)
    return Sent(engine, settings, signer, html_doc, text_doc, emails, delivery_ids)


def web_view_values(sent: Sent, client: TestClient, view_url: str) -> dict[str, str]:
    page = client.get(view_url)
    assert page.status_code == 200
    without_banner, found = BANNER.subn(r"\1", page.text, count=1)
    assert found == 1
    # The web view is the browser view: it leaves out the email's "Read this in your browser".
    assert view_url not in page.text
    return filled_values(web_document(sent.html, anonymous=False), without_banner, escaped=True)


def test_the_web_view_has_the_values_of_the_email_for_every_field(sent):
    with TestClient(create_app(sent.settings, sent.engine), base_url=BASE_URL) as client:
        for address, name, list_name in (
            ("ann@example.org", "Ann Example", "Health"),
            ("nameless@example.net", "colleague", "Health"),
            # The list was deleted: the campaign's title, in the email and the web view alike.
            ("carl@example.org", "Carl Example", CAMPAIGN_TITLE),
        ):
            email = email_values(sent.emails[address], sent.html, sent.text)
            assert (email["recipient_name"], email["list_name"]) == (name, list_name)
            web = web_view_values(sent, client, email["web_view_url"])
            assert "web_view_url" not in web
            web["web_view_url"] = email["web_view_url"]  # checked left out, above
            assert sent.comparable(web) == sent.comparable(email), address
            # ... and every link is this reader's own, on its page's path.
            assert {field: sent.comparable(web)[field] for field in LINK_FIELDS} == {
                field: (f"{BASE_URL}/{prefix}", sent.delivery_ids[address])
                for field, prefix in (
                    ("unsubscribe_url", "u"),
                    ("acknowledge_url", "a"),
                    ("web_view_url", "v"),  # the email's own, put back above
                )
            }


def test_an_erased_persons_web_view_shows_nothing_of_them(sent):
    email = email_values(sent.emails["erin@example.org"], sent.html, sent.text)
    assert email["recipient_name"] == "Erin Example"  # sent before the erasure
    with TestClient(create_app(sent.settings, sent.engine), base_url=BASE_URL) as client:
        page = client.get(email["web_view_url"])
    assert page.status_code == 404 and "no longer active" in page.text
    assert "Erin" not in page.text


def test_list_unsubscribe_is_the_emails_own_unsubscribe_link_and_no_mailto(sent):
    message = sent.emails["ann@example.org"]
    email = email_values(message, sent.html, sent.text)
    header = " ".join(str(message["List-Unsubscribe"]).split())
    assert header == f"<{email['unsubscribe_url']}>"  # nothing reads a mailto's mailbox yet


def test_the_preview_and_send_test_give_the_sample_reader_the_same_values(sent, tmp_path):
    with sent.engine.connect() as conn:
        digest = digest_from_snapshot(conn.execute(select(issues.c.digest)).scalar_one())
    write_preview(
        (RenderedIssue(digest, sent.html, sent.text),), tmp_path / "preview", base_url=BASE_URL
    )
    (page,) = (tmp_path / "preview").glob("*.html")
    (text,) = (tmp_path / "preview").glob("*.txt")
    (eml,) = (tmp_path / "preview").glob("*.eml")
    preview = filled_values(sent.html, page.read_text("utf-8"), escaped=True)
    assert filled_values(sent.text, text.read_text("utf-8"), escaped=False) == preview
    assert email_values(parse(eml.read_bytes()), sent.html, sent.text) == preview

    outbox = replace(sent.settings, transport="outbox")
    send_test_message(sent.engine, outbox, CAMPAIGN, 1, "comms@example.org")
    (tested,) = mailbox.Maildir(outbox.outbox, create=False)
    send_test = email_values(parse(tested.as_bytes()), sent.html, sent.text)

    assert preview["recipient_name"] == SAMPLE_NAME and send_test["recipient_name"] == TEST_NAME
    assert {**send_test, "recipient_name": SAMPLE_NAME} == preview
    assert preview["list_name"] == digest.lists[0].replace("-", " ")
    assert {name: preview[name] for name in SAMPLE_LINKS} == SAMPLE_LINKS
