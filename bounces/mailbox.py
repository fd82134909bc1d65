"""The contract every bounce mailbox keeps (IMAP, Microsoft Graph), and opening the configured one.

    with open_mailbox(settings.bounces, token) as mailbox:
        for key, data in mailbox.messages():   # every message in the folder, oldest first
            ...
            mailbox.move(key)                   # into the done folder

Like the transports (delivery/transports/base.py): the fetch (bounces/fetch.py) sees only this
contract, and one contract test (tests/bounces/test_mailboxes.py) runs against every source.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import AbstractContextManager
from typing import Protocol

from briefcast.errors import BriefcastError
from briefcast.settings import BounceSettings, GraphBounceSettings

# An access token for the mailbox, asked for at need: delivery/oauth.py's TokenSource is one
# (the Graph source also uses its renew() after a 401).
TokenProvider = Callable[[], str]


class MailboxError(BriefcastError):
    """The mailbox cannot be reached, signed in to, or used as the settings say."""


class Mailbox(Protocol):
    def messages(self) -> Iterator[tuple[Hashable, bytes]]:
        """(key, the raw message as received) for every message in the folder, oldest first.

        Reading changes nothing: a message left in place stays unread for its person. One gone
        meanwhile (another reader moved it) is passed over.
        """
        ...

    def move(self, key: Hashable) -> None:
        """Into the done folder (made when the mailbox was opened, if it was missing), so no
        later fetch sees the message again; MailboxError, one line, when it cannot."""


def open_mailbox(
    settings: BounceSettings | GraphBounceSettings, token: TokenProvider | None = None
) -> AbstractContextManager[Mailbox]:
    """The source the settings name (BRIEFCAST_BOUNCE_SOURCE), opened and its folders ready."""
    if isinstance(settings, GraphBounceSettings):
        from briefcast.bounces.graph_reader import open_graph_mailbox

        return open_graph_mailbox(settings, token)  # type: ignore[arg-type]
    from briefcast.bounces.reader import open_imap_mailbox

    return open_imap_mailbox(settings, token)
