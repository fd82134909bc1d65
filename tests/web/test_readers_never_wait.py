"""Readers never wait for a writer: while another process holds the database's write lock (a long
import, a send committing), `briefcast status --json`, `briefcast report` and a web-view page all
answer, on SQLite (WAL readers) and on PostgreSQL (the writer even locks the tables EXCLUSIVE,
which only plain reads get past)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from ledger_rows import CAMPAIGN

from briefcast.delivery.tokens import Purpose

HOLD_SECONDS = 15  # the figure: status must answer long before the writer lets go

WRITER = textwrap.dedent(
    """
    import sys, time
    from sqlalchemy import text
    from briefcast.store import open_database, write

    engine = open_database(sys.argv[1])
    with write(engine) as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("LOCK TABLE issues, deliveries, recipients IN EXCLUSIVE MODE"))
        conn.execute(text("UPDATE recipients SET name = name"))
        conn.execute(text("UPDATE deliveries SET attempts = attempts"))
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
    print("released", flush=True)
    """
)


def _briefcast(args: list[str], database_url: str, folder: Path) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "BRIEFCAST_DATABASE_URL": database_url,
        "BRIEFCAST_SECRET_KEY": "a test secret key, not a real one",
    }
    return subprocess.run(
        [sys.executable, "-m", "briefcast.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=folder,
        timeout=HOLD_SECONDS * 2,
    )


@pytest.mark.slow
def test_status_report_and_pages_answer_while_another_process_holds_the_write_lock(
    world, database_url, tmp_path
):
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, database_url, str(HOLD_SECONDS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "holding"
        held_from = time.monotonic()
        answers: dict[str, tuple[float, object]] = {}

        def timed(name, call):  # type: ignore[no-untyped-def]
            result = call()
            answers[name] = (time.monotonic() - held_from, result)

        readers = [
            threading.Thread(
                target=timed,
                args=("status", lambda: _briefcast(["status", "--json"], database_url, tmp_path)),
            ),
            threading.Thread(
                target=timed,
                args=(
                    "report",
                    lambda: _briefcast(
                        ["report", CAMPAIGN, "--format", "json"], database_url, tmp_path
                    ),
                ),
            ),
            threading.Thread(
                target=timed,
                args=("web view", lambda: world.client.get(world.path(Purpose.VIEW, world.alice))),
            ),
        ]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join(timeout=HOLD_SECONDS * 2)
        still_holding = writer.poll() is None
    finally:
        writer.wait(timeout=HOLD_SECONDS * 2)
    assert writer.stdout.read().strip() == "released"

    assert set(answers) == {"status", "report", "web view"}
    status, report, page = (answers[name][1] for name in ("status", "report", "web view"))
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["campaigns"][0]["name"] == CAMPAIGN
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["campaign"] == CAMPAIGN
    assert page.status_code == 200
    # Every answer came while the writer still held its lock: none of them waited for it.
    assert still_holding, {name: round(seconds, 1) for name, (seconds, _) in answers.items()}
    assert max(seconds for seconds, _ in answers.values()) < HOLD_SECONDS
