"""Transports: smtp (a relay), graph (Microsoft Graph), outbox (a Maildir folder, the embedded
default), memory (tests)."""

from briefcast.delivery.oauth import GRAPH_SCOPE, SMTP_SCOPE, token_source
from briefcast.delivery.transports.base import (
    Envelope,
    OutcomeUnknown,
    PermanentFailure,
    TemporaryFailure,
    Transport,
    TransportError,
    TransportUnavailable,
    check_envelope,
)
from briefcast.delivery.transports.graph import GraphTransport
from briefcast.delivery.transports.memory import MemoryTransport
from briefcast.delivery.transports.outbox import OutboxTransport
from briefcast.delivery.transports.smtp import SmtpTransport
from briefcast.settings import Settings

__all__ = [
    "Envelope",
    "GraphTransport",
    "MemoryTransport",
    "OutboxTransport",
    "OutcomeUnknown",
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
        smtp = settings.smtp
        assert smtp is not None  # Settings.from_env requires the host for smtp
        if smtp.auth == "oauth2":
            tokens = token_source(settings.oauth, SMTP_SCOPE, smtp.timeout)
            return SmtpTransport(smtp, tokens=tokens)
        return SmtpTransport(smtp)
    if settings.transport == "graph":
        graph = settings.graph
        assert graph is not None  # Settings.from_env requires the mailbox for graph
        return GraphTransport(graph, token_source(settings.oauth, GRAPH_SCOPE, graph.timeout))
    if settings.transport == "outbox":
        return OutboxTransport(settings.outbox)
    if settings.transport == "memory":
        return MemoryTransport()
    raise ValueError(f"unknown transport {settings.transport!r}")  # from_env allows no other
