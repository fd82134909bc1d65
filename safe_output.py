"""Files briefcast writes for people to open: CSV cells a spreadsheet cannot run as formulas, and
files only their owner can read.

    writer = csv_writer(file)         # csv.writer; every cell goes through safe_cell()
    with private_file(path) as file:  # made 0600 (new folders 0700) before a byte is written

A reflection, a name in an agency's file or a rejected address can start with `=`, and a
spreadsheet opening the CSV would run it (OWASP "CSV injection"). The reports, exports and reject
files also hold personal data, so nobody else on the machine may read them.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

# OWASP: a cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice
# and Google Sheets; tab and carriage return because some spreadsheets drop them before looking.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"  # what spreadsheets themselves put before text that looks like a formula


def safe_cell(value: object) -> object:
    """The cell as a spreadsheet shows it but never runs it: a leading `'` before a formula start.
    Numbers stay numbers (a negative count is not text to neutralise). Text that already starts
    with quotes before a formula start gets one more, so `restore_cell()` is exact."""
    if isinstance(value, str) and value.lstrip(QUOTE).startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def restore_cell(value: str) -> str:
    """The text `safe_cell()` was given, so a file briefcast wrote reads back unchanged."""
    if value.startswith(QUOTE) and value.lstrip(QUOTE).startswith(FORMULA_STARTS):
        return value[1:]
    return value


class SafeWriter:
    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter(SafeWriter):
    def writeheader(self) -> Any:
        return self._writer.writeheader()

    def writerow(self, row: Mapping[str, object]) -> Any:  # type: ignore[override]
        return self._writer.writerow({key: safe_cell(cell) for key, cell in row.items()})


def csv_writer(file: TextIO, **options: Any) -> SafeWriter:
    """`csv.writer(file, **options)` for every CSV briefcast writes."""
    return SafeWriter(csv.writer(file, **options))


def csv_dict_writer(file: TextIO, fieldnames: Iterable[str], **options: Any) -> SafeDictWriter:
    """`csv.DictWriter(file, fieldnames, **options)` for every CSV briefcast writes."""
    return SafeDictWriter(csv.DictWriter(file, fieldnames=list(fieldnames), **options))


def private_folder(path: Path) -> Path:
    """Make `path` (and its missing parents) owner-only (0700); an existing folder is left as it
    is, since it may be shared on purpose (the working directory, /tmp)."""
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask
    return path


def private_file(path: Path) -> TextIO:
    """`path` opened for writing text (UTF-8, newlines as written), created or replaced
    owner-only: 0600 from the first byte, so there is no moment when another user could open it.
    Use it as `open()`: `with private_file(path) as file: ...`."""
    private_folder(path.parent)
    path.unlink(missing_ok=True)  # an older file keeps its own permissions; start afresh
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return open(descriptor, "w", encoding="utf-8", newline="")
