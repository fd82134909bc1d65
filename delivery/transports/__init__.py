"""Transports: smtp (a relay), outbox (a Maildir folder, the embedded default), memory (tests)."""

from briefcast.delivery.transports.base import (
    Envelope,
    PermanentFailure,
    TemporaryFailure,
    Transport,
    TransportError,
    TransportUnavailable,
)

__all__ = [
    "Envelope",
    "PermanentFailure",
    "TemporaryFailure",
    "Transport",
    "TransportError",
    "TransportUnavailable",
]
