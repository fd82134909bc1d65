"""`briefcast lists ...` and `briefcast recipients ...` via the CLI runner on both databases."""

import json
from datetime import datetime

import pytest
from click.testing import CliRunner

from briefcast.cli import app

PEOPLE = "E-mail Address;Name\nann@example.org;Ann\nbo@example.net;Bo\nbad;Bad\n"


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


@pytest.fixture
def people(tmp_path):
    path = tmp_path / "police.csv"
    path.write_text(PEOPLE, encoding="utf-8")
    return path


def test_import_prints_the_diff_and_creates_the_list(run, people):
    result = run("lists", "import", str(people), "--list", "police")
    assert result.exit_code == 0, result.output
    assert "creating the list police" in result.output
    assert "added" in result.output and "rejected" in result.output
    assert "police.rejected.csv" in result.output
    data = json.loads(run("lists", "import", str(people), "--list", "police", "--json").output)
    assert data["counts"]["unchanged"] == 2 and data["counts"]["rejected"] == 1


def test_sync_dry_run(run, people, tmp_path):
    run("lists", "import", str(people), "--list", "police")
    smaller = tmp_path / "smaller.csv"
    smaller.write_text("Email\nann@example.org\n", encoding="utf-8")
    result = run("lists", "import", str(smaller), "--list", "police", "--sync", "--dry-run")
    assert "removed" in result.output and "dry run: nothing was changed" in result.output
    assert "@" not in result.output  # addresses only when asked for
    asked = ("--sync", "--dry-run", "--show-addresses")
    shown = run("lists", "import", str(smaller), "--list", "police", *asked)
    assert "bo@example.net" in shown.output
    assert json.loads(run("lists", "ls", "--json").output)["lists"][0]["members"] == 2


def test_ls_create_show_export_remove(run, people, tmp_path):
    created = run("lists", "create", "early-help", "--name", "Early help", "--no-unsubscribe")
    assert created.exit_code == 0 and "created the list early-help" in created.output
    assert "exists already" in run("lists", "create", "early-help").output
    run("lists", "import", str(people), "--list", "police")
    listed = json.loads(run("lists", "ls", "--json").output)["lists"]
    assert [(x["slug"], x["members"], x["unsubscribe_offered"]) for x in listed] == [
        ("early-help", 0, False), ("police", 2, True),
    ]  # fmt: skip
    shown = json.loads(run("lists", "show", "police", "--json").output)
    assert [m["address"] for m in shown["members"]] == ["ann@example.org", "bo@example.net"]
    assert "ann@example.org" in run("lists", "show", "police").output
    exported = run("lists", "export", "police").output
    assert exported.splitlines() == [
        "email,name,organisation,role", "ann@example.org,Ann,,", "bo@example.net,Bo,,",
    ]  # fmt: skip
    out = tmp_path / "out.csv"
    assert run("lists", "export", "police", "--out", str(out)).exit_code == 0
    reimport = run("lists", "import", str(out), "--list", "police", "--sync", "--yes", "--json")
    assert json.loads(reimport.output)["counts"]["unchanged"] == 2  # an export reads back
    assert run("lists", "remove-member", "police", "BO@example.net").exit_code == 0
    again = run("lists", "remove-member", "police", "bo@example.net")
    assert again.exit_code == 1
    assert again.output == "error: bo@example.net is not a member of 'police'\n"


def test_suppress_unsuppress(run, people):
    run("lists", "import", str(people), "--list", "police")
    result = run("recipients", "suppress", "ann@example.org", "--reason", "bounced")
    assert "suppressed ann@example.org on all lists (bounced)" in result.output
    assert json.loads(run("lists", "show", "police", "--json").output)["counts"]["suppressed"] == 1
    wrong = run("recipients", "unsuppress", "ann@example.org", "--list", "police")
    assert wrong.exit_code == 1 and "not suppressed on 'police'" in wrong.output
    assert run("recipients", "unsuppress", "ann@example.org").exit_code == 0
    assert run("recipients", "suppress", "ann@example.org", "--reason", "erased").exit_code == 2


def test_export_and_forget(run, people):
    run("lists", "import", str(people), "--list", "police")
    data = json.loads(run("recipients", "export", "ann@example.org").output)
    assert data["recipient"]["name"] == "Ann" and data["memberships"][0]["list_slug"] == "police"
    assert run("recipients", "forget", "ann@example.org", input="n\n").exit_code == 1  # aborted
    result = run("recipients", "forget", "ann@example.org", input="y\n")
    assert result.exit_code == 0, result.output
    assert "salted hash" in result.output and "'erased'" in result.output
    reimport = run("lists", "import", str(people), "--list", "police")
    assert "erased" in reimport.output
    assert json.loads(run("recipients", "export", "ann@example.org").output)["recipient"] is None


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        (b"", "the file is empty"),
        (b"Name,Team\nAnn,North\n", "no email address column"),
        (b"PK\x03\x04\x00\x00binary", "not a CSV text file"),
    ],
)
def test_bad_files_are_one_line_errors(run, tmp_path, content, message):
    path = tmp_path / "agency.csv"
    if content is not None:
        path.write_bytes(content)
    result = run("lists", "import", str(path), "--list", "police")
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and result.output.count("\n") == 1
    assert "agency.csv" in result.output and message in result.output
    assert "Traceback" not in result.output


def test_bad_slug_and_unknown_list(run, people):
    assert "not a list slug" in run("lists", "import", str(people), "--list", "Police!").output
    missing = run("lists", "show", "nope").output
    assert missing == "error: no list called 'nope' (see: briefcast lists ls)\n"


def test_every_json_document_is_versioned_with_iso_datetimes(run, people):
    run("lists", "import", str(people), "--list", "police")
    for args in (("lists", "ls", "--json"), ("lists", "show", "police", "--json")):
        document = json.loads(run(*args).output)
        assert document["version"] == 1, args
    shown = json.loads(run("lists", "show", "police", "--json").output)
    created = shown["list"]["created_at"]
    assert "T" in created and datetime.fromisoformat(created).tzinfo is not None


def test_a_duplicate_address_column_is_one_line_through_the_command(run, tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("E-mail Address,Name,Email\na@example.org,A,b@example.org\n", encoding="utf-8")
    result = run("lists", "import", str(path), "--list", "police")
    assert result.exit_code == 1
    assert result.output == (
        f"error: {path}: 2 email address columns ('E-mail Address', 'Email'); "
        "keep the one to send to\n"
    )
    assert "no lists yet" in run("lists", "ls").output  # nothing was imported
