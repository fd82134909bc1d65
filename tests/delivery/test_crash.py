"""kill -9 at random moments of a send: every recipient gets the issue, duplicates stay in bound.

The worker is a separate process (crash_worker.py) sending through the real SMTP transport to
an aiosmtpd server in a third process, so a SIGKILL can land anywhere: mid-claim, between the
transport's reply and the commit of the outcome, inside the SMTP conversation. The bound is
docs/delivery.md's: at most one duplicate per open connection per crash (one connection, then
four: BRIEFCAST_SMTP_CONNECTIONS).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from ledger_rows import add_issue_for, add_list, add_people, people
from sqlalchemy import select

from briefcast.store.ledger import DeliveryCounts, delivery_counts
from briefcast.store.schema import issues

pytestmark = pytest.mark.slow

WORKER = Path(__file__).with_name("crash_worker.py")
AUDIENCE = 2000  # enough that every kill lands mid-send: a worker sends hundreds a second
KILLS = 4


def start_worker(issue_id: int, environ: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(issue_id)],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_progress(server, beyond: int, worker: subprocess.Popen[str]) -> None:
    """Until the server has more than `beyond` messages: the worker is in the middle of sending."""
    deadline = time.monotonic() + 15
    while len(server.messages()) <= beyond:
        assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
        assert time.monotonic() < deadline, "the worker sent nothing within 15 s"
        time.sleep(0.01)


@pytest.mark.parametrize("connections", [1, 4])
def test_kill_9_at_random_moments_loses_nothing(
    engine, database_url, faulty_smtp_server, connections
):
    add_list(engine, "police")
    addresses = people(AUDIENCE)
    add_people(engine, "police", addresses)
    issue_id = add_issue_for(engine, ["police"])
    server = faulty_smtp_server()
    environ = {
        **os.environ,
        **server.environ(),
        "BRIEFCAST_DATABASE_URL": database_url,
        "BRIEFCAST_SMTP_CONNECTIONS": str(connections),
    }
    seed = random.randrange(1_000_000)
    chance = random.Random(seed)

    for _ in range(KILLS):
        worker = start_worker(issue_id, environ)
        # A random moment counted in messages, not seconds: how long a send takes depends on
        # the machine, and a kill after the worker finished would prove nothing.
        wait_for_progress(server, len(server.messages()) + chance.randint(0, 150), worker)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        assert worker.returncode == -signal.SIGKILL, f"seed {seed}: the worker ended by itself"

    worker = start_worker(issue_id, environ)
    out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    assert json.loads(out)["counts"] == vars(DeliveryCounts(sent=AUDIENCE))

    received = Counter(address for message in server.messages() for address in message.rcpt_tos)
    assert set(received) == set(addresses), f"seed {seed}"
    duplicates = sum(received.values()) - len(received)
    bound = KILLS * connections
    assert duplicates <= bound, f"seed {seed}: {duplicates} duplicates after {KILLS} kills"
    with engine.connect() as conn:
        assert delivery_counts(conn, issue_id) == DeliveryCounts(sent=AUDIENCE)
        assert conn.execute(select(issues.c.state)).scalar_one() == "sent"
