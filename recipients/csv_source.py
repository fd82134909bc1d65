"""Agency lists as they really come (CSV, TSV, .xlsx, .ods): header variants, row by row.

Reading is streamed (a file can have a million rows) and every row comes out either as a
`SourceRow` ready to stage or as a `RejectedRow` saying why, never silently dropped. Where the
rows come from (encodings, delimiters, spreadsheets) is recipients/sheets.py's business.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from briefcast.recipients.addresses import (
    InvalidAddress,
    escape_control_characters,
    has_control_characters,
    normalise_address,
    one_line,
)
from briefcast.recipients.sheets import ListFileError, open_rows
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
MEANINGS = ("address", "name", "first_name", "surname", "organisation", "role")
HEADER_SEARCH = 20  # rows looked at for the header: HR exports put a title and blank rows above


@dataclass(frozen=True)
class SourceRow:
    number: int  # the row in the file, as a spreadsheet shows it (first row: 1)
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

    def remapped(self, mapping: Mapping[str, int | None], path: Path) -> Columns:
        """These columns with some meanings moved by a person (the console's check page):
        `mapping` gives a meaning the index of its column, or None for "not in this file"."""
        changes: dict[str, int | None] = {}
        for meaning, index in mapping.items():
            if meaning not in MEANINGS:
                raise ListFileError(f"{path}: no such kind of column as {meaning!r}")
            if index is not None and not 0 <= index < len(self.headers):
                raise ListFileError(f"{path}: there is no column {index + 1}")
            changes[meaning] = index
        if changes.get("address", self.address) is None:
            raise ListFileError(f"{path}: one column must be the email address")
        return replace(self, **changes)

    def meaning_of(self) -> dict[int, str]:
        """Column index -> what it was taken for."""
        return {getattr(self, m): m for m in reversed(MEANINGS) if getattr(self, m) is not None}

    @property
    def known(self) -> set[int]:
        return {i for i in (self.address, self.name, self.first_name, self.surname,
                            self.organisation, self.role) if i is not None}  # fmt: skip


class ListFile:
    """One opened list file (CSV, TSV, .xlsx, .ods). Use as a context manager; iterate `rows()`
    once. `sheet` picks a spreadsheet's sheet (default: the first); `mapping` overrides which
    column means what (see `Columns.remapped`)."""

    def __init__(
        self,
        path: Path,
        check_deliverability: bool = False,
        *,
        sheet: str | None = None,
        mapping: Mapping[str, int | None] | None = None,
    ) -> None:
        self.path = path
        self.check_deliverability = check_deliverability
        self.size = _checked_size(path)
        self._source = open_rows(path, sheet, _names_an_address)
        self.encoding, self.delimiter = self._source.encoding, self._source.delimiter
        self.sheet = self._source.sheet
        self._rows = self._source.rows()
        try:
            self.header_row, self.columns = self._find_header()
            if mapping:
                self.columns = self.columns.remapped(mapping, path)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> ListFile:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._source.close()

    @property
    def bytes_read(self) -> int:
        """How far through the file reading is (bytes for CSV, rows for a spreadsheet)."""
        return self._source.progress()[0]

    def progress(self) -> tuple[int, int]:
        """(done, total) for a progress bar, in bytes or rows."""
        return self._source.progress()

    def rows(self) -> Iterator[SourceRow | RejectedRow]:
        for number, cells in self._rows:
            if any(cell.strip() for cell in cells):  # blank lines are not people
                yield self._parse(number, cells)

    def _find_header(self) -> tuple[int, Columns]:
        """The header row: the first row naming an email address column, looked for among the
        first rows, so a title ("Staff list, exported 1 Dec") and blank rows above it are
        skipped. With none, the first non-blank row is taken, and its error says what it has."""
        first: tuple[int, list[str]] | None = None
        for number, cells in self._rows:
            if not any(cell.strip() for cell in cells):
                continue
            first = first or (number, cells)
            if _names_an_address(cells):
                return number, Columns.from_header(cells, self.path)
            if number >= HEADER_SEARCH:
                break
        if first is None:
            raise ListFileError(f"{self.path}: no rows; the first row should name the columns")
        return first[0], Columns.from_header(first[1], self.path)

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


def _names_an_address(cells: list[str]) -> bool:
    """Whether a row has an email address column's name: the header row, not a title."""
    return any(
        re.sub(r"[^a-z0-9]", "", cell.lower()) in HEADER_ALIASES["address"] for cell in cells
    )


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
