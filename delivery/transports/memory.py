"""The memory transport, for tests: keeps what it was given and parses it as a mail client would."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

from briefcast.delivery.transports.base import Envelope, TransportBase, check_envelope


@dataclass(frozen=True)
class Sent:
    envelope: Envelope
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


class MemoryTransport(TransportBase):
    name = "memory"

    def __init__(self) -> None:
        self.outbox: list[Sent] = []
        self.opened = 0  # how often a connection was opened, for tests of reuse

    def open(self) -> None:
        self.opened += 1

    def send(
        self,
        envelope: Envelope,
        message: bytes,
        meanwhile: Callable[[], None] | None = None,
        idle: Callable[[], None] | None = None,  # nothing to wait for
    ) -> None:
        check_envelope(envelope)
        if meanwhile is not None:
            meanwhile()
        self.outbox.append(Sent(envelope, bytes(message)))
