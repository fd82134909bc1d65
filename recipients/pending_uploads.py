"""Lists uploaded in the console and not yet imported, as an erasure and an access request see them.

    naming(conn, "jane.doe@example.org") -> list[PendingFile]   # whose file holds the address

An upload keeps the file itself in the database (store/list_uploads.py) for up to a day; a
spreadsheet is compressed, so the address is looked for in its cells, read by the same row
sources an import uses, on every sheet. A file no reader can open is searched as bytes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import Connection

from briefcast.recipients.sheets import SUFFIXES, ListFileError, open_rows, sheet_names
from briefcast.store.list_uploads import PendingFile, pending_files


def naming(conn: Connection, address: str) -> list[PendingFile]:
    """The pending uploads whose file holds `address` (normalised, so lower case) in any case."""
    return [upload for upload in pending_files(conn) if _holds(upload, address)]


def _holds(upload: PendingFile, address: str) -> bool:
    suffix = Path(upload.file_name).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="briefcast-") as folder:  # owner-only (0700)
        path = Path(folder) / f"upload{suffix if suffix in SUFFIXES else '.csv'}"
        path.write_bytes(upload.data)
        try:
            for sheet in sheet_names(path) or [None]:
                source = open_rows(path, sheet)
                try:
                    if any(address in cell.lower() for _, cells in source.rows() for cell in cells):
                        return True
                finally:
                    source.close()
        except (ListFileError, OSError, ValueError):  # unreadable as a list: look at the bytes
            return address.encode() in upload.data.lower()
    return False
