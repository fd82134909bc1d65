"""The outbox transport: each message becomes a file in a Maildir folder (the embedded default).

A new user sees real mail without an SMTP server: every file in `new/` opens in a mail client or
as an .eml file. Writes go through the stdlib `mailbox.Maildir`: the file is written and fsynced
in `tmp/`, then linked into `new/` under a name made of the time, process id, a counter and the
host name, so several workers can write into one folder at once and a reader never sees half a
message.

The message is stored byte for byte as given (CRLF line endings kept), with one header put in
front: `Delivered-To: <envelope recipient>`, as a mail server's final delivery does, because the
envelope is not otherwise visible in a file.
"""

from __future__ import annotations

import mailbox
from pathlib import Path

from briefcast.delivery.transports.base import (
    Envelope,
    TransportBase,
    TransportUnavailable,
    check_envelope,
)

SUBFOLDERS = ("tmp", "new", "cur")


class OutboxTransport(TransportBase):
    name = "outbox"

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._maildir: mailbox.Maildir | None = None

    def open(self) -> None:
        if self._maildir is not None:
            return
        try:
            # exist_ok: another worker may be creating the same folder at this moment.
            for name in SUBFOLDERS:
                (self.folder / name).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise self._unavailable("cannot create the outbox folder", error) from None
        self._maildir = mailbox.Maildir(self.folder, factory=None, create=False)

    def close(self) -> None:
        self._maildir = None

    def send(self, envelope: Envelope, message: bytes) -> None:
        check_envelope(envelope)
        self.open()
        assert self._maildir is not None
        try:
            self._maildir.add(delivered_to(envelope.recipient) + bytes(message))
        except OSError as error:
            # A full disk or a folder made read-only fails every message alike: a person acts.
            raise self._unavailable("cannot write to the outbox folder", error) from None

    def _unavailable(self, what: str, error: OSError) -> TransportUnavailable:
        return TransportUnavailable(
            f"{self.folder}: {what} ({error.strerror or error}); "
            "set BRIEFCAST_OUTBOX to a writable folder"
        )


def delivered_to(recipient: str) -> bytes:
    """The header recording the envelope recipient (UTF-8 for an international address)."""
    return f"Delivered-To: {recipient}\r\n".encode()
