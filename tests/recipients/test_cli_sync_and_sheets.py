"""`lists import` takes spreadsheets, and `--sync` shows the diff and asks before applying."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from spreadsheets import write_ods, write_xlsx

from briefcast.cli import app, list_files


@pytest.fixture
def run(database_url, tmp_path):
    def invoke(*args: str, input: str | None = None):
        env = {
            "BRIEFCAST_DATABASE_URL": database_url,
            "BRIEFCAST_SECRET_KEY": "",
            "BRIEFCAST_REPORTS": str(tmp_path / "reports"),
        }
        return CliRunner().invoke(app, list(args), env=env, input=input)

    return invoke


def _members(run) -> int:
    return json.loads(run("lists", "ls", "--json").output)["lists"][0]["members"]


@pytest.mark.parametrize("write", [write_xlsx, write_ods], ids=["xlsx", "ods"])
def test_import_reads_a_spreadsheet_below_its_title(run, tmp_path, write):
    rows = [["Team list"], [], ["Email", "Name"], ["ann@example.org", "Ann"], ["bad", "Bad"]]
    path = write(tmp_path / f"team.{write.__name__.split('_')[1]}", {"Team": rows})
    result = run("lists", "import", str(path), "--list", "team")
    assert result.exit_code == 0, result.output
    assert "sheet 'Team', header on row 3" in result.output
    report = (tmp_path / "reports" / "team.rejected.csv").read_text()
    assert "5,bad," in report  # the row as the spreadsheet numbers it
    assert _members(run) == 1


@pytest.fixture
def two_then_one(run, tmp_path):
    full = tmp_path / "full.csv"
    full.write_text("Email\nann@example.org\nbo@example.net\n")
    assert run("lists", "import", str(full), "--list", "police").exit_code == 0
    smaller = tmp_path / "smaller.csv"
    smaller.write_text("Email\nann@example.org\n")
    return smaller


def test_sync_without_a_terminal_refuses_in_one_line_and_changes_nothing(run, two_then_one):
    result = run("lists", "import", str(two_then_one), "--list", "police", "--sync")
    assert result.exit_code == 2
    last = result.output.strip().splitlines()[-1]
    assert last == (
        "Error: --sync removes members: confirm in a terminal, or add --yes "
        "(--dry-run shows the diff)"
    )
    assert _members(run) == 2


@pytest.mark.parametrize(("answer", "left"), [("n\n", 2), ("y\n", 1)])
def test_sync_shows_the_diff_then_asks(run, two_then_one, monkeypatch, answer, left):
    monkeypatch.setattr(list_files, "_interactive", lambda: True)
    result = run("lists", "import", str(two_then_one), "--list", "police", "--sync", input=answer)
    diff = result.output.index("removed")
    assert diff < result.output.index("Apply? 1 members not in the file will be taken off police")
    assert (result.exit_code == 0) == (answer == "y\n"), result.output
    assert _members(run) == left


def test_sync_with_yes_applies_without_asking(run, two_then_one):
    result = run("lists", "import", str(two_then_one), "--list", "police", "--sync", "--yes")
    assert result.exit_code == 0 and "Apply?" not in result.output
    assert _members(run) == 1
    (police,) = json.loads(run("lists", "ls", "--json").output)["lists"]
    assert police["last_import"]["file_name"] == str(two_then_one)
    assert police["last_import"]["sync"] is True


def test_a_subject_access_export_is_written_to_the_audit_trail(run, two_then_one, engine):
    from briefcast.store.audit import history
    from briefcast.store.engine import read

    result = run(
        "--actor", "Ada Admin", "recipients", "export", "bo@example.net", "--why", "SAR 12"
    )
    assert result.exit_code == 0 and '"address": "bo@example.net"' in result.output
    with read(engine) as conn:
        (entry,) = history(conn, action_prefix="recipient.exported")
    assert entry.actor.name.startswith("Ada Admin") and entry.details["why"] == "SAR 12"
    assert "bo@example.net" not in str(entry)  # by id: the trail never holds the address
