"""Files outside the database that still name a person: what an erasure cannot reach by SQL.

    found = files_naming("jane.doe@example.org", [settings.outbox, settings.reports], [Path.cwd()])
    deleted, failed = purge(found)

The outbox keeps every message sent through it (the To line has the address); reject files list
refused rows; a `--detail` report has a row per person. After `recipients forget` an admin is told
which of these files hold the address, and `--purge-files` deletes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

# What briefcast writes into a working directory by default: report-CAMPAIGN.html / .csv / .json.
REPORT_FILES = re.compile(r"report-.+\.(html|csv|json)")
CHUNK = 1 << 20


def files_naming(
    address: str, folders: Iterable[Path], report_folders: Iterable[Path] = ()
) -> list[Path]:
    """Every file under `folders` (at any depth), and every report-*.html/csv/json directly in
    `report_folders`, whose bytes contain `address` in any letter case; sorted."""
    needle = address.lower().encode("utf-8")
    candidates = {*_files_under(folders), *_reports_in(report_folders)}
    return sorted(path for path in candidates if _contains(path, needle))


def purge(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Delete each file: (deleted, [(not deleted, why)])."""
    deleted: list[Path] = []
    failed: list[tuple[Path, str]] = []
    for path in paths:
        try:
            path.unlink()
        except OSError as error:
            failed.append((path, error.strerror or str(error)))
        else:
            deleted.append(path)
    return deleted, failed


def _files_under(folders: Iterable[Path]) -> Iterator[Path]:
    for folder in folders:
        if folder.is_dir():
            yield from (path for path in folder.rglob("*") if path.is_file())


def _reports_in(folders: Iterable[Path]) -> Iterator[Path]:
    for folder in folders:
        if folder.is_dir():
            yield from (
                p for p in folder.iterdir() if REPORT_FILES.fullmatch(p.name) and p.is_file()
            )


def _contains(path: Path, needle: bytes) -> bool:
    """Streamed, lower-cased, with an overlap so an address across two chunks is still seen."""
    tail = b""
    try:
        with open(path, "rb") as file:
            while chunk := file.read(CHUNK):
                window = tail + chunk.lower()
                if needle in window:
                    return True
                tail = window[-len(needle) :]
    except OSError:
        return False  # unreadable: not ours to judge; it is not listed
    return False
