"""The worker looks at the mailbox when it starts leading, and every few minutes after: the one
BRIEFCAST_BOUNCE_SOURCE names, over IMAP or through Graph."""

from __future__ import annotations

import dataclasses
import time

import pytest
from bounce_world import REPORTS, build, rows
from m365_server import CLIENT_ID, CLIENT_SECRET, MAILBOX

from briefcast.settings import Settings
from briefcast.worker import Worker

pytestmark = pytest.mark.slow


def test_a_running_worker_reads_the_reports(engine, database_url, dovecot, tmp_path):
    build(engine)
    dovecot.append("INBOX", (REPORTS / "exchange-5.1.10-recipient-not-found.eml").read_bytes())
    settings = Settings.from_env({"BRIEFCAST_DATABASE_URL": database_url}, workdir=tmp_path)
    worker = Worker(dataclasses.replace(settings, bounces=dovecot.settings()), engine=engine)
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while rows(engine)["ann.archer@example.net", 1]["status"] != "bounced":
            assert time.monotonic() < deadline, "the worker did not read the mailbox"
            time.sleep(0.2)
    finally:
        worker.stop()
    assert dovecot.folder("INBOX") == []


def test_a_worker_reads_them_through_graph_when_the_settings_say_so(
    engine, database_url, graph_cloud, tmp_path
):
    build(engine)
    graph_cloud.mail.deliver((REPORTS / "exchange-5.1.10-recipient-not-found.eml").read_bytes())
    environ = {
        "BRIEFCAST_DATABASE_URL": database_url,
        "BRIEFCAST_BOUNCE_SOURCE": "graph",
        "BRIEFCAST_BOUNCE_GRAPH_MAILBOX": MAILBOX,
        "BRIEFCAST_GRAPH_URL": graph_cloud.graph_url,
        "BRIEFCAST_OAUTH_TOKEN_URL": graph_cloud.token_url,
        "BRIEFCAST_OAUTH_CLIENT_ID": CLIENT_ID,
        "BRIEFCAST_OAUTH_CLIENT_SECRET": CLIENT_SECRET,
    }
    worker = Worker(Settings.from_env(environ, workdir=tmp_path), engine=engine)
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while rows(engine)["ann.archer@example.net", 1]["status"] != "bounced":
            assert time.monotonic() < deadline, "the worker did not read the mailbox"
            time.sleep(0.2)
    finally:
        worker.stop()
    assert graph_cloud.mail.folder("inbox") == []
    assert len(graph_cloud.mail.folder("briefcast/processed")) == 1
    assert graph_cloud.tokens[0]["aud"] == "https://graph.microsoft.com"


def test_a_worker_without_a_mailbox_has_no_bounce_job(engine, database_url, tmp_path):
    settings = Settings.from_env({"BRIEFCAST_DATABASE_URL": database_url}, workdir=tmp_path)
    worker = Worker(settings, engine=engine)
    worker.start()
    try:
        assert worker.scheduler.get_job("bounces") is None
        assert worker.scheduler.get_job("reconcile") is not None
    finally:
        worker.stop()
