"""Lists as spreadsheets (.xlsx, .ods) and as HR exports (a title and blank rows above the header):
read through the same checks as CSV, each row numbered as the spreadsheet shows it."""

from __future__ import annotations

import pytest
from spreadsheets import write_ods, write_xlsx

from briefcast.recipients.csv_source import ListFile, ListFileError, RejectedRow, SourceRow
from briefcast.recipients.sheets import sheet_names

HR_EXPORT = [
    ["Staff list, exported 30 November 2026"],
    [],
    [None, None],
    ["Work Email", "Forename", "Surname", "Employer", "Staff number"],
    ["Ann.Lee@Example.org", "Ann", "Lee", "Northshire Police", 1042],
    [],
    ["not an address", "Bob", "Roe", "Northshire Police", 1043],
    ["cy.day@example.net", "Cy", "Day", "Northshire Council", 1044.0],
]


def _read(path, **options):
    with ListFile(path, **options) as source:
        return source, list(source.rows())


@pytest.mark.parametrize("write", [write_xlsx, write_ods], ids=["xlsx", "ods"])
def test_a_spreadsheet_with_a_title_above_the_header_reads_like_its_csv(tmp_path, write):
    path = write(tmp_path / f"staff.{write.__name__.split('_')[1]}", {"Staff": HR_EXPORT})
    source, rows = _read(path)
    assert source.header_row == 4 and source.sheet == "Staff"
    good = [row for row in rows if isinstance(row, SourceRow)]
    rejected = [row for row in rows if isinstance(row, RejectedRow)]
    assert [(row.number, row.address, row.name, row.organisation) for row in good] == [
        (5, "ann.lee@example.org", "Ann Lee", "Northshire Police"),
        (8, "cy.day@example.net", "Cy Day", "Northshire Council"),
    ]
    # a number stays as typed: 1044, not 1044.0
    assert good[1].attributes == {"Staff number": "1044"}
    assert [(row.number, row.value) for row in rejected] == [(7, "not an address")]


def test_the_first_sheet_unless_another_is_picked(tmp_path):
    path = write_xlsx(
        tmp_path / "two.xlsx",
        {"Notes": [["Email"], ["first@example.org"]], "Team": [["Email"], ["second@example.org"]]},
    )
    assert sheet_names(path) == ["Notes", "Team"]
    assert [row.address for row in _read(path)[1]] == ["first@example.org"]
    assert [row.address for row in _read(path, sheet="Team")[1]] == ["second@example.org"]
    refused = r"two\.xlsx: no sheet called 'Staff' \(it has 'Notes', 'Team'\)"
    with pytest.raises(ListFileError, match=refused):
        ListFile(path, sheet="Staff")


def test_a_csv_with_title_and_blank_lines_above_the_header(tmp_path):
    path = tmp_path / "hr.csv"
    path.write_bytes("Staff list\n\n;\nEmail;Name\nann@example.org;Ann Lee\n".encode("cp1252"))
    source, rows = _read(path)
    assert (source.header_row, source.delimiter) == (4, ";")
    assert [(row.number, row.address) for row in rows] == [(5, "ann@example.org")]


def test_a_tsv_file_is_split_on_tabs(tmp_path):
    path = tmp_path / "list.tsv"
    path.write_text("Email\tName\nann@example.org\tLee, Ann\n", encoding="utf-8")
    assert [row.name for row in _read(path)[1]] == ["Lee, Ann"]


def test_a_person_can_move_a_column(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("Email,Team,Agency\nann@example.org,North,Northshire Police\n")
    source, rows = _read(path, mapping={"organisation": 2, "role": 1})
    assert (rows[0].organisation, rows[0].role) == ("Northshire Police", "North")
    assert source.columns.meaning_of() == {0: "address", 1: "role", 2: "organisation"}
    with pytest.raises(ListFileError, match="one column must be the email address"):
        ListFile(path, mapping={"address": None})
    with pytest.raises(ListFileError, match="there is no column 9"):
        ListFile(path, mapping={"name": 8})
