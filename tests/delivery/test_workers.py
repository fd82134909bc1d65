"""Several workers on one PostgreSQL database, each a real `briefcast worker` process.

Four send-only workers share one issue and deliver each message once; one killed with SIGKILL
mid-send loses nothing; the scheduler passes to another worker when its leader dies; a
per-minute limit holds across workers. On SQLite a second worker is refused.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ledger_rows import add_issue_for, add_list
from smtp_server import SmtpServer
from sqlalchemy import select

from briefcast.recipients.csv_import import import_list
from briefcast.store.ledger import DeliveryCounts, delivery_counts
from briefcast.store.schema import IssueState, deliveries

BRIEFCAST = Path(sys.executable).with_name("briefcast")
ON_POSTGRES = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)

pytestmark = pytest.mark.slow


def import_people(engine, folder: Path, slug: str, count: int) -> list[str]:
    """`count` fictional people on a new list (a CSV import: quick at thousands)."""
    add_list(engine, slug)
    addresses = [f"person{n:05d}.{slug}@example.org" for n in range(count)]
    path = folder / f"{slug}.csv"
    path.write_text("email\n" + "\n".join(addresses) + "\n", encoding="utf-8")
    import_list(engine, path, slug)
    return addresses


class Workers:
    """`briefcast worker` processes on one database, stopped (SIGTERM, then SIGKILL) at the end."""

    def __init__(self, environ: dict[str, str], folder: Path) -> None:
        self.environ = environ
        self.folder = folder
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, *options: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "a", encoding="utf-8")  # noqa: SIM115
        environ = {**self.environ, "BRIEFCAST_WORKER_ID": name}
        process = subprocess.Popen(
            [str(BRIEFCAST), "worker", *options], env=environ, stdout=log, stderr=log, text=True
        )
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(encoding="utf-8")

    def wait_for_log(self, name: str, text: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log(name):
            assert self.processes[name].poll() is None, self.log(name)
            assert time.monotonic() < deadline, f"{name} never logged {text!r}:\n{self.log(name)}"
            time.sleep(0.05)

    def kill(self, name: str) -> None:
        self.processes[name].send_signal(signal.SIGKILL)
        self.processes[name].wait()

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def workers(database_url: str, tmp_path: Path) -> Iterator[Workers]:
    environ = {
        **os.environ,
        "BRIEFCAST_DATABASE_URL": database_url,
        "BRIEFCAST_BASE_URL": "https://briefcast.example.org",
        "BRIEFCAST_OUTBOX": str(tmp_path / "outbox"),
    }
    running = Workers(environ, tmp_path)
    yield running
    running.stop_all()


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with SmtpServer() as started:
        yield started


def wait_until_sent(engine, issue_id: int, total: int, workers: Workers, timeout: float = 45):
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as conn:
            counts = delivery_counts(conn, issue_id)
        if counts.sent == total:
            return
        logs = "\n".join(workers.log(name) for name in workers.processes)
        assert time.monotonic() < deadline, f"{counts} after {timeout} s:\n{logs}"
        time.sleep(0.2)


def received(server: SmtpServer) -> Counter:
    return Counter(address for message in server.messages() for address in message.rcpt_tos)


@ON_POSTGRES
def test_four_send_workers_deliver_each_message_once(engine, workers, server, tmp_path):
    addresses = import_people(engine, tmp_path, "police", 3000)
    issue_id = add_issue_for(engine, ["police"], state=IssueState.SENDING)
    workers.environ.update(server.environ())
    for n in range(1, 5):
        workers.start(f"worker-{n}", "--no-scheduler")

    wait_until_sent(engine, issue_id, len(addresses), workers)

    got = received(server)
    assert set(got) == set(addresses) and max(got.values()) == 1  # each once: no duplicate
    by_connection = Counter(message.connection for message in server.messages())
    assert len(by_connection) >= 4  # all four took part, each on its own connection
    with engine.connect() as conn:
        assert delivery_counts(conn, issue_id) == DeliveryCounts(sent=len(addresses))


@ON_POSTGRES
def test_a_send_worker_killed_mid_send_loses_nothing(engine, workers, server, tmp_path):
    addresses = import_people(engine, tmp_path, "police", 2000)
    issue_id = add_issue_for(engine, ["police"], state=IssueState.SENDING)
    workers.environ.update(server.environ(), BRIEFCAST_SMTP_CONNECTIONS="2")
    for n in range(1, 5):
        workers.start(f"worker-{n}", "--no-scheduler")
    server.wait_for(300, timeout=30)
    workers.kill("worker-2")
    # Restarted under its own id, it takes back at once the claims its connections left (others
    # would wait for the claims' lease to lapse).
    workers.start("worker-2", "--no-scheduler")

    wait_until_sent(engine, issue_id, len(addresses), workers)

    got = received(server)
    assert set(got) == set(addresses)
    duplicates = sum(got.values()) - len(got)
    assert duplicates <= 2  # the messages in flight on the killed worker's two connections


@ON_POSTGRES
def test_killing_the_scheduler_leader_hands_over(engine, workers, server, tmp_path):
    addresses = import_people(engine, tmp_path, "police", 5)
    issue_id = add_issue_for(engine, ["police"], state=IssueState.SCHEDULED)
    workers.environ.update(server.environ())
    workers.start("worker-a")
    workers.wait_for_log("worker-a", "runs the scheduler")
    workers.start("worker-b")
    workers.wait_for_log("worker-b", "takes over if it stops")
    with engine.begin() as conn:  # due in a few seconds; the leader's reconcile finds it
        _move(conn, issue_id, datetime.now(UTC) + timedelta(seconds=4))

    workers.kill("worker-a")
    workers.wait_for_log("worker-b", "took over the scheduler", timeout=10)
    wait_until_sent(engine, issue_id, len(addresses), workers, timeout=30)

    assert set(received(server)) == set(addresses)
    assert "issue 1: sending" in workers.log("worker-b")


@ON_POSTGRES
def test_the_per_minute_limit_holds_across_workers(engine, workers, server, tmp_path):
    import_people(engine, tmp_path, "police", 40)
    add_issue_for(engine, ["police"], state=IssueState.SENDING)
    workers.environ.update({**server.environ(), "BRIEFCAST_MAX_PER_MINUTE": "10"})
    for n in range(1, 4):
        workers.start(f"worker-{n}", "--no-scheduler")
    first = server.wait_for(10, timeout=30)
    time.sleep(5)  # three workers, each free to send: still only the minute's ten

    messages = server.messages()
    assert len(messages) == 10, len(messages)
    assert max(m.received_at for m in first) - min(m.received_at for m in first) < 60
    with engine.connect() as conn:  # the others hold claims too, waiting for the minute
        waiting = conn.execute(
            select(deliveries.c.claimed_by).where(deliveries.c.status == "sending").distinct()
        ).scalars()
        assert len(set(waiting)) >= 2


def second_worker(workers: Workers, worker_id: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BRIEFCAST), "worker", "--no-scheduler"],
        env={**workers.environ, "BRIEFCAST_WORKER_ID": worker_id},
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_second_worker_on_sqlite_is_refused_in_one_line(engine, workers):
    workers.start("first")
    workers.wait_for_log("first", "runs the scheduler")
    second = second_worker(workers, "second")
    assert second.returncode == 1 and "Traceback" not in second.stderr
    (line,) = second.stderr.strip().splitlines()
    assert line.startswith("error: another worker (pid ") and "SQLite takes one worker" in line


@ON_POSTGRES
def test_two_workers_with_one_id_are_refused(engine, workers):
    workers.start("same")
    workers.wait_for_log("same", "runs the scheduler")
    second = second_worker(workers, "same")
    assert second.returncode == 1 and "Traceback" not in second.stderr
    (line,) = second.stderr.strip().splitlines()
    assert "another worker is running as 'same'" in line and "BRIEFCAST_WORKER_ID" in line


def _move(conn, issue_id: int, when: datetime) -> None:
    from sqlalchemy import update

    from briefcast.store.schema import issues

    conn.execute(update(issues).where(issues.c.id == issue_id).values(planned_at=when))
