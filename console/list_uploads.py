"""An uploaded list's check and import, kept in the database, worked on in a background thread.

A 100,000-row file takes longer to read and compare than a browser waits for an answer, so the
request only stores the file and starts a run; its page refreshes itself until the work is done.
The check is `import_list(..., dry_run=True, sync=True)` (what Import and "Make the list match
this file" would do, and nothing changed); the import is the same call for real, in its one
transaction, which also marks the upload imported.

Everything lives in the `list_uploads` table (store/list_uploads.py), so any console process on
the database shows an upload's page, checks it again or imports it, and a restart loses nothing.
A run says it is alive every few seconds (on SQLite it cannot while the work holds the write
lock, but then nothing else can write either); one quiet for STALE_AFTER whose upload can be
written without waiting has lost its process: a check is started again, an import is handed back
(it changed nothing). The file is written owner-only to `BRIEFCAST_REPORTS/uploads/` only while
a run reads it. An upload is deleted on Cancel, emptied at import (its counts stay for the page)
and removed KEPT_FOR after it was made: when a console starts and as upload pages are used.
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from briefcast.errors import BriefcastError
from briefcast.jsondata import to_plain
from briefcast.recipients.csv_import import ImportCounts, ImportReport, import_list
from briefcast.recipients.sheets import sheet_names
from briefcast.safe_output import private_folder, restore_cell
from briefcast.settings import Settings
from briefcast.store import list_uploads as store
from briefcast.store.audit import Actor
from briefcast.store.engine import read, write
from briefcast.store.schema import UploadState, utcnow

LOG = logging.getLogger(__name__)
KEPT_FOR = timedelta(hours=24)  # an upload never imported is removed this long after it was made
HEARTBEAT_EVERY = 5.0  # seconds between a run's "still working" (and its progress)
STALE_AFTER = timedelta(seconds=60)  # a run quiet this long has lost its process
TIDY_EVERY = 60.0  # seconds between removals of expired uploads, per process
SHOWN_REJECTS = 200  # rejected rows shown on the page; all of them are in the download
INTERRUPTED = (
    "The import stopped before it finished (the console was restarted or stopped): nothing "
    "was changed. Check the counts and import again."
)
RESTARTED = "The check was started again: the console reading the file stopped before it finished."
STOPPED_TWICE = (
    "the check stopped twice before it finished (the console reading this file was stopped or "
    "restarted each time); upload it again, and if it goes on, tell whoever runs briefcast"
)
BUSY = (UploadState.CHECKING, UploadState.IMPORTING)


@dataclass(frozen=True)
class Upload:
    """One upload as its page shows it. `state` is an UploadState value; `progress` (0-100)
    while a run works; `check` and `result` are the import's reports (the result: counts only)."""

    id: str
    user_id: int
    file_name: str  # as the person's computer named it
    list_slug: str
    sheet: str | None
    state: str
    progress: int
    sheets: tuple[str, ...]  # a spreadsheet's sheets, to pick another
    check: ImportReport | None
    has_rejects: bool
    result: ImportReport | None
    error: str | None
    note: str | None
    created_at: datetime

    @property
    def busy(self) -> bool:
        return self.state in BUSY


class Uploads:
    """The uploads of the database, as one console app works on them."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.settings = engine, settings
        self.folder = settings.reports / "uploads"
        self._progress: dict[str, int] = {}  # run id -> percent, of the runs in this process
        self._lock = threading.Lock()
        self._tidied = 0.0

    def start(
        self, user_id: int, file_name: str, data: bytes, list_slug: str, sheet: str | None
    ) -> str:
        """Keep the file and start its check; returns the upload's id."""
        self.tidy()
        upload_id, run_id = secrets.token_urlsafe(16), _run_id()
        with write(self.engine) as conn:
            store.add(
                conn, upload_id, user_id=user_id, list_slug=list_slug,
                file_name=Path(file_name).name, data=data, sheet=sheet, run_id=run_id,
                now=utcnow(),
            )  # fmt: skip
        self._work(upload_id, run_id, self._check)
        return upload_id

    def get(self, upload_id: str) -> Upload | None:
        """The upload as it stands; a run that lost its process is taken over first."""
        self.tidy()
        with read(self.engine) as conn:
            stored = store.find(conn, upload_id)
        if stored is not None and self._abandoned(stored):
            self._take_over(stored)
            with read(self.engine) as conn:
                stored = store.find(conn, upload_id)
        if stored is None:
            return None
        progress = self._progress.get(stored.run_id or "", stored.progress)
        return _upload(stored, max(progress, stored.progress))

    def seen(self, upload: Upload) -> None:
        """The note was shown with the upload's outcome: once is enough."""
        if upload.note and not upload.busy:
            self._quietly(lambda conn: store.clear_note(conn, upload.id))

    def recheck(
        self, upload: Upload, mapping: Mapping[str, int | None] | None, sheet: str | None = None
    ) -> bool:
        """Check again with the columns a person chose (or another sheet, columns found anew);
        False when the upload was not waiting at its check page any more."""
        run_id = _run_id()
        with write(self.engine) as conn:
            claimed = store.claim(
                conn, upload.id, [UploadState.CHECKED], UploadState.CHECKING, run_id, utcnow(),
                mapping=dict(mapping) if mapping else None, sheet=sheet or upload.sheet,
                check_report=None, rejects=None, error=None, note=None,
            )  # fmt: skip
        if claimed:
            self._work(upload.id, run_id, self._check)
        return claimed

    def apply(self, upload: Upload, sync: bool, actor: Actor) -> bool:
        """Import for real (with `sync`: members not in the file leave the list); False when
        the upload was not waiting at its check page (another process started it first)."""
        run_id = _run_id()
        with write(self.engine) as conn:
            claimed = store.claim(
                conn, upload.id, [UploadState.CHECKED], UploadState.IMPORTING, run_id, utcnow(),
                note=None,
            )  # fmt: skip
        if claimed:
            self._work(upload.id, run_id, lambda run: self._import(run, sync, actor))
        return claimed

    def cancel(self, upload: Upload) -> bool:
        """Delete the upload and its file; False while a run works on it."""
        with write(self.engine) as conn:
            return store.cancel(conn, upload.id, upload.user_id)

    def rejected_csv(self, upload_id: str) -> bytes | None:
        with read(self.engine) as conn:
            return store.rejects_of(conn, upload_id)

    def rejected_rows(self, upload_id: str, limit: int = SHOWN_REJECTS) -> list[tuple[str, ...]]:
        """(row in file, value, reason) of the first rejected rows, as the file had them."""
        data = self.rejected_csv(upload_id)
        if not data:
            return []
        reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
        next(reader, None)
        rows = []
        for row in reader:
            if len(rows) == limit:
                break
            rows.append((row[0], restore_cell(row[1]), row[2]))
        return rows

    def tidy(self, *, now: datetime | None = None) -> None:
        """Remove uploads older than KEPT_FOR (at most once a minute, never waiting for a lock),
        and files a stopped run left in the folder."""
        if now is None and time.monotonic() - self._tidied < TIDY_EVERY:
            return
        self._tidied = time.monotonic()
        moment = now or utcnow()
        self._quietly(
            lambda conn: store.remove_expired(conn, moment - KEPT_FOR, moment - STALE_AFTER)
        )
        if self.folder.is_dir():
            for path in self.folder.iterdir():
                if time.time() - path.stat().st_mtime > KEPT_FOR.total_seconds():
                    path.unlink(missing_ok=True)

    # -- runs ----------------------------------------------------------------------------------

    def _abandoned(self, stored: store.StoredUpload) -> bool:
        if stored.state not in BUSY or stored.run_id in self._progress:
            return False  # not running, or running here
        quiet = stored.heartbeat_at is None or utcnow() - stored.heartbeat_at > STALE_AFTER
        return quiet

    def _take_over(self, stored: store.StoredUpload) -> None:
        quiet_since = utcnow() - STALE_AFTER
        if stored.state == UploadState.IMPORTING:
            self._quietly(lambda conn: store.hand_back(conn, stored.id, quiet_since, INTERRUPTED))
            return
        run_id = _run_id()
        if stored.note == RESTARTED:  # this file's check has stopped a process before
            again = {"error": STOPPED_TWICE, "note": None}
            to_state = UploadState.FAILED
        else:
            again, to_state = {"note": RESTARTED}, UploadState.CHECKING
        claimed = self._quietly(
            lambda conn: store.claim(
                conn, stored.id, [UploadState.CHECKING], to_state, run_id, utcnow(),
                quiet_since=quiet_since, **again,
            )
        )  # fmt: skip
        if claimed and to_state == UploadState.CHECKING:
            LOG.info("upload %s: a check that lost its process is started again", stored.id[:6])
            self._work(stored.id, run_id, self._check)

    def _work(self, upload_id: str, run_id: str, work: Callable[[_Run], None]) -> None:
        def guarded() -> None:
            run = _Run(self, upload_id, run_id)
            try:
                run.start()
                work(run)
            except _Superseded:
                pass  # another process took the upload over, or it was cancelled meanwhile
            except BriefcastError as error:
                # the person knows the file by its own name, not by where the console keeps it
                run.fail(str(error).replace(str(run.path), run.file_name))
            except Exception as error:  # the page must say so rather than spin for ever
                LOG.exception("upload %s stopped", upload_id[:6])  # the details for the log
                run.fail(
                    f"the work stopped unexpectedly ({type(error).__name__}); nothing was "
                    "changed. Try again; if it goes on, tell whoever runs briefcast"
                )
            finally:
                run.stop()

        with self._lock:
            self._progress[run_id] = 0
        threading.Thread(target=guarded, name=f"upload {upload_id[:6]}", daemon=True).start()

    def _check(self, run: _Run) -> None:
        # sync=True: the check also counts who "Make the list match this file" would remove
        report = import_list(
            self.engine, run.path, run.list_slug, sync=True, dry_run=True, **run.options(),
        )  # fmt: skip
        rejects = run.rejects_path.read_bytes() if report.rejected_report else None
        with write(self.engine) as conn:
            done = store.finish(
                conn, run.upload_id, run.run_id, UploadState.CHECKED,
                check_report=_plain(report), rejects=rejects, sheets=sheet_names(run.path),
            )  # fmt: skip
        if not done:
            raise _Superseded

    def _import(self, run: _Run, sync: bool, actor: Actor) -> None:
        def mark_imported(conn: Connection, report: ImportReport) -> None:
            # in the import's own transaction: both happen, or neither
            counts_only = _plain(report, samples=False)
            if not store.finish(
                conn, run.upload_id, run.run_id, UploadState.IMPORTED, result=counts_only,
                data=None, check_report=None, rejects=None,
            ):  # fmt: skip
                raise _Superseded

        import_list(
            self.engine, run.path, run.list_slug, sync=sync, actor=actor.name,
            audit_actor=actor, before_commit=mark_imported, **run.options(),
        )  # fmt: skip

    def _quietly(self, change: Callable[[Connection], Any]) -> Any:
        """A housekeeping write that never queues for SQLite's lock: skipped while it is held."""
        try:
            with write(self.engine, wait=False) as conn:
                return change(conn)
        except OperationalError:
            return None


class _Superseded(Exception):
    """The run is no longer the upload's: its outcome is dropped."""


class _Run:
    """One check or import in this process: its copy of the file, its heartbeat, its progress."""

    def __init__(self, uploads: Uploads, upload_id: str, run_id: str) -> None:
        self.uploads, self.upload_id, self.run_id = uploads, upload_id, run_id
        self.path = uploads.folder / f"{upload_id}-{run_id}"
        self.file_name, self.list_slug = "", ""
        self._options: dict[str, Any] = {}
        self._stopped = threading.Event()
        self._said = 0.0

    @property
    def rejects_path(self) -> Path:
        return self.path.with_name(self.path.stem + ".rejected.csv")

    def start(self) -> None:
        engine = self.uploads.engine
        with read(engine) as conn:
            stored = store.find(conn, self.upload_id)
            data = store.file_of(conn, self.upload_id)
        if stored is None or stored.run_id != self.run_id or data is None:
            raise _Superseded
        self.file_name, self.list_slug = stored.file_name, stored.list_slug
        self.path = self.path.with_suffix(Path(stored.file_name).suffix.lower())
        private_folder(self.uploads.folder)
        with open(self.path, "xb") as file:
            file.write(data)
        self.path.chmod(0o600)
        self._options = {
            "secret_key": self.uploads.settings.secret_key,
            "report_path": self.rejects_path,
            "on_progress": self._on_progress,
            "sheet": stored.sheet,
            "mapping": stored.mapping,
            "file_name": stored.file_name,
        }
        threading.Thread(
            target=self._beat, name=f"upload {self.upload_id[:6]} beat", daemon=True
        ).start()

    def options(self) -> dict[str, Any]:
        return self._options

    def fail(self, message: str) -> None:
        with write(self.uploads.engine) as conn:
            store.finish(conn, self.upload_id, self.run_id, UploadState.FAILED, error=message)

    def stop(self) -> None:
        self._stopped.set()
        with self.uploads._lock:
            self.uploads._progress.pop(self.run_id, None)
        self.path.unlink(missing_ok=True)
        self.rejects_path.unlink(missing_ok=True)

    def _on_progress(self, done: int, total: int) -> None:
        percent = min(99, done * 100 // total) if total else 0
        self.uploads._progress[self.run_id] = percent
        if time.monotonic() - self._said > 1:  # the page refreshes every two seconds
            self._say(percent)

    def _beat(self) -> None:
        while not self._stopped.wait(HEARTBEAT_EVERY):
            self._say(self.uploads._progress.get(self.run_id, 0))

    def _say(self, percent: int) -> None:
        self._said = time.monotonic()
        self.uploads._quietly(
            lambda conn: store.heartbeat(conn, self.upload_id, self.run_id, percent, utcnow())
        )


def _run_id() -> str:
    return secrets.token_hex(8)


def _plain(report: ImportReport, *, samples: bool = True) -> dict[str, Any]:
    """The report as the table keeps it (the addresses of its samples only while checking)."""
    leave_out = {"file", "rejected_report"} | (
        set() if samples else {"added_sample", "removed_sample"}
    )
    return to_plain(report, leave_out=frozenset(leave_out))


def _report(plain: dict[str, Any] | None, file_name: str) -> ImportReport | None:
    if plain is None:
        return None
    values = dict(plain)
    values["counts"] = ImportCounts(**values["counts"])
    for key in ("added_sample", "removed_sample", "headers"):
        values[key] = tuple(values.get(key, ()))
    return ImportReport(file=Path(file_name), rejected_report=None, **values)


def _upload(stored: store.StoredUpload, progress: int) -> Upload:
    return Upload(
        id=stored.id,
        user_id=stored.user_id,
        file_name=stored.file_name,
        list_slug=stored.list_slug,
        sheet=stored.sheet,
        state=stored.state,
        progress=progress,
        sheets=tuple(stored.sheets),
        check=_report(stored.check_report, stored.file_name),
        has_rejects=stored.has_rejects,
        result=_report(stored.result, stored.file_name),
        error=stored.error,
        note=stored.note,
        created_at=stored.created_at,
    )
