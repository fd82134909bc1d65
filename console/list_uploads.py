"""An uploaded list's check and import, run in a background thread with progress for the page.

A 100,000-row file takes longer to read and compare than a browser waits for an answer, so the
request only stores the file and starts an `Upload`; its page refreshes itself until the work is
done. The check is `import_list(..., dry_run=True, sync=True)` (what Import and "Make the list
match this file" would do, and nothing changed); the import is the same call for real, in its
one transaction. The file lives owner-only in the reports folder's `uploads/` until it is
imported, and for a day at most.

Uploads are held in this process's memory: a console restarted mid-check forgets them (the
person uploads again). Run one console process per database for this reason.
"""

from __future__ import annotations

import csv
import logging
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from briefcast.errors import BriefcastError
from briefcast.recipients.csv_import import ImportReport, import_list
from briefcast.recipients.sheets import sheet_names
from briefcast.safe_output import private_folder, restore_cell
from briefcast.settings import Settings
from briefcast.store.audit import Actor

LOG = logging.getLogger(__name__)
KEPT_FOR = 24 * 3600  # seconds an upload that was never imported stays on disk
SHOWN_REJECTS = 200  # rejected rows shown on the page; all of them are in the download


@dataclass
class Upload:
    """One uploaded file, from its check to its import. `state` is one of checking, checked,
    importing, imported, failed; the page shows `progress` (0-100) while work runs."""

    id: str
    user_id: int
    file_name: str  # as the person's computer named it
    path: Path  # where the console keeps it
    list_slug: str
    sheet: str | None
    mapping: dict[str, int | None] | None = None
    state: str = "checking"
    progress: int = 0
    check: ImportReport | None = None
    result: ImportReport | None = None
    error: str | None = None
    sheets: list[str] = field(default_factory=list)  # a spreadsheet's sheets, to pick another
    started: float = field(default_factory=time.time)

    @property
    def rejects_path(self) -> Path:
        return self.path.with_name(self.path.stem + ".rejected.csv")

    @property
    def busy(self) -> bool:
        return self.state in ("checking", "importing")

    def rejected_rows(self, limit: int = SHOWN_REJECTS) -> list[tuple[str, str, str]]:
        """(row in file, value, reason) of the first rejected rows, as the file had them."""
        if self.check is None or self.check.rejected_report is None:
            return []
        with open(self.check.rejected_report, encoding="utf-8", newline="") as file:
            reader = csv.reader(file)
            next(reader, None)
            rows = []
            for row in reader:
                if len(rows) == limit:
                    break
                rows.append((row[0], restore_cell(row[1]), row[2]))
            return rows


class Uploads:
    """The uploads of one console app, and the threads doing their work."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.settings = engine, settings
        self.folder = settings.reports / "uploads"
        self._uploads: dict[str, Upload] = {}
        self._lock = threading.Lock()

    def start(
        self, user_id: int, file_name: str, data: bytes, list_slug: str, sheet: str | None
    ) -> Upload:
        """Keep the file and start its check."""
        private_folder(self.folder)
        self._tidy()
        upload_id = secrets.token_urlsafe(16)
        suffix = Path(file_name).suffix.lower()
        path = self.folder / f"{upload_id}{suffix}"
        with open(path, "xb") as file:
            file.write(data)
        path.chmod(0o600)
        upload = Upload(upload_id, user_id, Path(file_name).name, path, list_slug, sheet)
        with self._lock:
            self._uploads[upload_id] = upload
        self._run(upload, self._check)
        return upload

    def get(self, upload_id: str) -> Upload | None:
        with self._lock:
            return self._uploads.get(upload_id)

    def recheck(
        self, upload: Upload, mapping: Mapping[str, int | None] | None, sheet: str | None = None
    ) -> None:
        """Check again with the columns a person chose (or another sheet, columns found anew)."""
        upload.mapping = dict(mapping) if mapping else None
        upload.sheet = sheet or upload.sheet
        upload.state, upload.progress = "checking", 0
        upload.check, upload.error = None, None
        self._run(upload, self._check)

    def apply(self, upload: Upload, sync: bool, actor: Actor) -> None:
        """Import for real (with `sync`: members not in the file leave the list)."""
        upload.state, upload.progress = "importing", 0
        self._run(upload, lambda u: self._import(u, sync, actor))

    def _run(self, upload: Upload, work) -> None:  # type: ignore[no-untyped-def]
        def guarded() -> None:
            try:
                work(upload)
            except BriefcastError as error:
                # the person knows the file by its own name, not by where the console keeps it
                message = str(error).replace(str(upload.path), upload.file_name)
                upload.state, upload.error = "failed", message
            except Exception as error:  # the page must say so rather than spin for ever
                LOG.exception("upload %s stopped", upload.id[:6])  # the details for the log
                upload.state = "failed"
                upload.error = (
                    f"the work stopped unexpectedly ({type(error).__name__}); nothing was "
                    "changed. Try again; if it goes on, tell whoever runs briefcast"
                )

        threading.Thread(target=guarded, name=f"upload {upload.id[:6]}", daemon=True).start()

    def _options(self, upload: Upload) -> dict[str, object]:
        def progress(done: int, total: int) -> None:
            upload.progress = min(99, done * 100 // total) if total else 0

        return {
            "secret_key": self.settings.secret_key,
            "report_path": upload.rejects_path,
            "on_progress": progress,
            "sheet": upload.sheet,
            "mapping": upload.mapping,
            "file_name": upload.file_name,
        }

    def _check(self, upload: Upload) -> None:
        # sync=True: the check also counts who "Make the list match this file" would remove
        report = import_list(
            self.engine, upload.path, upload.list_slug, sync=True, dry_run=True,
            **self._options(upload),  # type: ignore[arg-type]
        )  # fmt: skip
        upload.sheets = sheet_names(upload.path)
        upload.check, upload.progress, upload.state = report, 100, "checked"

    def _import(self, upload: Upload, sync: bool, actor: Actor) -> None:
        report = import_list(
            self.engine, upload.path, upload.list_slug, sync=sync, actor=actor.name,
            audit_actor=actor, **self._options(upload),  # type: ignore[arg-type]
        )  # fmt: skip
        upload.result, upload.progress, upload.state = report, 100, "imported"
        upload.path.unlink(missing_ok=True)  # imported: the list holds it now

    def _tidy(self) -> None:
        """Forget uploads older than a day, and their files."""
        now = time.time()
        with self._lock:
            for key, upload in list(self._uploads.items()):
                if now - upload.started > KEPT_FOR and not upload.busy:
                    del self._uploads[key]
        for path in self.folder.iterdir():
            if now - path.stat().st_mtime > KEPT_FOR:
                path.unlink(missing_ok=True)
