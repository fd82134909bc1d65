"""A throwaway PostgreSQL cluster for the benchmarks, as tests/conftest.py starts one.

    with throwaway_postgres() as url:   # None when the binaries are not installed
        ...

initdb into a temporary folder, a free port on 127.0.0.1, trust authentication (run as the
`postgres` user when we are root: PostgreSQL refuses to run as root); stopped and deleted on
exit. Unlike the tests' cluster, fsync stays on: the figures are of a normal server (the send
loop's commits do not wait for the disk anyway, see store/hot_path.py).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin")


def bin_dir() -> Path | None:
    for candidate in BIN_DIRS:
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@contextmanager
def throwaway_postgres() -> Iterator[str | None]:
    """The URL of an empty database on a new cluster, or None without PostgreSQL binaries."""
    binaries = bin_dir()
    if binaries is None:
        yield None
        return
    root = Path(tempfile.mkdtemp(prefix="briefcast-bench-pg-"))
    as_root = os.geteuid() == 0
    if as_root:
        shutil.chown(root, "postgres", "postgres")

    def run(*args: str) -> None:
        command = [str(binaries / args[0]), *args[1:]]
        if as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=root)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = root / "data"
    try:
        run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = f"-p {port} -k {root} -h 127.0.0.1"
        run("pg_ctl", "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start")
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        finally:
            run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)
