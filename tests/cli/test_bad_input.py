"""Bad input through the real commands: one line naming where and what, never an internal error;
and `check`/`schedule` refuse, at the file's line, what the send loop would refuse later."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from scheduling import import_people, make_lists, outbox_environ, write_campaign
from sqlalchemy import func, select

from briefcast.cli import app
from briefcast.store import open_database
from briefcast.store.schema import IssueState, campaigns, issues

NAME = "spring-briefing"


def invoke(env: dict[str, str], *args: str):
    return CliRunner().invoke(app, list(args), env=env)


def one_line_error(result) -> str:
    """The whole output is errors, the last one line "error: ...", exit 1, no traceback."""
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[-1].startswith("error: "), result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    return result.output


def yaml_lines(path: Path, text: str, replacement: str) -> int:
    """Replace `text` in the campaign file; returns the 1-based line it is on."""
    content = path.read_text(encoding="utf-8")
    assert text in content
    path.write_text(content.replace(text, replacement, 1), encoding="utf-8")
    return content[: content.index(text)].count("\n") + 1


# -- the campaign file ---------------------------------------------------------------------------


@pytest.fixture
def env(database_url, tmp_path):
    return outbox_environ(database_url, tmp_path)


@pytest.fixture
def engine(database_url):
    engine = open_database(database_url)
    yield engine
    engine.dispose()


def check_and_schedule(env, path) -> list[str]:
    """The outputs of `check` and `schedule`, both refused."""
    checked = one_line_error(invoke(env, "check", str(path)))
    scheduled = one_line_error(invoke(env, "schedule", str(path), "--approved-by", "Alex Example"))
    return [checked, scheduled]


@pytest.mark.parametrize(
    "text, replacement, message",
    [
        ("sender: Example Partnership <learning@example.org>",
         'sender: "Example Partnership <learning@example.org>\\r\\nBcc: all@example.net"',
         "sender contains a line break"),
        ("- themes:\n  - optimistic-thinking",
         '- subject: "Part one\\nBcc: all@example.net"\n  themes:\n  - optimistic-thinking',
         "subject contains a line break"),
        ("reply_to: safeguarding.learning@example.org",
         'reply_to: "Team <team@example.org>\\rX-Evil: 1"',
         "reply-to contains a line break"),
        ("title: Learning from the National Panel",
         'title: "Learning\\nX-Evil: 1"',
         "list id contains a line break"),
    ],
    ids=["sender", "subject", "reply-to", "title (the list id)"],
)  # fmt: skip
def test_what_the_send_loop_refuses_is_refused_when_planning_at_its_line(
    env, engine, tmp_path, text, replacement, message
):
    import_people(engine, tmp_path)
    path = write_campaign(tmp_path)
    line = yaml_lines(path, text, replacement)
    for output in check_and_schedule(env, path):
        assert f"{path}:{line}: error: issue 1 could not be sent: the {message}" in output
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(campaigns)).scalar() == 0


def test_lists_42_is_not_a_list(env, engine, tmp_path):
    path = write_campaign(tmp_path)
    line = yaml_lines(path, "lists:\n- police\n- health", "lists: 42")
    for output in check_and_schedule(env, path):
        assert output.startswith(f"error: {path}:{line}: lists: expected list names such as")
        assert "found '42'" in output


def test_a_list_that_does_not_exist_is_refused_by_schedule_and_warned_by_check(
    env, engine, tmp_path
):
    make_lists(engine, ["police"])
    path = write_campaign(tmp_path)
    line = yaml_lines(path, "- health", "- heath")
    checked = invoke(env, "check", str(path))
    assert checked.exit_code == 0, checked.output
    assert f"{path}:{line}: warning: the list 'heath' does not exist" in checked.output
    output = one_line_error(invoke(env, "schedule", str(path), "--approved-by", "Alex Example"))
    assert f"{path}:{line}: error: the list 'heath' does not exist" in output
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(issues)).scalar() == 0


def test_check_without_a_database_warns_of_nothing_and_creates_nothing(tmp_path):
    env = outbox_environ(f"sqlite:///{tmp_path / 'var' / 'b.db'}", tmp_path)
    result = invoke(env, "check", str(write_campaign(tmp_path)))
    assert result.exit_code == 0, result.output
    assert "does not exist" not in result.output
    assert not (tmp_path / "var").exists()


def test_a_missing_campaign_file_names_the_reason_in_words_like_the_settings_file(tmp_path):
    path = tmp_path / "missing.yaml"
    output = one_line_error(invoke({}, "check", str(path)))
    assert output == f"error: {path}: cannot read the campaign file (No such file or directory)\n"
    settings = one_line_error(
        invoke(
            {"BRIEFCAST_SETTINGS": str(path)},
            "schedule",
            str(path),
            "--approved-by",
            "Alex Example",
        )
    )
    assert settings == f"error: {path}: cannot read the settings file (No such file or directory)\n"


def test_a_huge_cadence_is_one_line_with_its_line(tmp_path):
    path = write_campaign(tmp_path, schedule={"every": "99999999999999999999d"})
    line = yaml_lines(path, "every:", "every:")
    output = one_line_error(invoke({}, "check", str(path)))
    assert output == (
        f"error: {path}:{line}: schedule.every: '99999999999999999999d' is too long a gap "
        "between issues; at most 52w or 366d\n"
    )


def test_yaml_aliases_are_refused_at_their_line(tmp_path):
    path = tmp_path / "bomb.yaml"
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"{b}: &{b} [*{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}]"
              for a, b in zip("abcdefgh", "bcdefghi", strict=True)]  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.monotonic()
    output = one_line_error(invoke({}, "check", str(path)))
    assert time.monotonic() - started < 5
    assert output == (
        f"error: {path}:1: not valid YAML: anchors and aliases (& and *) are not allowed in a "
        "campaign file; write each value out\n"
    )


def test_an_issue_too_big_to_send_is_refused_before_it_is_compiled(tmp_path):
    intro = "Words that go on and on. " * 6000  # 150 KB: the HTML limit is 100 KB
    path = write_campaign(tmp_path, issues=[{"themes": ["optimistic-thinking"], "intro": intro}])
    started = time.monotonic()
    result = invoke({}, "check", str(path))
    assert result.exit_code == 1
    output = " ".join(result.output.split())  # rich wraps the problem lines
    assert "bytes before compiling, over the HTML limit of 102,400" in output
    assert time.monotonic() - started < 20  # not an MJML compile and inlining of it


# -- the database --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, message",
    [
        ("mysql://x", "BRIEFCAST_DATABASE_URL: briefcast supports sqlite and postgresql+psycopg, "
                      "not mysql"),
        ("oracle+cx_oracle://x", "briefcast supports sqlite and postgresql+psycopg"),
        ("sqlite:////etc/passwd", "cannot open the database sqlite:////etc/passwd: file is not a "
                                  "database"),
    ],
)  # fmt: skip
def test_a_database_url_briefcast_cannot_use_is_one_line(url, message):
    before = os.stat("/etc/passwd")
    result = invoke({"BRIEFCAST_DATABASE_URL": url}, "lists", "create", "police")
    output = one_line_error(result)
    assert output.count("\n") == 1 and message in output
    after = os.stat("/etc/passwd")
    assert (stat.S_IMODE(after.st_mode), after.st_size) == (
        stat.S_IMODE(before.st_mode),
        before.st_size,
    )
    assert not Path("/etc/passwd-wal").exists()


@pytest.mark.parametrize(
    "command", [("status",), ("report", NAME), ("lists", "ls"), ("lists", "show", "police")]
)
def test_a_read_only_command_on_a_missing_database_creates_nothing(tmp_path, command):
    database = tmp_path / "not" / "yet" / "briefcast.db"
    result = invoke({"BRIEFCAST_DATABASE_URL": f"sqlite:///{database}"}, *command)
    assert one_line_error(result) == (
        f"error: no database at {database}; run a command that creates it, "
        "e.g. `briefcast lists import` or `briefcast migrate`\n"
    )
    assert not (tmp_path / "not").exists()


def test_send_now_exits_non_zero_when_the_issue_ends_paused(env, engine, tmp_path):
    import_people(engine, tmp_path)
    invoke(env, "schedule", str(write_campaign(tmp_path)), "--approved-by", "Alex Example")
    blocker = tmp_path / "a file, not a folder"
    blocker.write_text("", encoding="utf-8")
    broken = {**env, "BRIEFCAST_OUTBOX": str(blocker / "outbox")}
    result = invoke(broken, "send-now", NAME, "--issue", "1")
    assert result.exit_code == 1, result.output
    assert "paused" in result.output
    with engine.connect() as conn:
        state = conn.execute(select(issues.c.state).where(issues.c.number == 1)).scalar_one()
    assert state == IssueState.PAUSED.value
    result = invoke(env, "send-now", NAME, "--issue", "1")  # the outbox fixed: it goes
    assert result.exit_code == 0, result.output
