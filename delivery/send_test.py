"""`briefcast send-test`: one issue to one address through the real transport, as a proof.

The subject is prefixed "[TEST] ", the fields and links are the sample reader's, as in the
preview (delivery/preview.py; the links lead nowhere real), and nothing is recorded in the
ledger, so a test never counts as a delivery nor uses up anyone's copy.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine

from briefcast.campaigns.render import RenderedIssue
from briefcast.campaigns.snapshot import digest_from_snapshot
from briefcast.delivery.control import find_campaign, find_issue
from briefcast.delivery.message import parse_address
from briefcast.delivery.preview import sample_message
from briefcast.delivery.transports import Envelope, open_transport
from briefcast.errors import BriefcastError
from briefcast.recipients.addresses import InvalidAddress, normalise_address
from briefcast.settings import Settings
from briefcast.store import campaigns as store
from briefcast.store.engine import read

TEST_PREFIX = "[TEST] "
TEST_NAME = "Test recipient"


def send_test_message(
    engine: Engine, settings: Settings, campaign: str, number: int, address: str
) -> str:
    """Send the stored issue to `address`; returns the address as normalised."""
    with read(engine) as conn:
        issue = find_issue(conn, find_campaign(conn, campaign), number)
        content = store.issue_content(conn, issue.id)
    digest = digest_from_snapshot(content.digest)
    return send_test_issue(
        settings, RenderedIssue(digest=digest, html=content.html, text=content.text), address
    )


def send_test_issue(settings: Settings, issue: RenderedIssue, address: str) -> str:
    """The same for an issue rendered but not stored (the console's draft, before approval)."""
    try:
        to = normalise_address(address)
    except InvalidAddress as error:
        raise BriefcastError(f"--to {address!r} is not an email address: {error}") from None
    digest = replace(issue.digest, subject=TEST_PREFIX + issue.digest.subject)
    rendered = RenderedIssue(digest=digest, html=issue.html, text=issue.text)
    message = sample_message(rendered, to=to, base_url=settings.base_url, name=TEST_NAME)
    sender = parse_address(digest.sender, "sender")
    with open_transport(settings) as transport:
        transport.send(Envelope(sender=sender.addr_spec, recipient=to), bytes(message))
    return to
