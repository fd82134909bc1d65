"""SMTP servers for the delivery tests: a shared clean one, and faulty ones made to order.

    def test_something(smtp_server):            # an SmtpServer, emptied and fault-free
        ...
    def test_faults(faulty_smtp_server):
        server = faulty_smtp_server(Faults(unknown=("ann@example.org",)), credentials=("u", "p"))

Both are real aiosmtpd servers in another process (tests/smtp_server.py). The clean one is started
once per session and reset before each test (about 0.1 s saved per test); faulty ones are fresh
processes, stopped at the end of the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from smtp_server import Faults, SmtpServer


@pytest.fixture(scope="session")
def _shared_smtp_server() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def smtp_server(_shared_smtp_server: SmtpServer) -> SmtpServer:
    """A running fault-free server with nothing received yet (connections counted from zero)."""
    _shared_smtp_server.reset()
    return _shared_smtp_server


@pytest.fixture
def faulty_smtp_server() -> Iterator[Callable[..., SmtpServer]]:
    """A factory: `faulty_smtp_server(faults, tls=..., credentials=..., smtputf8=...)`."""
    started: list[SmtpServer] = []

    def start(faults: Faults | None = None, **options: object) -> SmtpServer:
        server = SmtpServer(faults, **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
