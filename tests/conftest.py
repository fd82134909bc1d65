"""Shared fixtures: `database_url` (and `engine`) for SQLite and for a throwaway PostgreSQL 15.

The PostgreSQL cluster is made once per test session from the installed binaries (Debian's
/usr/lib/postgresql/15/bin, which .ci/run installs), run as the `postgres` user when the tests
run as root (PostgreSQL refuses to run as root), on a free port; it is removed at the end. Each
test gets a fresh database copied from a template that is already migrated, which is far quicker
than migrating every time.

Tests that take seconds (worker processes, crashes, the browser, the demo, benchmarks, real waits,
the wheel) are marked `slow` (pyproject.toml registers the markers): `pytest -m "not slow"` is the
quick run while working; CI runs everything.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from hypothesis import settings
from m365_server import M365Server
from sqlalchemy import Engine, create_engine, text

from briefcast.store import open_database

# Hypothesis fails an example slower than 200 ms ("DeadlineExceeded", then "Flaky"): on a shared
# 2-core machine that measures the neighbours, not the code. The properties are still checked.
settings.register_profile("briefcast", deadline=None)
settings.load_profile("briefcast")

PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin")
TEMPLATE = "briefcast_template"


def _pg_bin() -> Path | None:
    for candidate in PG_BIN_DIRS:
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresCluster:
    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.as_root = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="briefcast-pg-"))
        self.port = _free_port()
        self.databases = count(1)
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")

    def run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.root)

    def start(self) -> None:
        data = self.root / "data"
        self.run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = f"-p {self.port} -k {self.root} -h 127.0.0.1 -F -c fsync=off"
        log = str(self.root / "log")
        self.run("pg_ctl", "-D", str(data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        try:
            self.run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def admin(self, statement: str) -> None:
        engine = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(statement))
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL binaries not installed (.ci/run installs postgresql-15)")
    cluster = PostgresCluster(bin_dir)
    cluster.start()
    try:
        cluster.admin(f"CREATE DATABASE {TEMPLATE}")
        open_database(cluster.url(TEMPLATE)).dispose()  # migrate once; copies start at head
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty briefcast database on SQLite (a file) or on PostgreSQL (a fresh database)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'briefcast.db'}"
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    name = f"test_{next(cluster.databases)}"
    cluster.admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    yield cluster.url(name)
    cluster.admin(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = open_database(database_url)
    yield engine
    engine.dispose()


# -- headless Chromium (tests marked `browser`) ---------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking switches Chromium keeps calling home, and this machine's
# closed network refuses it many times over; the sandbox needs a user namespace CI lacks as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    # CI installs Debian's chromium; a missing browser is a broken set-up, not a reason to skip.
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: install Debian's chromium"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def cloud() -> Iterator[M365Server]:
    """Microsoft 365 on 127.0.0.1 (tests/m365_server.py): the token endpoint and Graph."""
    with M365Server() as server:
        yield server
