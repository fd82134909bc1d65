"""The deployment files in deploy/ stay valid: systemd units pass `systemd-analyze verify` (where
systemd is installed), and the compose file runs PostgreSQL, a one-shot migrate, two workers with
their own ids, the link pages and the console, with no secret written into it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import briefcast

DEPLOY = Path(briefcast.__file__).parent / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def test_there_is_a_unit_for_the_worker_the_link_pages_and_the_console():
    assert {unit.name for unit in UNITS} == {
        "briefcast-worker@.service",
        "briefcast-serve.service",
        "briefcast-console.service",
    }


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_each_unit_passes_systemd_analyze_verify(unit, tmp_path):
    # verify checks that ExecStart's program exists: point it at this Python's briefcast, and
    # give the EnvironmentFile it needs.
    program = Path(sys.executable).parent / "briefcast"
    text = unit.read_text().replace("/opt/briefcast/venv/bin/briefcast", str(program))
    text = text.replace("/etc/briefcast/briefcast.env", str(tmp_path / "briefcast.env"))
    (tmp_path / "briefcast.env").write_text("BRIEFCAST_TRANSPORT=outbox\n")
    name = unit.name.replace("@.service", "@mail-1.service")
    (tmp_path / unit.name).write_text(text)
    if name != unit.name:
        (tmp_path / name).symlink_to(tmp_path / unit.name)
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(tmp_path / name)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Complaints about this machine (no systemd running, a container) are not about the unit.
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if str(tmp_path) in line or unit.name in line or name in line
    ]
    assert problems == [], result.stdout + result.stderr


def test_the_compose_file_runs_postgres_a_migration_two_workers_serve_and_console():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "migrate", "worker-1", "worker-2", "serve", "console"}
    assert services["migrate"]["command"] == ["migrate"]
    ids = {services[w]["environment"]["BRIEFCAST_WORKER_ID"] for w in ("worker-1", "worker-2")}
    assert ids == {"worker-1", "worker-2"}
    for name in ("worker-1", "worker-2", "serve", "console"):
        service = services[name]
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert service["environment"]["BRIEFCAST_DATABASE_URL"].startswith("postgresql+psycopg")
    assert services["worker-1"]["stop_signal"] == "SIGTERM"
    # Published only on the loopback address: a proxy in front decides who reaches them.
    assert all(port.startswith("127.0.0.1:") for s in ("serve", "console")
               for port in services[s]["ports"])  # fmt: skip


def test_no_secret_is_written_into_the_deployment_files():
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            for line in path.read_text().splitlines():
                if "SECRET_KEY" in line or "SMTP_PASSWORD" in line:
                    assert "${" in line or line.lstrip().startswith("#"), f"{path}: {line}"
