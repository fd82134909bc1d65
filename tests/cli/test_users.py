"""`briefcast users`: add (set-up link or --password-stdin), ls, roles, disable, reset, each
recorded in the audit table with --actor (or the login name)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from briefcast.cli import app
from briefcast.console import accounts
from briefcast.console.sign_in import check_password
from briefcast.settings import Settings
from briefcast.store import open_database
from briefcast.store.audit import history
from briefcast.store.engine import read

PASSWORD = "a long pass phrase for tests"


@pytest.fixture
def env(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'briefcast.db'}"
    for name, value in {
        "DATABASE_URL": url,
        "CONSOLE_URL": "https://console.example.org",
        "OUTBOX": str(tmp_path / "outbox"),
    }.items():
        monkeypatch.setenv(f"BRIEFCAST_{name}", value)
    monkeypatch.delenv("BRIEFCAST_SETTINGS", raising=False)
    engine = open_database(url)
    yield engine
    engine.dispose()


def _run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["users", *args], input=input)


def test_add_prints_a_set_up_link_and_records_the_actor(env):
    result = _run(
        "add",
        "Ann.Author@example.org",
        "--name",
        "Ann Author",
        "--role",
        "author",
        "--role",
        "approver",
        "--actor",
        "Ada Admin",
    )
    assert result.exit_code == 0, result.output
    assert "added ann.author@example.org (Ann Author) as author, approver" in result.output
    assert "https://console.example.org/setup/" in result.output
    with read(env) as conn:
        (added,) = history(conn, action_prefix="user.added")
    assert added.actor.name == "Ada Admin" and added.actor.kind == "person"


def test_add_with_a_password_on_stdin_prints_the_authenticator_key(env):
    result = _run(
        "add",
        "bob@example.org",
        "--name",
        "Bob Approver",
        "--role",
        "approver",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "setup/" not in result.output and "authenticator app key:" in result.output
    settings = Settings.from_env()
    assert check_password(env, settings, "bob@example.org", PASSWORD, "cli").needs_code


def test_ls_json_then_roles_disable_and_reset(env):
    _run("add", "ann@example.org", "--name", "Ann Author", "--role", "author")
    listed = json.loads(_run("ls", "--json").output)
    assert listed["version"] == 1
    assert listed["people"] == [
        {
            "email": "ann@example.org",
            "name": "Ann Author",
            "roles": ["author"],
            "status": "not set up",
            "second_factor": False,
            "work_account": None,
        }
    ]
    assert "ann@example.org" in _run("ls").output
    assert _run("roles", "ann@example.org", "--role", "admin").exit_code == 0
    disabled = _run("disable", "ann@example.org")
    assert disabled.exit_code == 0 and "0 open sessions ended" in disabled.output
    reset = _run("reset", "ann@example.org")
    assert reset.exit_code == 0 and "https://console.example.org/setup/" in reset.output
    person = accounts.person(env, "ann@example.org")
    assert person.roles == ("admin",) and person.disabled
    with read(env) as conn:
        actions = [e.action for e in history(conn, action_prefix="user.")]
    assert actions == ["user.added", "user.roles_changed", "user.disabled", "user.reset"]


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (["add", "not-an-address", "--name", "X Y", "--role", "author"], None, "not-an-address"),
        (
            ["add", "a@example.org", "--name", "A B", "--role", "author", "--password-stdin"],
            "short\n",
            "at least 12 characters",
        ),
        (["disable", "nobody@example.org"], None, "no such person"),
        (["reset", "nobody@example.org"], None, "no such person"),
    ],
)
def test_bad_input_is_one_line(env, args, stdin, expected):
    result = _run(*args, input=stdin)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], result.output
