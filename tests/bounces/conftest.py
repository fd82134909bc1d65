"""The IMAP server (Dovecot) and the ledger the report fixtures belong to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from imap_server import Dovecot, available


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    # Not skipped when missing: these tests are the proof that bounces work (.ci/run installs it).
    assert available(), "Dovecot is not installed: apt-get install dovecot-imapd (see .ci/run)"
    with Dovecot() as server:
        yield server
