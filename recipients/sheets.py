"""Where a list's rows come from: one `RowSource` per kind of file, so every reader checks alike.

    source = open_rows(path, sheet=None)    # by suffix: .xlsx (openpyxl), .ods (calamine), else CSV
    for number, cells in source.rows(): ...  # number as the spreadsheet shows it (first row: 1)

Every source yields plain strings, streamed: a CSV through the csv module, an .xlsx through
openpyxl's read-only mode, an .ods through python-calamine (Rust, row by row). `ListFile`
(csv_source.py) takes it from there: the header, the checks, the rows and their rejections.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Protocol

from briefcast.errors import BriefcastError

SPREADSHEETS = (".xlsx", ".ods")
SUFFIXES = (".csv", ".tsv", *SPREADSHEETS)  # what an upload may be
DELIMITERS = ",;\t"


class ListFileError(BriefcastError):
    pass


class RowSource(Protocol):
    encoding: str  # how the text was read ("xlsx" / "ods" for a spreadsheet)
    delimiter: str  # "," for a spreadsheet: nothing was split
    sheet: str | None  # the sheet read, for a spreadsheet

    def rows(self) -> Iterator[tuple[int, list[str]]]: ...
    def progress(self) -> tuple[int, int]: ...  # (done, total), any unit
    def close(self) -> None: ...


def open_rows(
    path: Path, sheet: str | None = None, is_header: Callable[[list[str]], bool] | None = None
) -> RowSource:
    """The row source for `path` by its suffix; `sheet` picks a spreadsheet's sheet by name;
    `is_header` tells a CSV's header row (its delimiter is the file's) from a title above it."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return XlsxRows(path, sheet)
    if suffix == ".ods":
        return OdsRows(path, sheet)
    if sheet:
        raise ListFileError(f"{path}: only a spreadsheet (.xlsx, .ods) has sheets")
    return CsvRows(path, is_header)


def sheet_names(path: Path) -> list[str]:
    """The sheets of a spreadsheet, in order ([] for a CSV file)."""
    source = open_rows(path) if path.suffix.lower() in SPREADSHEETS else None
    if source is None:
        return []
    try:
        return list(source.names)  # type: ignore[attr-defined]
    finally:
        source.close()


class CsvRows:
    """A CSV or TSV file: UTF-8 (BOM or not), UTF-16 with a BOM, or CP1252; delimiter sniffed."""

    sheet = None

    def __init__(self, path: Path, is_header: Callable[[list[str]], bool] | None = None) -> None:
        self.path = path
        self.size = path.stat().st_size
        self.encoding = _detect_encoding(path)
        self._binary = open(path, "rb")  # noqa: SIM115  (closed by close())
        self._text = io.TextIOWrapper(self._binary, encoding=self.encoding, newline="")
        self.delimiter = _sniff_delimiter(self._text, path.suffix.lower() == ".tsv", is_header)
        self._text.seek(0)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        number = 0
        try:
            for number, cells in enumerate(csv.reader(self._text, delimiter=self.delimiter), 1):
                yield number, cells
        except csv.Error as error:
            raise ListFileError(f"{self.path} row {number + 1}: not valid CSV ({error})") from None
        except UnicodeDecodeError:  # only if the file changed since the encoding was detected
            raise ListFileError(f"{self.path}: changed while it was being read") from None

    def progress(self) -> tuple[int, int]:
        return (self._binary.tell() if not self._binary.closed else self.size), self.size

    def close(self) -> None:
        self._text.close()


class XlsxRows:
    """An Excel workbook, read-only and streamed (openpyxl never holds the whole sheet)."""

    encoding, delimiter = "xlsx", ","

    def __init__(self, path: Path, sheet: str | None) -> None:
        import openpyxl  # only for spreadsheets: the CLI starts faster without it
        from openpyxl.utils.exceptions import InvalidFileException

        self.path = path
        try:
            self._book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, OSError, KeyError, ValueError) as error:
            raise ListFileError(f"{path}: not an Excel .xlsx workbook ({error})") from None
        except Exception as error:  # a zip that is not a workbook raises many kinds
            raise ListFileError(f"{path}: cannot read this workbook ({error})") from None
        self.names = list(self._book.sheetnames)
        self.sheet = _pick(path, self.names, sheet)
        self._sheet = self._book[self.sheet]
        self._done, self._total = 0, self._sheet.max_row or 0

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        # values_only rows come one per row index from the first, blank ones included
        for number, values in enumerate(self._sheet.iter_rows(values_only=True), 1):
            self._done = number
            yield number, [_text(value) for value in values]

    def progress(self) -> tuple[int, int]:
        return self._done, max(self._total, self._done)

    def close(self) -> None:
        self._book.close()


class OdsRows:
    """An OpenDocument spreadsheet, through python-calamine (its Rust reader is fast and small)."""

    encoding, delimiter = "ods", ","

    def __init__(self, path: Path, sheet: str | None) -> None:
        from python_calamine import CalamineWorkbook

        self.path = path
        try:
            self._book = CalamineWorkbook.from_path(str(path))
        except Exception as error:  # calamine raises its own errors for a broken file
            raise ListFileError(
                f"{path}: cannot read this OpenDocument spreadsheet ({error})"
            ) from None
        self.names = list(self._book.sheet_names)
        self.sheet = _pick(path, self.names, sheet)
        self._sheet = self._book.get_sheet_by_name(self.sheet)
        self._done, self._total = 0, self._sheet.height

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        start = (self._sheet.start or (0, 0))[0]  # calamine's range begins at the first used row
        for number, values in enumerate(self._sheet.iter_rows(), start + 1):
            self._done = number
            yield number, [_text(value) for value in values]

    def progress(self) -> tuple[int, int]:
        return self._done, max(self._total, self._done)

    def close(self) -> None:
        self._book.close()


def _pick(path: Path, names: list[str], wanted: str | None) -> str:
    if not names:
        raise ListFileError(f"{path}: the spreadsheet has no sheets")
    if wanted is None or wanted == "":
        return names[0]
    if wanted not in names:
        raise ListFileError(
            f"{path}: no sheet called {wanted!r} (it has {', '.join(repr(n) for n in names)})"
        )
    return wanted


def _text(value: Any) -> str:
    """A cell as the person sees it: 12 not 12.0, a date as 2026-12-01, nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


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
                "export the list from the spreadsheet as CSV, or upload it as .xlsx or .ods"
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


def _sniff_delimiter(
    text: io.TextIOWrapper, tsv: bool, is_header: Callable[[list[str]], bool] | None
) -> str:
    """A .tsv file is tab-separated. Otherwise the delimiter that splits the header row (among
    the first lines: a title such as "Staff list, exported 30/11/2026" may be above it), else
    the one used most in the first line that has one; a comma when there is only one column."""
    if tsv:
        return "\t"
    first = None
    for _ in range(20):
        line = text.readline()
        if not line:
            break
        counts = {d: line.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        if is_header:
            for delimiter in sorted(DELIMITERS, key=lambda d: -counts[d]):
                if counts[delimiter] and is_header(line.split(delimiter)):
                    return delimiter
        if counts[best] and first is None:
            first = best
    return first or ","
