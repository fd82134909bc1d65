"""Uploads kept in the database (issue 12's leftover), on SQLite and PostgreSQL: two console apps
on one database serve one upload (uploaded on one, checked and imported on the other), a console
stopped mid-check or mid-import is taken over, uploads expire after a day, Cancel deletes, and an
erasure deletes the uploads whose file holds the address and scrubs the others."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from console_helpers import Console, h1_of
from sqlalchemy import select
from test_lists_area import MESSY, _members, _post, _settled, _upload

from briefcast.console import list_uploads
from briefcast.recipients import export_person
from briefcast.recipients.subject_requests import forget
from briefcast.store.engine import read
from briefcast.store.schema import list_uploads as uploads_table
from briefcast.store.schema import utcnow


@pytest.fixture
def two_consoles(console: Console, tmp_path):
    """Two console apps (two processes, as far as uploads go) on one database, one person signed
    in on the first; the second browser carries the same session cookie (sessions live in the
    database too)."""
    console = console.with_settings(reports=tmp_path / "reports")
    ada = console.person("ada.admin@example.org", "Ada Admin", "admin")
    first, second = console.client(), console.client()
    assert first.app is not second.app
    console.sign_in(first, ada)
    second.cookies.update(first.cookies)
    return console, first, second


def _action(page, what: str) -> str:
    return re.search(rf'action="(/lists/uploads/[^"]+/{what})"', page.text)[1]


def _rows(console: Console) -> list[tuple[str, str, bool]]:
    c = uploads_table.c
    with read(console.engine) as conn:
        query = select(c.file_name, c.state, c.data.is_not(None)).order_by(c.created_at)
        return [tuple(row) for row in conn.execute(query)]


def test_uploaded_on_one_console_checked_and_imported_on_another(two_consoles):
    console, first, second = two_consoles
    check = _upload(first, MESSY, "staff.csv", new_list="northshire")
    assert h1_of(check.text) == "Check the list before importing"
    # the other process shows the same check page, rejected rows and download included
    elsewhere = second.get(str(check.url))
    assert h1_of(elsewhere.text) == "Check the list before importing"
    assert '<th scope="row">Added</th><td>3</td>' in elsewhere.text
    assert "not-an-address" in elsewhere.text
    assert second.get(_rejected_link(elsewhere)).text.startswith("row,value,reason")
    done = _post(second, elsewhere, _action(elsewhere, "import"), sync="no")
    assert h1_of(done.text) == "List imported" and "3 added" in done.text
    assert h1_of(first.get(str(check.url)).text) == "List imported"  # and back on the first
    assert len(_members(console, "northshire")) == 3
    # imported: the file and everything naming people are gone; the counts stay for the page
    assert _rows(console) == [("staff.csv", "imported", False)]
    twice = _post(first, elsewhere, _action(elsewhere, "import"), sync="no")
    assert h1_of(twice.text) == "List imported" and len(_members(console, "northshire")) == 3


def _rejected_link(page) -> str:
    return re.search(r'href="(/lists/uploads/[^"]+/rejected\.csv)"', page.text)[1]


def test_the_progress_of_a_run_shows_on_the_other_console(two_consoles, monkeypatch):
    _console, first, second = two_consoles
    real, gate = list_uploads.import_list, threading.Event()

    def halfway(*args, **options):  # the check says how far it is, then waits to be let on
        options["on_progress"](50, 100)
        assert gate.wait(30)
        return real(*args, **options)

    monkeypatch.setattr(list_uploads, "import_list", halfway)
    answer = first.post(
        "/lists/upload",
        data={"csrf_token": _token(first), "list": "", "new_list": "northshire", "sheet": ""},
        files={"spreadsheet": ("staff.csv", MESSY)},
    )
    deadline = time.monotonic() + 10
    while "Reading and checking every row: 50%" not in (page := second.get(str(answer.url))).text:
        assert time.monotonic() < deadline, page.text
        time.sleep(0.05)
    assert '<meta http-equiv="refresh" content="2">' in page.text
    gate.set()
    assert h1_of(_settled(second, page).text) == "Check the list before importing"


def test_a_restart_between_upload_and_import_loses_nothing(two_consoles):
    console, first, _second = two_consoles
    check = _upload(first, MESSY, "staff.csv", new_list="northshire")
    restarted = console.client()  # a new process: nothing of the first is in its memory
    restarted.cookies.update(first.cookies)
    page = restarted.get(str(check.url))
    assert h1_of(page.text) == "Check the list before importing"
    done = _post(restarted, page, _action(page, "import"), sync="no")
    assert h1_of(done.text) == "List imported" and len(_members(console, "northshire")) == 3


def test_a_check_and_an_import_whose_console_stopped_are_taken_over(two_consoles, monkeypatch):
    console, first, second = two_consoles
    # the first console stops working on anything it starts, as if killed right after the request
    monkeypatch.setattr(first.app.state.list_uploads, "_work", lambda *args: None)
    answer = first.post(
        "/lists/upload",
        data={"csrf_token": _token(first), "list": "", "new_list": "northshire", "sheet": ""},
        files={"spreadsheet": ("staff.csv", MESSY)},
    )
    assert h1_of(answer.text) == "Checking the file"
    assert h1_of(second.get(str(answer.url)).text) == "Checking the file"  # it may be working
    monkeypatch.setattr(list_uploads, "STALE_AFTER", timedelta(0))  # ... and now it is quiet
    check = _settled(second, second.get(str(answer.url)))
    assert h1_of(check.text) == "Check the list before importing"  # checked again by the second
    assert "The check was started again" in check.text
    monkeypatch.setattr(list_uploads, "STALE_AFTER", timedelta(seconds=60))
    stopped = first.post(_action(check, "import"), data={"csrf_token": _token(first), "sync": "no"})
    assert h1_of(stopped.text) == "Importing"
    assert h1_of(second.get(str(answer.url)).text) == "Importing"  # it may be working
    monkeypatch.setattr(list_uploads, "STALE_AFTER", timedelta(0))  # ... and now it is quiet
    handed_back = second.get(str(answer.url))
    assert h1_of(handed_back.text) == "Check the list before importing"
    assert "The import stopped before it finished" in handed_back.text
    assert _members(console, "northshire") == []  # the stopped import changed nothing
    assert "The import stopped" not in second.get(str(answer.url)).text  # said once
    done = _post(second, handed_back, _action(handed_back, "import"), sync="no")
    assert h1_of(done.text) == "List imported" and len(_members(console, "northshire")) == 3


def test_a_check_that_stops_its_console_twice_is_given_up(two_consoles, monkeypatch):
    _console, first, second = two_consoles
    for client in (first, second):  # neither ever gets to work: both stop, say
        monkeypatch.setattr(client.app.state.list_uploads, "_work", lambda *args: None)
    answer = first.post(
        "/lists/upload",
        data={"csrf_token": _token(first), "list": "", "new_list": "northshire", "sheet": ""},
        files={"spreadsheet": ("staff.csv", MESSY)},
    )
    monkeypatch.setattr(list_uploads, "STALE_AFTER", timedelta(0))
    assert h1_of(second.get(str(answer.url)).text) == "Checking the file"  # started again
    failed = second.get(str(answer.url))
    assert h1_of(failed.text) == "The file could not be used"
    assert "the check stopped twice before it finished" in failed.text


def _search(client, query: str):
    from console_helpers import csrf_of

    page = client.get("/lists/people")
    return client.post("/lists/people", data={"csrf_token": csrf_of(page.text), "q": query})


def _token(client) -> str:
    from console_helpers import csrf_of

    return csrf_of(client.get("/lists/upload").text)


def test_uploads_expire_after_a_day_and_cancel_deletes_at_once(two_consoles):
    console, first, second = two_consoles
    kept = _upload(first, MESSY, "kept.csv", new_list="northshire")
    cancelled = _upload(first, MESSY, "cancelled.csv", new_list="northshire")
    gone = _post(second, cancelled, _action(cancelled, "cancel"))
    assert h1_of(gone.text) == "Lists" and "cancelled.csv was deleted" in gone.text
    assert first.get(str(cancelled.url)).status_code == 404
    assert [row[0] for row in _rows(console)] == ["kept.csv"]
    uploads = second.app.state.list_uploads
    uploads.tidy(now=utcnow() + timedelta(hours=23))
    assert h1_of(first.get(str(kept.url)).text) == "Check the list before importing"
    uploads.tidy(now=utcnow() + list_uploads.KEPT_FOR + timedelta(minutes=1))
    assert first.get(str(kept.url)).status_code == 404 and _rows(console) == []


def test_a_console_starting_removes_expired_uploads(two_consoles, monkeypatch):
    console, first, _second = two_consoles
    _upload(first, MESSY, "old.csv", new_list="northshire")
    with console.client():  # started (its lifespan runs): a day has not passed
        pass
    assert [row[0] for row in _rows(console)] == ["old.csv"]
    monkeypatch.setattr(list_uploads, "KEPT_FOR", timedelta(0))  # ... and now it has
    with console.client():
        pass
    assert _rows(console) == []


def test_erasure_deletes_the_uploads_holding_the_address_and_scrubs_the_rest(
    two_consoles, tmp_path
):
    import openpyxl

    console, first, _second = two_consoles
    done = _upload(first, MESSY, "staff.csv", new_list="northshire")
    _post(first, done, _action(done, "import"), sync="no")  # zoe.ward is a member now
    without_her = MESSY.replace(b"zoe.ward@example.org;", b"").replace(b"ZOE.WARD", b"kim")
    _upload(first, without_her, "without-zoe.csv", list="northshire")  # its check names her
    book = openpyxl.Workbook()
    book.active.append(["Email", "Name"])
    book.active.append(["Zoe.Ward@example.org", "Zoë Ward"])
    book.save(tmp_path / "zoe.xlsx")
    _upload(first, (tmp_path / "zoe.xlsx").read_bytes(), "zoe.xlsx", list="northshire")
    _upload(first, MESSY, "messy.csv", list="northshire")
    person = re.search(r'href="(/lists/people/\d+)"', _search(first, "zoe.ward").text)[1]
    confirm = first.get(f"{person}/erase")
    assert "2 uploaded lists not imported yet that hold their address: zoe.xlsx, messy.csv" in (
        confirm.text
    )
    key = console.settings.secret_key
    held = export_person(console.engine, "zoe.ward@example.org", key)
    assert [(u["file_name"], u["uploaded_by"]) for u in held["pending_uploads"]] == [
        ("zoe.xlsx", "Ada Admin"),
        ("messy.csv", "Ada Admin"),
    ]
    report = forget(console.engine, "zoe.ward@example.org", key)
    assert report.uploads_deleted == 2
    assert [row[0] for row in _rows(console)] == ["staff.csv", "without-zoe.csv"]
    c = uploads_table.c
    with read(console.engine) as conn:
        stored = conn.execute(select(c.check_report).where(c.file_name == "without-zoe.csv"))
        (check,) = stored.scalars()
    assert "[erased]" in check["removed_sample"]
    assert "zoe.ward" not in str(check).lower()
    if console.engine.dialect.name == "sqlite":  # nothing of hers left in the file's bytes
        database = Path(console.engine.url.database)
        for path in (database, database.with_name(database.name + "-wal")):
            if path.exists():
                assert b"zoe.ward" not in path.read_bytes().lower(), path
    amy = export_person(console.engine, "amy.lane@example.org", key)["pending_uploads"]
    assert [u["file_name"] for u in amy] == ["without-zoe.csv"]
    assert export_person(console.engine, "nobody@example.org", key)["pending_uploads"] == []
