"""Agency CSV files as they really come: encoding, delimiter and header variants, row by row.

Reading is streamed (a file can have a million rows) and every row comes out either as a
`SourceRow` ready to stage or as a `RejectedRow` saying why, never silently dropped.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from briefcast.errors import BriefcastError
from briefcast.recipients.addresses import (
    InvalidAddress,
    escape_control_characters,
    has_control_characters,
    normalise_address,
    one_line,
)
from briefcast.safe_output import restore_cell

MAX_FIELD_LENGTH = 200  # the width of the name, organisation and role columns

# Header names, lower-cased with everything but letters and digits removed ("E-mail Address" ->
# "emailaddress"), mapped to what they mean. Exports from HR systems, Outlook and Exchange.
HEADER_ALIASES = {
    "address": {"email", "emailaddress", "mail", "emailaddr", "workemail", "workemailaddress",
                "primaryemail", "primarysmtpaddress", "smtpaddress"},
    "name": {"name", "fullname", "displayname", "contactname"},
    "first_name": {"firstname", "forename", "forenames", "givenname", "first"},
    "surname": {"surname", "lastname", "familyname", "last"},
    # A school's list (a schools' management system export) names the school as "School".
    "organisation": {"organisation", "organization", "org", "agency", "employer", "company",
                     "school", "schoolname"},
    "role": {"role", "jobtitle", "job", "position"},
}  # fmt: skip
DELIMITERS = ",;\t"


class ListFileError(BriefcastError):
    pass


@dataclass(frozen=True)
class SourceRow:
    number: int  # as a spreadsheet shows it: the header is row 1
    address: str  # normalised
    name: str | None
    organisation: str | None
    role: str | None
    attributes: dict[str, str] = field(default_factory=dict)  # every other non-empty column


@dataclass(frozen=True)
class RejectedRow:
    number: int
    value: str  # the offending value, control characters escaped
    reason: str


@dataclass(frozen=True)
class Columns:
    """Where each meaning sits in a row (None: the file has no such column)."""

    headers: tuple[str, ...]
    address: int
    name: int | None
    first_name: int | None
    surname: int | None
    organisation: int | None
    role: int | None

    @classmethod
    def from_header(cls, headers: list[str], path: Path) -> Columns:
        found: dict[str, int] = {}
        addresses: list[str] = []
        for index, header in enumerate(headers):
            key = re.sub(r"[^a-z0-9]", "", header.lower())
            for meaning, aliases in HEADER_ALIASES.items():
                if key in aliases and meaning not in found:
                    found[meaning] = index
            if key in HEADER_ALIASES["address"]:
                addresses.append(header.strip())
        if len(addresses) > 1:
            # Which one is the person's? Guessing could mail a private address or the wrong one.
            raise ListFileError(
                f"{path}: {len(addresses)} email address columns "
                f"({', '.join(repr(a) for a in addresses)}); keep the one to send to"
            )
        if "address" not in found:
            seen = ", ".join(repr(h) for h in headers if h.strip()) or "nothing"
            raise ListFileError(
                f"{path}: no email address column in the header row (it has {seen}); "
                "name the column 'Email', 'E-mail Address' or 'email_address'"
            )
        return cls(
            headers=tuple(h.strip() for h in headers),
            address=found["address"],
            **{m: found.get(m) for m in ("name", "first_name", "surname", "organisation", "role")},
        )

    @property
    def known(self) -> set[int]:
        return {i for i in (self.address, self.name, self.first_name, self.surname,
                            self.organisation, self.role) if i is not None}  # fmt: skip


class ListFile:
    """One opened CSV file. Use as a context manager; iterate `rows()` once."""

    def __init__(self, path: Path, check_deliverability: bool = False) -> None:
        self.path = path
        self.check_deliverability = check_deliverability
        self.size = _checked_size(path)
        self.encoding = _detect_encoding(path)
        self._binary: BinaryIO = open(path, "rb")  # noqa: SIM115  (closed by close())
        self._text = io.TextIOWrapper(self._binary, encoding=self.encoding, newline="")
        self.delimiter = _sniff_delimiter(self._text.readline())
        self._text.seek(0)
        self._reader = csv.reader(self._text, delimiter=self.delimiter)
        header = next(self._reader, None)
        if header is None or not any(h.strip() for h in header):
            self.close()
            raise ListFileError(f"{path}: the first row is empty; it should name the columns")
        self.columns = Columns.from_header(header, path)

    def __enter__(self) -> ListFile:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._text.close()

    @property
    def bytes_read(self) -> int:
        """How far through the file reading is, for a progress bar."""
        return self._binary.tell() if not self._binary.closed else self.size

    def rows(self) -> Iterator[SourceRow | RejectedRow]:
        number = 1
        try:
            for number, cells in enumerate(self._reader, start=2):
                if any(cell.strip() for cell in cells):  # blank lines are not people
                    yield self._parse(number, cells)
        except csv.Error as error:
            raise ListFileError(f"{self.path} row {number + 1}: not valid CSV ({error})") from None
        except UnicodeDecodeError:  # only if the file changed since the encoding was detected
            raise ListFileError(f"{self.path}: changed while it was being read") from None

    def _parse(self, number: int, cells: list[str]) -> SourceRow | RejectedRow:
        columns = self.columns
        extra = [c for c in cells[len(columns.headers) :] if c.strip()]
        if extra:
            return RejectedRow(number, extra[0], "more values than the header row has columns")
        for index, cell in enumerate(cells):
            if has_control_characters(cell):
                return RejectedRow(
                    number,
                    escape_control_characters(cell),
                    f"line break or control character in {self._header(index)}: "
                    "it would end up in an email header",
                )
        # restore_cell: a file briefcast exported (`lists export`) reads back unchanged.
        raw_address = restore_cell(cells[columns.address]) if columns.address < len(cells) else ""
        try:
            address = normalise_address(raw_address, self.check_deliverability)
        except InvalidAddress as error:
            return RejectedRow(number, raw_address, str(error))

        def cell(index: int | None) -> str | None:
            if index is None or index >= len(cells):
                return None
            return one_line(restore_cell(cells[index].strip())) or None

        name = cell(columns.name) or " ".join(
            part for part in (cell(columns.first_name), cell(columns.surname)) if part
        )
        values = {"name": name or None, "organisation": cell(columns.organisation),
                  "role": cell(columns.role)}  # fmt: skip
        for meaning, value in values.items():
            if value and len(value) > MAX_FIELD_LENGTH:
                return RejectedRow(number, value, f"{meaning} longer than {MAX_FIELD_LENGTH}")
        attributes = {
            columns.headers[i]: value
            for i in range(min(len(cells), len(columns.headers)))
            if i not in columns.known and columns.headers[i] and (value := cell(i))
        }
        return SourceRow(number, address, attributes=attributes, **values)

    def _header(self, index: int) -> str:
        header = self.columns.headers[index] if index < len(self.columns.headers) else ""
        return f"column {header!r}" if header else f"column {index + 1}"


def _checked_size(path: Path) -> int:
    if path.is_dir():
        raise ListFileError(f"{path}: is a folder; give the CSV file itself")
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ListFileError(f"{path}: no such file") from None
    except OSError as error:
        raise ListFileError(f"{path}: cannot be read ({error.strerror})") from None
    if size == 0:
        raise ListFileError(
            f"{path}: the file is empty; expected a header row such as 'Email,First name,Surname'"
        )
    return size


def _detect_encoding(path: Path) -> str:
    """UTF-8 (with or without a BOM), UTF-16 with a BOM (Excel's "Unicode text"), or CP1252.

    UTF-8 is checked over the whole file, streamed: a file that is UTF-8 for its first megabyte
    and has a CP1252 "é" further down is common when lists were pasted together.
    """
    with open(path, "rb") as file:
        head = file.read(65536)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if b"\x00" in head:
            raise ListFileError(
                f"{path}: this is not a CSV text file (it contains binary data); "
                "export the list from the spreadsheet as CSV"
            )
        file.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := file.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            pass
        file.seek(0)
        decoder = codecs.getincrementaldecoder("cp1252")()
        offset = 0
        try:
            while chunk := file.read(1 << 20):
                decoder.decode(chunk)
                offset += len(chunk)
        except UnicodeDecodeError as error:
            raise ListFileError(
                f"{path}: not UTF-8 or Windows-1252 text (byte {offset + error.start}); "
                "save it from the spreadsheet as 'CSV UTF-8'"
            ) from None
        return "cp1252"


def _sniff_delimiter(header_line: str) -> str:
    """The delimiter used most in the header row (a comma when there is only one column)."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","
