"""The Lists area in headless Chromium, served by uvicorn: an admin uploads an .xlsx and a messy
CP1252 semicolon CSV, sees the columns and the rejected rows with their row numbers, imports,
finds the members; uploads the CSV again without one row and makes the list match it, which
removes exactly that member after confirming. Authors and approvers are refused. axe-core
(WCAG 2.2 AA: no serious or critical violation) runs over every page visited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from accessibility import assert_accessible
from console_helpers import Console, code_for, h1_on, served_console, sign_in_on_page

from briefcast.recipients import show_list

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MESSY = (
    "Northshire staff list, exported 30/11/2026\r\n"
    "\r\n"
    "E-mail Address;Forename;Surname;Agency\r\n"
    "zoe.ward@example.org;Zoë;Ward;Northshire Police\r\n"
    "sean.obrien@example.net;Seán;O’Brien;Northshire Constabulary\r\n"
    "not-an-address;Bad;Row;Northshire Police\r\n"
    "amy.lane@example.org;Amy;Lane;Northshire Council\r\n"
)
AMY = "amy.lane@example.org;Amy;Lane;Northshire Council\r\n"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Console, str]]:
    with served_console(tmp_path, reports=tmp_path / "reports") as world:
        yield world


def _sign_in(page, url: str, person) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/sign-in")
    sign_in_on_page(page, person.user.email, code=code_for(person))


def _upload(page, path: Path, *, new_list: str = "", existing: str = "") -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("link", name="Lists", exact=True).click()
    page.get_by_role("link", name="Upload a list").click()
    assert h1_on(page) == "Upload a list"
    assert_accessible(page)
    page.get_by_label("Spreadsheet").set_input_files(str(path))
    if existing:
        page.get_by_label("List", exact=True).select_option(existing)
    else:
        page.get_by_label("Or a new list's short name").fill(new_list)
    page.get_by_role("button", name="Upload and check").click()
    # the page refreshes itself (a meta refresh: no script) until the check is done
    page.wait_for_function(
        "() => document.querySelector('h1').textContent !== 'Checking the file'", timeout=60_000
    )
    assert h1_on(page) == "Check the list before importing", page.content()
    assert_accessible(page)


def _rejected_rows(page) -> list[list[str]]:  # type: ignore[no-untyped-def]
    rows = page.locator("table.rejected tbody tr")
    return [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]


def _import(page, button: str = "Import") -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name=button).click()
    page.wait_for_function(
        "() => document.querySelector('h1').textContent !== 'Importing'", timeout=60_000
    )
    assert h1_on(page) == "List imported"
    assert_accessible(page)


def _members(console: Console, slug: str) -> list[str]:
    return [m.address for m in show_list(console.engine, slug, None).members]


def test_an_admin_uploads_checks_imports_finds_and_makes_a_list_match(served, page, tmp_path):
    console, url = served
    ada = console.person("ada.admin@example.org", "Ada Admin", "admin")
    _sign_in(page, url, ada)
    page.get_by_role("link", name="Lists", exact=True).click()
    assert h1_on(page) == "Lists"
    assert_accessible(page)

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Staff"
    for row in (
        ["Children's services staff"],
        [],
        ["Work Email", "Full name", "Employer"],
        ["kim.hart@example.org", "Kim Hart", "Northshire Council"],
        ["kim.hart-at-example.org", "Kim Typo", "Northshire Council"],
    ):
        sheet.append(row)
    xlsx = tmp_path / "childrens-services.xlsx"
    book.save(xlsx)
    _upload(page, xlsx, new_list="childrens-services")
    assert page.get_by_label("Column 1, Work Email, taken as").input_value() == "address"
    assert page.get_by_label("Column 3, Employer, taken as").input_value() == "organisation"
    assert [row[0] for row in _rejected_rows(page)] == ["5"]
    _import(page)
    assert _members(console, "childrens-services") == ["kim.hart@example.org"]

    messy = tmp_path / "northshire.csv"
    messy.write_bytes(MESSY.encode("cp1252"))
    _upload(page, messy, new_list="northshire")
    assert page.get_by_label("Column 2, Forename, taken as").input_value() == "first_name"
    rejected = _rejected_rows(page)
    assert [(row[0], row[1]) for row in rejected] == [("6", "not-an-address")]
    _import(page)

    page.get_by_role("link", name="Find people on the lists").click()
    assert h1_on(page) == "People on the lists"
    assert_accessible(page)
    page.get_by_label("Name, address or organisation").fill("Seán")
    page.get_by_role("button", name="Search").click()
    assert_accessible(page)
    page.get_by_role("link", name="Seán O’Brien").click()
    assert h1_on(page) == "Seán O’Brien" and "/lists/people/" in page.url and "@" not in page.url
    assert "Northshire Constabulary" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Erase this person…").click()
    assert h1_on(page) == "Erase this person"
    assert_accessible(page)  # only looked at: nobody is erased here

    smaller = tmp_path / "northshire-without-amy.csv"
    smaller.write_bytes(MESSY.replace(AMY, "").encode("cp1252"))
    _upload(page, smaller, existing="northshire")
    page.get_by_role("link", name="Make the list match this file").click()
    assert h1_on(page) == "Make the list match this file"
    assert "amy.lane@example.org" in page.locator("main").inner_text()
    assert_accessible(page)
    assert len(_members(console, "northshire")) == 3  # not before confirming
    _import(page, "Remove 1 and import")
    assert _members(console, "northshire") == ["sean.obrien@example.net", "zoe.ward@example.org"]

    page.get_by_role("link", name="Lists", exact=True).click()
    page.get_by_role("link", name="Organisations").click()
    assert h1_on(page) == "Organisations"
    assert_accessible(page)


@pytest.mark.parametrize("role", ["author", "approver"])
def test_authors_and_approvers_are_refused_in_the_browser(served, page, role):
    console, url = served
    someone = console.person(f"{role}@example.org", f"A {role.title()}", role)
    _sign_in(page, url, someone)
    assert page.get_by_role("link", name="Lists", exact=True).count() == 0
    for path in ("/lists", "/lists/upload", "/lists/people", "/lists/organisations"):
        answer = page.goto(f"{url}{path}")
        assert answer.status == 403 and h1_on(page) == "You cannot use this page", path
    assert_accessible(page)
