"""Reading agency CSV files: encodings, delimiters, header variants, rejected rows, bad files."""

import codecs

import pytest

from briefcast.recipients.csv_source import ListFile, ListFileError, RejectedRow, SourceRow


def read(path):
    with ListFile(path) as source:
        return source, list(source.rows())


@pytest.mark.parametrize(
    "header",
    [
        "Email,First name,Surname,Organisation,Job title",
        "E-mail Address,First Name,Last Name,Organization,Role",
        "email_address,forename,surname,agency,job_title",
        "EMAIL,FIRST_NAME,SURNAME,ORGANISATION,ROLE",
        "Email,First name,Surname,School,Role",  # a schools' list
    ],
)
def test_header_variants(write_csv, header):
    _, rows = read(write_csv(f"{header}\nann.ash@example.org,Ann,Ash,Police,Sergeant\n"))
    assert rows == [SourceRow(2, "ann.ash@example.org", "Ann Ash", "Police", "Sergeant", {})]


def test_full_name_column_and_other_columns_kept_as_attributes(write_csv):
    _, rows = read(write_csv("Name,Email,Team\nBo Birch,bo@example.net,North\n"))
    assert rows == [SourceRow(2, "bo@example.net", "Bo Birch", None, None, {"Team": "North"})]


def test_cp1252_with_an_accented_name(write_csv):
    source, rows = read(write_csv("Email,Name\nzoe@example.org,Zoë Élan\n", encoding="cp1252"))
    assert source.encoding == "cp1252"
    assert rows[0].name == "Zoë Élan"


def test_utf8_with_bom_does_not_spoil_the_first_header(write_csv):
    path = write_csv("\ufeffEmail;Name\nzoe@example.org;Zoë\n")
    source, rows = read(path)
    assert source.encoding == "utf-8-sig"
    assert rows[0].address == "zoe@example.org"


def test_utf16_unicode_text_from_excel(tmp_path):
    path = tmp_path / "list.txt"
    text = "Email\tName\r\nzoe@example.org\tZoë\r\n"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    source, rows = read(path)
    assert (source.delimiter, rows[0].name) == ("\t", "Zoë")


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_is_sniffed(write_csv, delimiter):
    text = delimiter.join(["Email", "Name", "Organisation"]) + "\n"
    text += delimiter.join(["cy@example.org", '"Cy, Jr"', "Health"]) + "\n"
    source, rows = read(write_csv(text))
    assert source.delimiter == delimiter
    assert (rows[0].name, rows[0].organisation) == ("Cy, Jr", "Health")


def test_address_normalised_and_name_nfc(write_csv):
    _, rows = read(write_csv("Email,Name\n  Dee.Dale@EXAMPLE.Org ,Ze\u0301\n"))
    assert rows[0].address == "dee.dale@example.org"
    assert rows[0].name == "Z\u00e9"


def test_role_and_shared_mailboxes_are_accepted(write_csv):
    _, rows = read(write_csv("Email\nsafeguarding@example.org\nfrontdoor@example.net\n"))
    assert [r.address for r in rows] == ["safeguarding@example.org", "frontdoor@example.net"]


@pytest.mark.parametrize(
    "cells, reason",
    [
        ("not-an-address,Ann", "invalid address"),
        (",Blank Email", "no address"),
        ('ann@example.org,"Ann\r\nBcc: all@example.net"', "line break or control character"),
        ('ann@example.org,"Ann\x0bAsh"', "control character"),
        ("ann@example.org,Ann\u2028Ash", "control character"),
        ("ann@example.org,Ann,surplus", "more values than the header"),
    ],
)
def test_rejected_rows_say_why(write_csv, cells, reason):
    _, rows = read(write_csv(f"Email,Name\n{cells}\nok@example.org,Ok\n"))
    assert isinstance(rows[0], RejectedRow) and reason in rows[0].reason
    assert rows[0].number == 2
    assert "\r" not in rows[0].value and "\n" not in rows[0].value  # escaped for the report
    assert rows[1] == SourceRow(3, "ok@example.org", "Ok", None, None, {})


def test_row_numbers_count_the_header_as_row_one_and_skip_blank_lines(write_csv):
    _, rows = read(write_csv("Email\n\na@example.org\n,\nbad\n"))
    assert [(type(r).__name__, r.number) for r in rows] == [("SourceRow", 3), ("RejectedRow", 5)]


def test_missing_file(tmp_path):
    with pytest.raises(ListFileError, match=r"nope\.csv: no such file"):
        ListFile(tmp_path / "nope.csv")


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(ListFileError, match="is a folder"):
        ListFile(tmp_path)


def test_empty_file(write_csv):
    with pytest.raises(ListFileError, match="the file is empty"):
        ListFile(write_csv(""))


def test_no_address_column(write_csv):
    with pytest.raises(ListFileError, match=r"list\.csv: no email address column.*'Name'"):
        ListFile(write_csv("Name,Team\nAnn,North\n"))


def test_binary_file(tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 8)
    with pytest.raises(ListFileError, match=r"list\.csv: this is not a CSV text file"):
        ListFile(path)


def test_a_damaged_workbook_is_refused_in_one_line(tmp_path):
    path = tmp_path / "list.xlsx"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 8)
    with pytest.raises(ListFileError, match=r"list\.xlsx: cannot read this workbook") as refused:
        ListFile(path)
    assert "\n" not in str(refused.value)


def test_undecodable_text(tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(b"Email\nann@example.org\x81\n")
    with pytest.raises(ListFileError, match="not UTF-8 or Windows-1252"):
        ListFile(path)


def test_bidirectional_controls_are_removed_from_names(write_csv):
    # An agency's name cell with U+202E could show a reader different text than is stored.
    text = "Email,Name,Organisation\nann@example.org,\u202eAnn\u2067 Ash\u2069,\u200fPolice\u061c\n"
    _, rows = read(write_csv(text))
    assert rows == [SourceRow(2, "ann@example.org", "Ann Ash", "Police", None, {})]


def test_two_address_columns_are_refused_with_their_names(write_csv):
    path = write_csv("Email,Name,Work email\nann@example.org,Ann,ann.ash@example.net\n")
    with pytest.raises(ListFileError) as raised:
        read(path)
    assert str(raised.value) == (
        f"{path}: 2 email address columns ('Email', 'Work email'); keep the one to send to"
    )
