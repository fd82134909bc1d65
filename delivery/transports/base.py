"""The contract every transport keeps, and the failures it may report.

Like Django's mail backends: open(), close(), a context manager, and one way to hand over a
message. A transport takes finished bytes (built once by delivery/message.py) and an envelope;
it never builds or changes a message, so every transport sends exactly what was recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self

from briefcast.errors import BriefcastError


@dataclass(frozen=True)
class Envelope:
    """Who the message is from and to at the SMTP level (MAIL FROM / RCPT TO): one recipient."""

    sender: str
    recipient: str


class Transport(Protocol):
    """Hands messages to the world. Reuses its connection between send() calls."""

    name: str

    def open(self) -> None:
        """Connect (or prepare); idempotent. send() opens on demand too."""

    def close(self) -> None:
        """Release the connection; idempotent."""

    def send(
        self,
        envelope: Envelope,
        message: bytes,
        meanwhile: Callable[[], None] | None = None,
        idle: Callable[[], None] | None = None,
    ) -> None:
        """Hand over one message (CRLF line endings), or raise a TransportError subclass.

        Two optional callbacks let the caller work while the transport would only wait:
        - `meanwhile` is called once, before the message can be accepted (before the end of the
          data on SMTP, before the file appears in the outbox), and always if send() returns;
          SMTP calls it as late as it can: after the relay's 354, just before the data. The send
          loop finishes the previous message's commit there, begun when that message was
          accepted: the commit the exactly-once rule needs then overlaps the MAIL, RCPT and
          DATA exchanges. If it raises, the message is not handed over and the error comes out
          of send().
        - `idle` may be called once, while the relay reads the message and before its reply; a
          transport that never waits ignores it. Only for work that does not depend on this
          message's outcome (the send loop builds the next message there).
        """

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


class TransportError(BriefcastError):
    """A message was not accepted. `code` is the SMTP reply code where there was one."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class TemporaryFailure(TransportError):
    """Try this message again later: a 4xx reply, a dropped connection, a timeout."""


class PermanentFailure(TransportError):
    """This recipient cannot be reached: a 5xx reply to RCPT or DATA. Do not retry."""

    def __init__(self, message: str, code: int | None = None, enhanced: str | None = None) -> None:
        super().__init__(message, code)
        self.enhanced = enhanced  # "5.1.1" etc.: 5.1.x means the address does not exist

    @property
    def unknown_user(self) -> bool:
        return bool(self.enhanced and self.enhanced.startswith("5.1."))


class OutcomeUnknown(TransportError):
    """The message was handed over whole (SMTP: the final `.` of DATA; Graph: the sendMail body)
    but no answer came: a timeout or a dropped connection before the reply. The relay may have
    delivered it, so it must not be sent again by itself: the send loop records the row
    `unknown` and leaves it for a person (`send-now --resend-unknown`). Not a TemporaryFailure on
    purpose, so nothing that retries those retries this. The connection is of no more use.
    """


class TransportUnavailable(TransportError):
    """Nothing can be sent until a person acts: login refused (535), TLS impossible, bad host.

    The send loop pauses the issue with this message instead of burning through the list.
    """


def check_envelope(envelope: Envelope) -> None:
    """Refuse an envelope address that could smuggle in an SMTP command or a header line.

    Control characters (CR, LF above all), spaces and angle brackets have no place in an address
    on the wire; recipients are validated on import, so this is the last line of defence. A bad
    recipient fails that one message; a bad sender fails them all, so a person must fix it.
    """
    for role, address in (("sender", envelope.sender), ("recipient", envelope.recipient)):
        if not address or _UNSAFE.search(address):
            failure = PermanentFailure if role == "recipient" else TransportUnavailable
            raise failure(
                f"the envelope {role} {address!r} is empty or contains a line break, space, "
                "control character or angle bracket; nothing was sent"
            )


_UNSAFE = re.compile(r"[\x00-\x20<>\x7f]")  # one regex: this runs for every message


def once(callback: Callable[[], None] | None) -> Callable[[], None]:
    """`callback` made safe to call at every place a transport may need it: it runs once."""
    pending = [callback] if callback is not None else []

    def call() -> None:
        if pending:
            pending.pop()()

    return call


class TransportBase:
    """Context-manager plumbing shared by the transports."""

    name = "base"

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> Self:
        # A `with` block whose open() fails never reaches __exit__, so a transport that got
        # half-way (connected, then refused the login) would keep its socket: release it here.
        # The open() error is the one to report; a second failure while closing adds nothing.
        try:
            self.open()
        except BaseException:
            with suppress(Exception):
                self.close()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
