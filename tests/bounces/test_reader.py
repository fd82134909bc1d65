"""The IMAP reader against Dovecot: XOAUTH2 with a token source, the server's own folder
separator, and messages left unread for a person."""

from __future__ import annotations

import pytest
from bounce_world import REPORTS
from imap_server import PASSWORD, USER

from briefcast.bounces.reader import MailboxError, open_imap_mailbox

pytestmark = pytest.mark.slow


def test_xoauth2_signs_in_with_a_token_from_the_source(dovecot):
    asked = []

    def token() -> str:
        asked.append(1)
        return PASSWORD  # the one token this Dovecot accepts

    with open_imap_mailbox(dovecot.settings(auth="oauth2", password=None), token) as mailbox:
        assert list(mailbox.messages()) == []
    assert asked == [1]
    assert f"user=<{USER}>, method=XOAUTH2" in dovecot.log()


def test_a_refused_token_is_one_line_about_the_apps_permission(dovecot):
    settings = dovecot.settings(auth="oauth2", password=None)
    with pytest.raises(MailboxError) as refused, open_imap_mailbox(settings, lambda: "expired"):
        pass
    message = str(refused.value)
    assert "sign-in refused" in message and "IMAP permission" in message and "\n" not in message


def test_oauth2_without_a_token_source_says_what_to_configure(dovecot):
    settings = dovecot.settings(auth="oauth2", password=None)
    with (
        pytest.raises(MailboxError, match="no token source is configured"),
        open_imap_mailbox(settings),
    ):
        pass


def test_folders_use_the_servers_separator_and_the_done_folder_is_made(dovecot):
    dovecot.append("INBOX", (REPORTS / "person-writing.eml").read_bytes())
    settings = dovecot.settings(done_folder="briefcast/read/reports")
    with open_imap_mailbox(settings) as mailbox:
        [(uid, data)] = list(mailbox.messages())
        mailbox.move(uid)
    assert b"could you send the full review" in data
    # Dovecot's Maildir separates with "."; the setting is written with "/" as Exchange has it.
    assert len(dovecot.folder("briefcast.read.reports")) == 1


def test_a_message_read_and_left_stays_unread(dovecot):
    dovecot.append("INBOX", (REPORTS / "person-writing.eml").read_bytes())
    with open_imap_mailbox(dovecot.settings()) as mailbox:
        assert len(list(mailbox.messages())) == 1
    with open_imap_mailbox(dovecot.settings()) as mailbox:
        _, flags = mailbox.imap.uid("FETCH", b"1", "(FLAGS)")
    assert b"\\Seen" not in flags[0]
