"""kill -9 during a catch-up run: every new starter gets their one catch-up, duplicates stay in
the documented bound (one per open connection per crash, docs/delivery.md), and nothing is
planned twice. A catch-up is planned in one transaction (its issue row and ledger rows together)
and then sent by the ordinary send loop, so this is the issue crash test's claim, on a catch-up."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_catch_up import _join, _schedule, _send
from test_crash import wait_for_progress

from briefcast.settings import Settings
from briefcast.store.ledger import DeliveryCounts, delivery_counts
from briefcast.store.schema import IssueKind, issues

pytestmark = pytest.mark.slow

RUN = Path(__file__).with_name("crash_catch_up.py")
NEW_STARTERS = 600
KILLS = 3


def test_kill_9_during_a_catch_up_run_loses_and_duplicates_nothing_beyond_the_bound(
    engine, database_url, tmp_path, faulty_smtp_server
):
    settings = Settings(
        database_url=database_url,
        outbox=tmp_path / "outbox",
        base_url="https://briefcast.example.org",
        transport="memory",
    )
    ids = _schedule(engine, tmp_path)
    went = datetime.now(UTC) - timedelta(days=3)
    _send(engine, settings, ids[1], went)
    starters = [f"starter{n}@example.net" for n in range(NEW_STARTERS)]
    _join(engine, tmp_path, "police", starters, went + timedelta(days=1))  # due since yesterday

    server = faulty_smtp_server()
    environ = {
        **os.environ,
        **server.environ(),
        "BRIEFCAST_DATABASE_URL": database_url,
        "BRIEFCAST_BASE_URL": "https://briefcast.example.org",
        "BRIEFCAST_SENDING_HOURS": "00:00-23:59",
        # One connection: the bound is then one message per kill (several connections each have
        # their own, as tests/delivery/test_crash.py shows).
        "BRIEFCAST_SMTP_CONNECTIONS": "1",
    }
    seed = random.randrange(1_000_000)
    chance = random.Random(seed)
    for _ in range(KILLS):
        run = _start(environ)
        wait_for_progress(server, len(server.messages()) + chance.randint(0, 100), run)
        run.send_signal(signal.SIGKILL)
        run.wait()
        assert run.returncode == -signal.SIGKILL, f"seed {seed}: the run ended by itself"

    run = _start(environ)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    received = Counter(address for message in server.messages() for address in message.rcpt_tos)
    assert set(received) == set(starters), f"seed {seed}"
    duplicates = sum(received.values()) - len(received)
    assert duplicates <= KILLS, f"seed {seed}: {duplicates} duplicates after {KILLS} kills"
    with engine.connect() as conn:
        (catch_up,) = conn.execute(
            select(issues.c.id).where(issues.c.kind == IssueKind.CATCH_UP.value)
        ).scalars()
        assert delivery_counts(conn, catch_up) == DeliveryCounts(sent=NEW_STARTERS)
        assert conn.execute(select(func.count()).select_from(issues)).scalar_one() == 5
    assert json.loads(out) in ({}, {str(catch_up): vars(DeliveryCounts(sent=NEW_STARTERS))})


def _start(environ: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(RUN), "spring-briefing"],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
