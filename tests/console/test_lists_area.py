"""The Lists area through Starlette's TestClient on both databases: upload, check, import, sync
with its confirmation, people (search, page, suppression, export, erasure), organisations, and
that only admins get in."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from html import unescape

import pytest
from console_helpers import Console, csrf_of, h1_of, make_settings

from briefcast.store import open_database
from briefcast.store.audit import history
from briefcast.store.engine import read

# A messy export: Windows-1252 (the é of Zoë, the ’ of O’Brien), semicolons, a title line,
# a blank line, a bad address, a repeated address and an Excel formula in a name.
MESSY = (
    "Northshire staff list, exported 30/11/2026\r\n"
    "\r\n"
    "E-mail Address;Forename;Surname;Agency\r\n"
    "zoe.ward@example.org;Zoë;Ward;Northshire Police\r\n"
    "sean.obrien@example.net;Seán;O’Brien;Northshire Constabulary\r\n"
    "not-an-address;Bad;Row;Northshire Police\r\n"
    "ZOE.WARD@example.org;Zoë;Again;Northshire Police\r\n"
    '=HYPERLINK("http://example.net");Formula;Cell;Northshire Council\r\n'
    "amy.lane@example.org;Amy;Lane;Northshire Council\r\n"
).encode("cp1252")


@pytest.fixture
def admin(console: Console, tmp_path):
    console = console.with_settings(reports=tmp_path / "reports")
    ada = console.person("ada.admin@example.org", "Ada Admin", "admin")
    client = console.client()
    console.sign_in(client, ada)
    return console, client


def _upload(client, data: bytes, name: str, **fields: str):
    page = client.get("/lists/upload")
    form = {"csrf_token": csrf_of(page.text), "list": "", "new_list": "", "sheet": ""}
    answer = client.post(
        "/lists/upload", data={**form, **fields}, files={"spreadsheet": (name, data)}
    )
    return _settled(client, answer)


def _settled(client, answer, seconds: float = 60):
    """Follow the self-refreshing page until the background work is done."""
    deadline = time.monotonic() + seconds
    while h1_of(answer.text) in ("Checking the file", "Importing"):
        assert '<meta http-equiv="refresh" content="2">' in answer.text  # works without JS
        assert time.monotonic() < deadline, "the check did not finish"
        time.sleep(0.1)
        answer = client.get(str(answer.url))
    return answer


def _post(client, page, path: str, **data: str):
    return _settled(client, client.post(path, data={"csrf_token": csrf_of(page.text), **data}))


def _members(console: Console, slug: str) -> list[str]:
    from briefcast.recipients import show_list
    from briefcast.recipients.lists import ListError

    try:
        return [m.address for m in show_list(console.engine, slug, None).members]
    except ListError:  # not made yet: the check changes nothing, not even that
        return []


def _cells(html: str, table_class: str) -> list[list[str]]:
    body = re.search(rf'<table class="{table_class}">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert body, table_class
    return [
        [
            unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    ]


def test_a_messy_csv_is_checked_then_imported_in_one_go(admin):
    console, client = admin
    check = _upload(client, MESSY, "staff.csv", new_list="northshire")
    assert h1_of(check.text) == "Check the list before importing", check.text
    assert "the column names are on row 3" in check.text
    # the mapping: which column was taken for what
    assert re.search(r'id="column-0".*?<option value="address" selected>', check.text, re.S)
    assert re.search(r'id="column-3".*?<option value="organisation" selected>', check.text, re.S)
    rejected = _cells(check.text, "rejected")
    assert [row[0] for row in rejected] == ["6", "8"]  # the rows as the file numbers them
    assert rejected[0][1] == "not-an-address" and "@" in rejected[0][2]
    counts = dict(
        (unescape(k), v)
        for k, v in re.findall(r'<th scope="row">(.*?)</th><td>(\d+)</td>', check.text)
    )
    assert counts["Added"] == "3" and counts["Rejected"] == "2"
    assert counts["Repeated further down (the first row is used)"] == "1"
    assert _members(console, "northshire") == []  # nothing changed before Import
    download = client.get(re.search(r'href="(/lists/uploads/[^"]+/rejected\.csv)"', check.text)[1])
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["cache-control"] == "no-store"  # addresses: never kept by a cache
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0] == ["row", "value", "reason"]
    assert rows[2][:2] == ["8", '\'=HYPERLINK("http://example.net")']  # neutralised
    done = _post(
        client,
        check,
        re.search(r'action="(/lists/uploads/[^"]+/import)"', check.text)[1],
        sync="no",
    )
    assert h1_of(done.text) == "List imported"
    assert "2 rejected, 1 repeated row." in done.text  # one row, said as one
    assert _members(console, "northshire") == [
        "amy.lane@example.org",
        "sean.obrien@example.net",
        "zoe.ward@example.org",
    ]
    with read(console.engine) as conn:
        (entry,) = history(conn, action_prefix="list.imported")
    assert entry.actor.name == "Ada Admin" and entry.details["added"] == 3
    listed = client.get("/lists")
    assert "staff.csv" in listed.text and "by Ada Admin" in listed.text


def test_make_the_list_match_the_file_removes_exactly_the_missing_member(admin):
    console, client = admin
    first = _upload(client, MESSY, "staff.csv", new_list="northshire")
    _post(
        client,
        first,
        re.search(r'action="(/lists/uploads/[^"]+/import)"', first.text)[1],
        sync="no",
    )
    smaller = MESSY.replace(b"amy.lane@example.org;Amy;Lane;Northshire Council\r\n", b"")
    check = _upload(client, smaller, "staff.csv", list="northshire")
    match = client.get(re.search(r'href="(/lists/uploads/[^"]+/match)"', check.text)[1])
    assert h1_of(match.text) == "Make the list match this file"
    assert "1 person will be taken off" in match.text and "amy.lane@example.org" in match.text
    assert len(_members(console, "northshire")) == 3  # still nothing changed
    action = re.search(r'action="(/lists/uploads/[^"]+/import)"', match.text)[1]
    done = _post(client, match, action, sync="yes")
    assert h1_of(done.text) == "List imported" and "1 removed" in done.text
    assert _members(console, "northshire") == ["sean.obrien@example.net", "zoe.ward@example.org"]


def test_a_column_taken_wrongly_can_be_changed_and_checked_again(admin):
    console, client = admin
    data = b"Email,Team,Employer\nann@example.org,North,Northshire Police\n"
    check = _upload(client, data, "team.csv", new_list="team")
    assert re.search(r'id="column-2".*?<option value="organisation" selected>', check.text, re.S)
    action = re.search(r'action="(/lists/uploads/[^"]+/columns)"', check.text)[1]
    again = _post(client, check, action, **{"column-0": "address", "column-1": "organisation"})
    assert re.search(r'id="column-1".*?<option value="organisation" selected>', again.text, re.S)
    refused = _post(client, again, action, **{"column-0": "name", "column-1": "name"})
    assert "Only one column can be the name" in refused.text
    _post(
        client,
        again,
        re.search(r'action="(/lists/uploads/[^"]+/import)"', again.text)[1],
        sync="no",
    )
    from briefcast.recipients import export_person

    held = export_person(console.engine, "ann@example.org")
    assert held["recipient"]["organisation"] == "North"
    assert held["recipient"]["attributes"] == {"Employer": "Northshire Police"}


def test_a_file_that_cannot_be_read_says_why_in_one_line(admin):
    _console, client = admin
    failed = _upload(client, b"Name;Team\nAnn;North\n", "no-address.csv", new_list="team")
    assert h1_of(failed.text) == "The file could not be used"
    assert "no email address column in the header row" in failed.text
    form = client.get("/lists/upload")
    wrong = client.post(
        "/lists/upload",
        data={"csrf_token": csrf_of(form.text), "list": "", "new_list": "Not A Slug"},
        files={"spreadsheet": ("list.pdf", b"%PDF")},
    )
    assert wrong.status_code == 400
    assert "must be a .csv, .tsv, .xlsx or .ods file" in wrong.text
    assert "is not a list slug" in wrong.text


@pytest.fixture
def imported(admin):
    console, client = admin
    check = _upload(client, MESSY, "staff.csv", new_list="northshire")
    _post(
        client,
        check,
        re.search(r'action="(/lists/uploads/[^"]+/import)"', check.text)[1],
        sync="no",
    )
    return console, client


def _person_path(client, query: str) -> tuple[str, str]:
    page = client.get("/lists/people")
    found = client.post("/lists/people", data={"csrf_token": csrf_of(page.text), "q": query})
    assert h1_of(found.text) == "People on the lists"
    return re.search(r'href="(/lists/people/\d+)"', found.text)[1], found.text


def test_people_are_found_and_addressed_by_id_on_pages_not_kept_by_caches(imported):
    _console, client = imported
    path, results = _person_path(client, "o’brien")
    assert "sean.obrien@example.net" in results and "Northshire Constabulary" in results
    assert re.fullmatch(r"/lists/people/\d+", path)  # an id, never the address
    page = client.get(path)
    assert h1_of(page.text) == "Seán O’Brien"
    assert page.headers["cache-control"] == "no-store"
    assert "Northshire" in page.text and "staff.csv" in page.text
    short = client.post("/lists/people", data={"csrf_token": csrf_of(page.text), "q": "o"})
    assert short.status_code == 400 and "at least 3 letters" in short.text
    assert client.get("/lists/people/999999").status_code == 404


def test_suppress_unsuppress_export_and_erase_from_the_person_page(imported):
    console, client = imported
    path, _ = _person_path(client, "zoe.ward")
    page = client.get(path)
    suppressed = client.post(
        path,
        data={"csrf_token": csrf_of(page.text), "action": "suppress", "reason": "manual",
              "list": "", "note": "long-term leave"},
    )  # fmt: skip
    assert "Suppressed: nothing more is sent to them" in suppressed.text
    assert "Every list" in suppressed.text
    no_reason = client.post(
        path, data={"csrf_token": csrf_of(page.text), "action": "unsuppress", "list": ""}
    )
    assert "Say why the suppression is lifted" in no_reason.text
    lifted = client.post(
        path,
        data={"csrf_token": csrf_of(page.text), "action": "unsuppress", "list": "",
              "why": "back from leave"},
    )  # fmt: skip
    assert "The suppression is lifted" in lifted.text and "Not suppressed." in lifted.text
    export = client.post(
        f"{path}/export", data={"csrf_token": csrf_of(page.text), "why": "SAR received by post"}
    )
    assert export.headers["content-disposition"].startswith("attachment;")
    assert export.headers["cache-control"] == "no-store"
    assert "@" not in export.headers["content-disposition"]
    assert json.loads(export.text)["address"] == "zoe.ward@example.org"
    with read(console.engine) as conn:
        actions = [(e.action, e.actor.name, e.reason, (e.details or {}).get("why")) for e in
                   history(conn, action_prefix="recipient.")]  # fmt: skip
    assert actions == [
        ("recipient.suppressed", "Ada Admin", "long-term leave", None),
        ("recipient.unsuppressed", "Ada Admin", "back from leave", None),
        ("recipient.exported", "Ada Admin", None, "SAR received by post"),
    ]
    confirm = client.get(f"{path}/erase")
    assert "1 list memberships: Northshire" in unescape(confirm.text)
    assert "zoe.ward@example.org" in confirm.text and "cannot be undone" in confirm.text
    erased = client.post(f"{path}/erase", data={"csrf_token": csrf_of(confirm.text)})
    assert "Erased: their details, 1 list memberships" in erased.text
    assert "zoe.ward@example.org" not in _members(console, "northshire")
    assert client.get(path).status_code == 404


def test_organisations_are_merged_for_the_report(imported):
    console, client = imported
    page = client.get("/lists/organisations")
    assert h1_of(page.text) == "Organisations"
    merged = client.post(
        "/lists/organisations",
        data={
            "csrf_token": csrf_of(page.text),
            "action": "merge",
            "name": ["Northshire Police", "Northshire Constabulary"],
            "into": "Northshire Police",
        },
    )
    assert "Merged into Northshire Police" in merged.text
    from briefcast.recipients.organisations import organisations

    reported = {o.name: o.reported_as for o in organisations(console.engine)}
    assert reported == {
        "Northshire Police": "Northshire Police",
        "Northshire Constabulary": "Northshire Police",
        "Northshire Council": "Northshire Council",
    }


LIST_PAGES = ["/lists", "/lists/upload", "/lists/people", "/lists/organisations"]


@pytest.mark.parametrize("role", ["author", "approver"])
def test_authors_and_approvers_are_refused_every_list_and_people_page(console, role):
    ada = console.person("ada.admin@example.org", "Ada Admin", "admin")
    other = console.person(f"{role}@example.org", f"A {role.title()}", role)
    admin_client, client = console.client(), console.client()
    console.sign_in(admin_client, ada)
    console.sign_in(client, other)
    assert 'href="/lists"' not in client.get("/").text  # not in their navigation
    token = csrf_of(client.get("/").text)
    for path in [*LIST_PAGES, "/lists/people/1", "/lists/people/1/erase", "/lists/uploads/x"]:
        answer = client.get(path)
        assert answer.status_code == 403, path
        assert h1_of(answer.text) == "You cannot use this page"
    posts = ["/lists/upload", "/lists/people", "/lists/people/1/export", "/lists/people/1/erase"]
    for path in [*posts, "/lists/organisations", "/lists/uploads/x/import"]:
        assert client.post(path, data={"csrf_token": token}).status_code == 403, path


@pytest.mark.slow
def test_a_100000_row_upload_is_checked_and_imported_in_the_background(tmp_path):
    # on SQLite, the embedded default (and the slower of the two to write)
    url = f"sqlite:///{tmp_path / 'large.db'}"
    engine = open_database(url)
    console = Console(engine, make_settings(url, tmp_path, reports=tmp_path / "reports"))
    ada = console.person("ada.admin@example.org", "Ada Admin", "admin")
    client = console.client()
    console.sign_in(client, ada)
    lines = ["Email;Name;Organisation"] + [
        f"person{n:06d}@example.org;Person {n:06d};Agency {n % 7}" for n in range(100_000)
    ]
    page = client.get("/lists/upload")
    answer = client.post(
        "/lists/upload",
        data={"csrf_token": csrf_of(page.text), "list": "", "new_list": "everyone", "sheet": ""},
        files={"spreadsheet": ("everyone.csv", "\n".join(lines).encode())},
        follow_redirects=False,
    )
    # the request only stores the file: the check runs after the answer, in the background
    assert answer.status_code == 303 and answer.headers["location"].startswith("/lists/uploads/")
    check = _settled(client, client.get(answer.headers["location"]), seconds=300)
    assert '<th scope="row">Added</th><td>100000</td>' in check.text
    action = re.search(r'action="(/lists/uploads/[^"]+/import)"', check.text)[1]
    done = _post(client, check, action, sync="no")
    assert h1_of(done.text) == "List imported" and "100000 added" in done.text
    from briefcast.recipients import list_overview

    assert list_overview(console.engine)[0].counts.members == 100_000
    path, _ = _person_path(client, "person099999")
    assert h1_of(client.get(path).text) == "Person 099999"
    engine.dispose()


def test_another_sheet_of_a_workbook_can_be_picked_on_the_check_page(admin, tmp_path):
    import openpyxl

    _console, client = admin
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["Email"])
    book.active.append(["notes@example.org"])
    team = book.create_sheet("Team")
    team.append(["Email", "Name"])
    team.append(["kim@example.org", "Kim"])
    team.append(["sam@example.org", "Sam"])
    book.save(tmp_path / "two.xlsx")
    check = _upload(client, (tmp_path / "two.xlsx").read_bytes(), "two.xlsx", new_list="team")
    assert "from the sheet “Notes”" in check.text
    action = re.search(r'action="(/lists/uploads/[^"]+/sheet)"', check.text)[1]
    again = _post(client, check, action, sheet="Team")
    assert "from the sheet “Team”" in again.text
    assert '<th scope="row">Added</th><td>2</td>' in again.text
