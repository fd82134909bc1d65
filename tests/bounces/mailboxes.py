"""The bounce mailboxes the tests read, behind one harness (the `mailbox` fixture, conftest.py),
and the Graph source's settings and tokens for the stand-in (tests/m365_server.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from m365_server import MAILBOX, M365Server

from briefcast.delivery.oauth import GRAPH_SCOPE, TokenSource
from briefcast.settings import BounceSettings, GraphBounceSettings


@dataclass
class Harness:
    source: str
    settings: BounceSettings | GraphBounceSettings
    token: TokenSource | None
    deliver: Callable[[bytes], object]
    folder: Callable[[str], list[bytes]]  # a path with "/" between levels, "INBOX" the inbox
    unread: Callable[[], int]  # messages in the inbox not marked read


def graph_settings(cloud: M365Server, **changes: object) -> GraphBounceSettings:
    values: dict = {"mailbox": MAILBOX, "url": cloud.graph_url, "timeout": 5.0, **changes}
    return GraphBounceSettings(**values)


def graph_tokens(cloud: M365Server) -> TokenSource:
    return TokenSource(cloud.oauth(), GRAPH_SCOPE, timeout=5)
