"""Transports: smtp (a relay), outbox (a Maildir folder, the embedded default), memory (tests)."""

from briefcast.delivery.transports.base import (
    Envelope,
    PermanentFailure,
    TemporaryFailure,
    Transport,
    TransportError,
    TransportUnavailable,
    check_envelope,
)
from briefcast.delivery.transports.memory import MemoryTransport
from briefcast.delivery.transports.outbox import OutboxTransport
from briefcast.delivery.transports.smtp import SmtpTransport
from briefcast.settings import Settings

__all__ = [
    "Envelope",
    "MemoryTransport",
    "OutboxTransport",
    "PermanentFailure",
    "SmtpTransport",
    "TemporaryFailure",
    "Transport",
    "TransportError",
    "TransportUnavailable",
    "check_envelope",
    "open_transport",
]


def open_transport(settings: Settings) -> Transport:
    """The transport `settings.transport` names, not yet connected: use it in a `with` block."""
    if settings.transport == "smtp":
        assert settings.smtp is not None  # Settings.from_env requires the host for smtp
        return SmtpTransport(settings.smtp)
    if settings.transport == "outbox":
        return OutboxTransport(settings.outbox)
    if settings.transport == "memory":
        return MemoryTransport()
    raise ValueError(f"unknown transport {settings.transport!r}")  # from_env allows no other
