"""The outbox transport: each message becomes a file in a Maildir folder (the embedded default).

A new user sees real mail without an SMTP server: every file in `new/` opens in a mail client or
as an .eml file. Each message is written in `tmp/` under a name made of the time, process id, a
counter and the host name (the Maildir convention), so several workers can write into one folder
at once, then renamed into `new/`, so a reader never sees half a message.

The file is not fsynced, for the outbox's speed to match a relay's (an fsync per message costs
more than sending it): like the ledger's own commits (SQLite in WAL with synchronous=NORMAL,
PostgreSQL with synchronous_commit off), a message written survives the worker being killed,
but not a power cut of the machine in the seconds before the system writes it out.

The message is stored byte for byte as given (CRLF line endings kept), with one header put in
front: `Delivered-To: <envelope recipient>`, as a mail server's final delivery does, because the
envelope is not otherwise visible in a file.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

from briefcast.delivery.transports.base import (
    Envelope,
    TransportBase,
    TransportUnavailable,
    check_envelope,
)

SUBFOLDERS = ("tmp", "new", "cur")
_COUNTER = itertools.count(1)  # per process: with the pid and the time, a unique file name


class OutboxTransport(TransportBase):
    name = "outbox"

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._opened = False
        # Slashes and colons would break a Maildir file name (RFC-less, but every reader agrees).
        self._host = socket.gethostname().replace("/", "\\057").replace(":", "\\072")

    def open(self) -> None:
        if self._opened:
            return
        try:
            # exist_ok: another worker may be creating the same folder at this moment.
            for name in SUBFOLDERS:
                (self.folder / name).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise self._unavailable("cannot create the outbox folder", error) from None
        self._opened = True

    def close(self) -> None:
        self._opened = False

    def send(
        self,
        envelope: Envelope,
        message: bytes,
        meanwhile: Callable[[], None] | None = None,
        idle: Callable[[], None] | None = None,  # nothing to wait for
    ) -> None:
        check_envelope(envelope)
        self.open()
        name = self._unique_name()
        temporary, final = self.folder / "tmp" / name, self.folder / "new" / name
        try:
            self._write(temporary, delivered_to(envelope.recipient), bytes(message))
            if meanwhile is not None:
                meanwhile()  # not in new/ yet: if this raises, nothing was handed over
            self._move(temporary, final)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    # A full disk or a folder made read-only fails every message alike: a person acts.

    def _write(self, path: Path, *chunks: bytes) -> None:
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                _write_all(descriptor, *chunks)
            finally:
                os.close(descriptor)
        except OSError as error:
            raise self._unavailable("cannot write to the outbox folder", error) from None

    def _move(self, temporary: Path, final: Path) -> None:
        try:
            os.rename(temporary, final)
        except OSError as error:
            raise self._unavailable("cannot write to the outbox folder", error) from None

    def _unique_name(self) -> str:
        now = time.time_ns() // 1000
        seconds, micro = divmod(now, 1_000_000)
        return f"{seconds}.M{micro}P{os.getpid()}Q{next(_COUNTER)}.{self._host}"

    def _unavailable(self, what: str, error: OSError) -> TransportUnavailable:
        return TransportUnavailable(
            f"{self.folder}: {what} ({error.strerror or error}); "
            "set BRIEFCAST_OUTBOX to a writable folder"
        )


def _write_all(descriptor: int, *chunks: bytes) -> None:
    """Write until every byte is written (a short write is rare, but allowed)."""
    data = memoryview(b"".join(chunks))
    while data:
        data = data[os.write(descriptor, data) :]


def delivered_to(recipient: str) -> bytes:
    """The header recording the envelope recipient (UTF-8 for an international address)."""
    return f"Delivered-To: {recipient}\r\n".encode()
