"""The web endpoints behind every email's links: unsubscribe, acknowledge, web view, archive."""

from briefcast.web.app import create_app
from briefcast.web.server import BackgroundServer, serve

__all__ = ["BackgroundServer", "create_app", "serve"]
