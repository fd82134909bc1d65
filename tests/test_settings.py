"""Settings that would put secrets or people at risk: refused (or warned) in one line at start,
through a real command."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from briefcast.cli import app

KEY = "k" * 32


def run(tmp_path, **variables: str):
    env = {"BRIEFCAST_DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}", "BRIEFCAST_SECRET_KEY": KEY}
    env.update({f"BRIEFCAST_{name}": value for name, value in variables.items()})
    return CliRunner().invoke(app, ["lists", "create", "police"], env=env)


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert result.output.startswith("error: ") and result.output.count("\n") == 1
    return result.output


@pytest.mark.parametrize(
    "variables, message",
    [
        (
            {"TRANSPORT": "smtp", "SMTP_HOST": "relay.example.org", "SMTP_SECURITY": "none",
             "SMTP_USERNAME": "briefings", "SMTP_PASSWORD": "a password"},
            "BRIEFCAST_SMTP_SECURITY is none: the password would cross the network to "
            "relay.example.org unencrypted",
        ),
        (
            {"BASE_URL": "https://user:secret@briefings.example.org"},
            "BRIEFCAST_BASE_URL must not hold a user name or password",
        ),
        ({"SECRET_KEY": "too short"}, "BRIEFCAST_SECRET_KEY must be at least 32 characters, not 9"),
    ],
    ids=["password in the clear", "credentials in the base url", "short secret key"],
)  # fmt: skip
def test_settings_that_put_secrets_at_risk_are_refused(tmp_path, variables, message):
    output = one_line_error(run(tmp_path, **variables))
    assert message in output
    assert "a password" not in output and "user:secret" not in output  # no secret echoed
    assert not (tmp_path / "b.db").exists()  # refused before anything happened


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "::1"])
def test_no_encryption_is_allowed_for_a_relay_on_this_machine(tmp_path, host):
    result = run(
        tmp_path, TRANSPORT="smtp", SMTP_HOST=host, SMTP_SECURITY="none",
        SMTP_USERNAME="briefings", SMTP_PASSWORD="a password",
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def test_an_http_base_url_elsewhere_is_warned_in_one_line_not_refused(tmp_path):
    result = run(tmp_path, BASE_URL="http://briefings.example.org")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: BRIEFCAST_BASE_URL is http://briefings.example.org: links in emails will "
        "travel unencrypted and Gmail and Yahoo offer no one-click unsubscribe without https; "
        "use https:// (a reverse proxy with HTTPS) outside a test"
    ]
    for quiet in ("https://briefings.example.org", "http://localhost:8025", "http://127.0.0.1"):
        assert "warning" not in run(tmp_path, BASE_URL=quiet).stderr
