"""`briefcast bounces ...` through the CLI: settings from the environment (IMAP or Graph), one-line
errors."""

from __future__ import annotations

import json

import pytest
from bounce_world import REPORTS, build
from click.testing import CliRunner
from imap_server import PASSWORD, USER
from ledger_rows import CAMPAIGN
from m365_server import CLIENT_ID, CLIENT_SECRET, MAILBOX

from briefcast.cli import app


def _environ(database_url: str, port: int, password: str = PASSWORD) -> dict[str, str]:
    return {
        "BRIEFCAST_DATABASE_URL": database_url,
        "BRIEFCAST_BOUNCE_IMAP_HOST": "127.0.0.1",
        "BRIEFCAST_BOUNCE_IMAP_PORT": str(port),
        "BRIEFCAST_BOUNCE_IMAP_SECURITY": "none",
        "BRIEFCAST_BOUNCE_IMAP_USERNAME": USER,
        "BRIEFCAST_BOUNCE_IMAP_PASSWORD": password,
    }


@pytest.mark.slow
def test_fetch_json_then_list_and_flags(engine, database_url, dovecot):
    build(engine)
    for name in (
        "exchange-5.1.10-recipient-not-found.eml",
        "exchange-5.7.133-group-refuses-outside-senders.eml",
        "exchange-5.1.10-not-ours.eml",
    ):
        dovecot.append("INBOX", (REPORTS / name).read_bytes())
    env = _environ(database_url, dovecot.port)
    runner = CliRunner()

    result = runner.invoke(app, ["bounces", "fetch", "--json"], env=env)

    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["version"] == 1 and document["reports"] == 3
    actions = {o["recipient"]: (o["action"], o["code"]) for o in document["outcomes"]}
    assert actions == {
        "ann.archer@example.net": ("bounced", "5.1.10"),
        "safeguarding-leads@example.net": ("flagged", "5.7.133"),
        "pat.price@example.net": ("kept", "5.1.10"),
    }
    status = runner.invoke(app, ["status", CAMPAIGN], env=env).output
    assert "  issue 1: 2 came back after the relay accepted them" in status
    unmatched = runner.invoke(app, ["bounces", "list", "--unmatched", "--json"], env=env)
    assert [r["recipient"] for r in json.loads(unmatched.output)["reports"]] == [
        "pat.price@example.net"
    ]
    flags = runner.invoke(app, ["bounces", "flags"], env=env)
    assert "list police, example.net (Example Police): 5.7.133, 1 report(s)" in flags.output
    flag_id = json.loads(runner.invoke(app, ["bounces", "flags", "--json"], env=env).output)[
        "flags"
    ][0]["id"]
    resolved = runner.invoke(
        app, ["--actor", "A. Lee", "bounces", "resolve", str(flag_id)], env=env
    )
    assert resolved.exit_code == 0 and "resolved" in resolved.output
    assert "No list is flagged." in runner.invoke(app, ["bounces", "flags"], env=env).output
    again = runner.invoke(app, ["bounces", "resolve", str(flag_id)], env=env)
    assert again.exit_code == 1 and again.output.count("\n") == 1
    assert f"no open flag {flag_id}" in again.output


@pytest.mark.slow
def test_a_wrong_password_is_one_line_naming_the_settings(engine, database_url, dovecot):
    result = CliRunner().invoke(
        app, ["bounces", "fetch"], env=_environ(database_url, dovecot.port, "wrong")
    )
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert f"sign-in refused for {USER}" in result.output
    assert "BRIEFCAST_BOUNCE_IMAP_PASSWORD" in result.output


def test_no_server_listening_is_one_line(engine, database_url):
    from imap_server import _free_port

    result = CliRunner().invoke(app, ["bounces", "fetch"], env=_environ(database_url, _free_port()))
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "cannot connect" in result.output


def test_without_a_mailbox_configured_it_says_what_to_set(engine, database_url):
    result = CliRunner().invoke(
        app, ["bounces", "fetch"], env={"BRIEFCAST_DATABASE_URL": database_url}
    )
    assert result.exit_code == 1
    assert "BRIEFCAST_BOUNCE_IMAP_HOST" in result.output and result.output.count("\n") == 1


@pytest.mark.slow
def test_a_missing_folder_is_named(engine, database_url, dovecot):
    env = _environ(database_url, dovecot.port) | {"BRIEFCAST_BOUNCE_IMAP_FOLDER": "Reports"}
    result = CliRunner().invoke(app, ["bounces", "fetch"], env=env)
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert (
        "no folder 'Reports'" in result.output and "BRIEFCAST_BOUNCE_IMAP_FOLDER" in result.output
    )


def _graph_environ(database_url: str, cloud) -> dict[str, str]:
    return {
        "BRIEFCAST_DATABASE_URL": database_url,
        "BRIEFCAST_BOUNCE_SOURCE": "graph",
        "BRIEFCAST_BOUNCE_GRAPH_MAILBOX": MAILBOX,
        "BRIEFCAST_GRAPH_URL": cloud.graph_url,  # http: allowed to 127.0.0.1 only
        "BRIEFCAST_OAUTH_TOKEN_URL": cloud.token_url,
        "BRIEFCAST_OAUTH_CLIENT_ID": CLIENT_ID,
        "BRIEFCAST_OAUTH_CLIENT_SECRET": CLIENT_SECRET,
    }


def test_fetch_through_graph_configured_by_the_environment(engine, database_url, graph_cloud):
    build(engine)
    for name in ("exchange-5.1.10-recipient-not-found.eml", "person-writing.eml"):
        graph_cloud.mail.deliver((REPORTS / name).read_bytes())
    env = _graph_environ(database_url, graph_cloud)

    result = CliRunner().invoke(app, ["bounces", "fetch", "--json"], env=env)

    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert (document["reports"], document["left"]) == (1, 1)
    assert [(o["recipient"], o["action"]) for o in document["outcomes"]] == [
        ("ann.archer@example.net", "bounced")
    ]
    assert len(graph_cloud.mail.folder("briefcast/processed")) == 1
    again = CliRunner().invoke(app, ["bounces", "fetch"], env=env)
    assert again.output == (
        "0 delivery report(s) read, 0 automatic repl(ies) ignored, "
        "1 other message(s) left for a person\n"
    )


def test_graph_without_mail_readwrite_is_one_line(engine, database_url, cloud):
    result = CliRunner().invoke(app, ["bounces", "fetch"], env=_graph_environ(database_url, cloud))
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "403 ErrorAccessDenied" in result.output and "Mail.ReadWrite" in result.output
