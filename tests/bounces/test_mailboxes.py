"""One contract, every bounce mailbox (bounces/mailbox.py): IMAP against Dovecot, Microsoft Graph
against its stand-in (tests/m365_mail.py). The same tests run against both, through
open_mailbox(), as the fetch uses them."""

from __future__ import annotations

import dataclasses

import pytest
from bounce_world import REPORTS

from briefcast.bounces.mailbox import MailboxError, open_mailbox

pytestmark = pytest.mark.slow  # Dovecot starts for each IMAP test

NAMES = [
    "exchange-5.1.10-recipient-not-found.eml",
    "person-writing.eml",
    "postfix-4.7.0-delayed.eml",
]


def _deliver(mailbox, names=NAMES) -> list[bytes]:
    sent = [(REPORTS / name).read_bytes() for name in names]
    for data in sent:
        mailbox.deliver(data)
    return sent


def test_every_message_in_the_folder_is_read_as_received_oldest_first(mailbox):
    sent = _deliver(mailbox)
    with open_mailbox(mailbox.settings, mailbox.token) as opened:
        assert [data for _, data in opened.messages()] == sent
    assert mailbox.folder("INBOX") == sent  # reading moved nothing


def test_a_moved_message_is_in_the_done_folder_and_read_no_more(mailbox):
    sent = _deliver(mailbox)
    with open_mailbox(mailbox.settings, mailbox.token) as opened:
        for key, data in opened.messages():
            if data != sent[1]:
                opened.move(key)
    assert mailbox.folder("briefcast/processed") == [sent[0], sent[2]]
    assert mailbox.folder("INBOX") == [sent[1]]
    with open_mailbox(mailbox.settings, mailbox.token) as opened:
        assert [data for _, data in opened.messages()] == [sent[1]]


def test_a_message_read_and_left_stays_unread(mailbox):
    _deliver(mailbox, ["person-writing.eml"])
    with open_mailbox(mailbox.settings, mailbox.token) as opened:
        assert len(list(opened.messages())) == 1
    assert mailbox.unread() == 1


def test_an_empty_folder_gives_nothing_and_the_done_folder_is_made(mailbox):
    settings = dataclasses.replace(mailbox.settings, done_folder="briefcast/read/reports")
    with open_mailbox(settings, mailbox.token) as opened:
        assert list(opened.messages()) == []
    _deliver(mailbox, ["person-writing.eml"])
    with open_mailbox(settings, mailbox.token) as opened:
        [(key, _)] = list(opened.messages())
        opened.move(key)
    assert len(mailbox.folder("briefcast/read/reports")) == 1


def test_a_missing_folder_is_one_line_naming_its_setting(mailbox):
    settings = dataclasses.replace(mailbox.settings, folder="Reports")
    with pytest.raises(MailboxError) as caught, open_mailbox(settings, mailbox.token):
        pass
    message = str(caught.value)
    assert "no folder 'Reports'" in message and "\n" not in message
    assert f"BRIEFCAST_BOUNCE_{mailbox.source.upper()}_FOLDER" in message
