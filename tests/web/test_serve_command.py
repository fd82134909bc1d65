"""`briefcast serve` in its own process: it says where, serves the pages, and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from ledger_rows import add_campaign

from briefcast.store import open_database

COMMAND = [sys.executable, "-c", "from briefcast.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
def test_serve_prints_the_archive_links_and_serves_until_sigterm(tmp_path):
    url = f"sqlite:///{tmp_path / 'briefcast.db'}"
    engine = open_database(url)
    with engine.begin() as conn:
        add_campaign(conn)
    engine.dispose()
    port = free_port()
    env = {**os.environ, "BRIEFCAST_DATABASE_URL": url, "BRIEFCAST_SECRET_KEY": "serve test " * 4}
    server = subprocess.Popen(
        [*COMMAND, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                assert status_of(f"http://127.0.0.1:{port}/u/not-a-token") == 400
                break
            except (ConnectionError, urllib.error.URLError):
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read()
                time.sleep(0.1)
        archive = status_of(f"http://127.0.0.1:{port}/archive/not-a-token")
        assert archive == 400
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=20)
    # uvicorn shuts down gracefully, then lets the signal end the process as it would have.
    assert server.returncode in (0, -signal.SIGTERM), err
    assert "Traceback" not in err
    assert f"Serving the link pages on http://127.0.0.1:{port}" in out
    assert "archive of national-panel-2020: http://localhost:8025/archive/" in out


def test_a_port_in_use_is_a_one_line_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "BRIEFCAST_DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"}
        result = subprocess.run(
            [*COMMAND, "serve", "--port", str(port)], env=env, capture_output=True, text=True
        )
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}")
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_http_base_url_off_this_machine_is_warned_once_and_still_served(tmp_path):
    url = f"sqlite:///{tmp_path / 'briefcast.db'}"
    open_database(url).dispose()
    port = free_port()
    env = {
        **os.environ,
        "BRIEFCAST_DATABASE_URL": url,
        "BRIEFCAST_BASE_URL": "http://briefings.example.org",
    }
    server = subprocess.Popen(
        [*COMMAND, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                assert status_of(f"http://127.0.0.1:{port}/u/not-a-token") == 400
                break
            except (ConnectionError, urllib.error.URLError):
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read()
                time.sleep(0.1)
    finally:
        server.send_signal(signal.SIGTERM)
        _out, err = server.communicate(timeout=20)
    warnings = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1, err
    assert "BRIEFCAST_BASE_URL is http://briefings.example.org" in warnings[0]
    assert "https://" in warnings[0]
