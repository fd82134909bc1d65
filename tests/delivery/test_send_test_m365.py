"""`briefcast send-test` through Microsoft 365, configured only by BRIEFCAST_* variables, as
docs/microsoft365.md tells an administrator to check a set-up: over Graph, and over SMTP with
XOAUTH2 (an OAuth-only relay in another process), against the local token endpoint."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

import pytest
from click.testing import CliRunner
from m365_server import CLIENT_ID, CLIENT_SECRET, MAILBOX, TOKEN_KEY, M365Server
from scheduling import import_people, outbox_environ, write_campaign
from smtp_server import XOAuth2

from briefcast.cli import app
from briefcast.store import open_database

NAME = "spring-briefing"
TO = "comms.team@example.org"


@pytest.fixture
def scheduled(tmp_path) -> dict[str, str]:
    """The campaign scheduled (with the outbox); the environment to change for each test."""
    env = outbox_environ(f"sqlite:///{tmp_path / 'briefcast.db'}", tmp_path)
    engine = open_database(env["BRIEFCAST_DATABASE_URL"])
    import_people(engine, tmp_path)
    engine.dispose()
    result = CliRunner().invoke(
        app, ["schedule", str(write_campaign(tmp_path)), "--approved-by", "Alex Example"], env=env
    )
    assert result.exit_code == 0, result.output
    return env


def oauth_environ(cloud: M365Server) -> dict[str, str]:
    return {
        "BRIEFCAST_OAUTH_TOKEN_URL": cloud.token_url,  # http: allowed to 127.0.0.1 only
        "BRIEFCAST_OAUTH_CLIENT_ID": CLIENT_ID,
        "BRIEFCAST_OAUTH_CLIENT_SECRET": CLIENT_SECRET,
    }


def send_test(env: dict[str, str]):
    return CliRunner().invoke(app, ["send-test", NAME, "--issue", "1", "--to", TO], env=env)


def test_send_test_through_graph(scheduled, cloud):
    env = {**scheduled, **oauth_environ(cloud), "BRIEFCAST_TRANSPORT": "graph"}
    env.update(BRIEFCAST_GRAPH_MAILBOX=MAILBOX, BRIEFCAST_GRAPH_URL=cloud.graph_url)
    result = send_test(env)
    assert result.exit_code == 0, result.output
    assert f"test message sent to {TO} (graph)" in result.output
    [(recipient, data)] = cloud.sent
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert recipient == TO and message["Subject"].startswith("[TEST] ")
    assert message["List-Unsubscribe"] and message["List-Unsubscribe-Post"]


def test_send_test_through_smtp_with_oauth(scheduled, cloud, faulty_smtp_server):
    relay = faulty_smtp_server(xoauth2=XOAuth2(TOKEN_KEY, MAILBOX))
    env = {**scheduled, **relay.environ(), **oauth_environ(cloud)}
    env.update(BRIEFCAST_SMTP_AUTH="oauth2", BRIEFCAST_SMTP_USERNAME=MAILBOX)
    result = send_test(env)
    assert result.exit_code == 0, result.output
    assert [received.rcpt_tos for received in relay.messages()] == [(TO,)]
    assert [login["user"] for login in relay.logins()] == [MAILBOX]


def test_send_test_with_a_wrong_secret_is_one_line(scheduled, cloud):
    env = {**scheduled, **oauth_environ(cloud), "BRIEFCAST_TRANSPORT": "graph"}
    env.update(BRIEFCAST_GRAPH_MAILBOX=MAILBOX, BRIEFCAST_GRAPH_URL=cloud.graph_url)
    env["BRIEFCAST_OAUTH_CLIENT_SECRET"] = "not the secret"
    result = send_test(env)
    assert result.exit_code == 1 and cloud.sent == []
    [line] = result.output.strip().splitlines()
    assert "AADSTS7000215" in line and "Traceback" not in result.output
