"""The mailboxes the bounce tests read: Dovecot (IMAP), and Microsoft Graph's stand-in.

def test_something(mailbox):       # runs once per source, like the transports' contract
    mailbox.deliver(data)          # a message arrives in the folder reports arrive in
    fetch_bounces(engine, mailbox.settings, token=mailbox.token)
    mailbox.folder("briefcast/processed")   # the raw messages there now, oldest first
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from imap_server import Dovecot, available
from m365_server import M365Server
from mailboxes import Harness, graph_settings, graph_tokens


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    # Not skipped when missing: these tests are the proof that bounces work (.ci/run installs it).
    assert available(), "Dovecot is not installed: apt-get install dovecot-imapd (see .ci/run)"
    with Dovecot() as server:
        yield server


@pytest.fixture
def graph_cloud(cloud: M365Server) -> M365Server:
    """The stand-in, its app granted Mail.ReadWrite (for the bounce mailbox) beside Mail.Send."""
    cloud.graph_roles.append("Mail.ReadWrite")
    return cloud


def _imap_unread(server: Dovecot) -> int:
    imap = server._client()
    try:
        imap.select("INBOX", readonly=True)
        _, found = imap.uid("SEARCH", None, "UNSEEN")
        return len((found[0] or b"").split())
    finally:
        imap.logout()


@pytest.fixture(params=["imap", "graph"])
def mailbox(request: pytest.FixtureRequest) -> Harness:
    if request.param == "imap":
        server = request.getfixturevalue("dovecot")
        return Harness(
            "imap",
            server.settings(),
            None,
            lambda data: server.append("INBOX", data),
            lambda path: server.folder(path.replace("/", ".")),  # Dovecot's Maildir uses "."
            lambda: _imap_unread(server),
        )
    cloud = request.getfixturevalue("graph_cloud")
    return Harness(
        "graph",
        graph_settings(cloud),
        graph_tokens(cloud),
        cloud.mail.deliver,
        cloud.mail.folder,
        lambda: cloud.mail.unread("inbox"),
    )
