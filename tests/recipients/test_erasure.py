"""`recipients forget` erases: the address is in no column, no byte of the SQLite file or its WAL,
and no outbox message or report once the files it lists are purged. Through the real commands.

The person is everywhere a real run puts them: on two lists, sent an issue through the outbox,
quoted by a relay's refusal in an issue's pause reason, a ledger row's error and the audit trail
(in another letter case, as relays echo it), and in a `report --detail` file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from ledger_rows import database_contents
from scheduling import outbox_environ, write_campaign
from sqlalchemy import update

from briefcast.cli import app
from briefcast.store import open_database
from briefcast.store.audit import Actor, history, record
from briefcast.store.engine import write
from briefcast.store.schema import deliveries, issues

JANE = "jane.doe@example.org"
QUOTED = "550 5.1.1 <Jane.Doe@Example.ORG>: Recipient address rejected: User unknown"
PEOPLE = f"Email,Name\n{JANE},Jane Doe\nsam.roe@example.net,Sam Roe\n"


@pytest.fixture
def world(database_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # report-*.csv is written here, as by default
    env = {**outbox_environ(database_url, tmp_path), "BRIEFCAST_REPORTS": str(tmp_path / "r")}

    def run(*args: str):
        result = CliRunner().invoke(app, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result.output

    (tmp_path / "agency").mkdir()  # the agencies' own files: theirs to erase, not briefcast's
    for slug in ("police", "health"):
        people = tmp_path / "agency" / f"{slug}.csv"
        people.write_text(PEOPLE, encoding="utf-8")
        run("lists", "import", str(people), "--list", slug)
    run("schedule", str(write_campaign(tmp_path)), "--approved-by", "Alex Example")
    run("send-now", "spring-briefing", "--issue", "1")
    engine = open_database(database_url)
    with write(engine) as conn:  # what a relay's refusal leaves behind
        conn.execute(update(issues).where(issues.c.number == 2).values(state_reason=QUOTED))
        conn.execute(update(deliveries).values(last_error=f"an earlier try: {QUOTED}"))
        record(
            conn,
            Actor.process("worker mail-1"),
            "issue.paused",
            issue_id=2,
            reason=QUOTED,
            details={"refused": [JANE.upper()], "count": 1},
        )
    run("report", "spring-briefing", "--format", "csv", "--detail", "--out", "report-sb.csv")
    assert JANE in (tmp_path / "report-sb.csv").read_text(encoding="utf-8")
    yield run, engine, tmp_path
    engine.dispose()


def holders(folder: Path) -> list[Path]:
    files = (path for path in folder.rglob("*") if path.is_file())
    return sorted(path for path in files if b"jane.doe" in path.read_bytes().lower())


def test_forget_leaves_no_trace_in_the_database(world, database_url):
    run, engine, tmp_path = world
    output = run("recipients", "forget", JANE, "--yes")
    assert f"erased {JANE}" in output and "rewritten out of" in output
    contents = repr(database_contents(engine)).lower()
    assert "jane.doe" not in contents
    assert "sam.roe@example.net" in contents  # the others are untouched
    with engine.connect() as conn:
        (entry,) = history(conn, action_prefix="issue.paused")
    assert entry.reason == "550 5.1.1 <[erased]>: Recipient address rejected: User unknown"
    assert entry.details == {"refused": ["[erased]"], "count": 1}
    with engine.connect() as conn:
        (erased,) = history(conn, action_prefix="recipient.erased")
    assert erased.actor.kind == "person" and erased.details["memberships"] == 2
    if database_url.startswith("sqlite"):
        files = [tmp_path / "briefcast.db", tmp_path / "briefcast.db-wal"]
        for path in files:
            if path.exists():
                assert b"jane.doe" not in path.read_bytes().lower(), path


def test_forget_lists_the_files_that_still_name_them_and_purges_them(world):
    run, _engine, tmp_path = world
    sent = holders(tmp_path / "outbox")
    assert len(sent) == 1  # her message: one for the issue, though she is on two lists
    output = run("recipients", "forget", JANE, "--yes")
    assert "2 files outside the database still name them" in output
    assert f"  {sent[0]}\n" in output and f"  {tmp_path / 'report-sb.csv'}\n" in output
    assert holders(tmp_path / "outbox") == sent  # listed, not deleted
    purged = run("recipients", "forget", JANE, "--yes", "--purge-files")
    assert f"{JANE} was already erased" in purged and "deleted 2 files" in purged
    assert [path for path in holders(tmp_path) if "agency" not in path.parts] == []
    others = [p for p in (tmp_path / "outbox").rglob("*") if p.is_file()]
    assert len(others) == 1 and b"sam.roe@example.net" in others[0].read_bytes()  # Sam's stays
    assert "No file in the outbox" in run("recipients", "forget", JANE, "--yes")
