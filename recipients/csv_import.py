"""`lists import`: one agency list (CSV, TSV, .xlsx, .ods) into one list in one transaction.

A diff is shown first and rejected rows go to a report.

The stages, in order: read and validate rows (csv_source), stage the good ones in the database in
batches, diff the staged rows against the list, show the diff, then merge (or, for a dry run,
roll everything back). A failure anywhere rolls back the lot, so a list is never half-imported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from sqlalchemy import Connection, Engine

from briefcast.errors import BriefcastError
from briefcast.recipients.csv_source import MEANINGS, ListFile, RejectedRow, SourceRow
from briefcast.recipients.erasure import address_hasher
from briefcast.recipients.lists import ensure_list
from briefcast.safe_output import SafeWriter, csv_writer, private_file, private_folder
from briefcast.store.audit import Actor, record
from briefcast.store.imports import ImportStaging, finish_import_run, start_import_run
from briefcast.store.suppressions import erased_hashes

BATCH_SIZE = 5000  # rows per INSERT into the staging table
ERASED = "erased at this person's request (recipients forget): not imported; remove them at source"

Progress = Callable[[int, int], None]  # (done, total): bytes of a CSV, rows of a spreadsheet


@dataclass(frozen=True)
class ImportCounts:
    """Every data row is counted exactly once, in one of the last six."""

    rows: int
    added: int
    unchanged: int
    suppressed: int  # on the list (or added to it) but suppressed: they stay suppressed
    rejected: int  # written to the report
    erased: int  # people who asked to be forgotten: not re-added, also in the report
    duplicates: int  # the same address again further down the file (first row wins)
    removed: int  # with sync: members not in the file, taken off this list only


@dataclass(frozen=True)
class ImportReport:
    list_slug: str
    file: Path
    list_created: bool
    sync: bool
    dry_run: bool
    counts: ImportCounts
    added_sample: tuple[str, ...]  # a few of the addresses, for the printed diff
    removed_sample: tuple[str, ...]
    rejected_report: Path | None  # None when every row was imported
    encoding: str  # "xlsx" / "ods" for a spreadsheet
    delimiter: str
    header_row: int = 1  # the header's row in the file (title rows above it are skipped)
    columns: dict[str, int | None] | None = None  # meaning -> the column taken for it
    headers: tuple[str, ...] = ()  # the header row's cells, as the file has them
    sheet: str | None = None  # the spreadsheet's sheet read


def import_list(
    engine: Engine,
    path: Path,
    slug: str,
    *,
    sync: bool = False,
    dry_run: bool = False,
    check_deliverability: bool = False,
    secret_key: str | None = None,
    actor: str = "briefcast",
    report_path: Path | None = None,
    on_progress: Progress | None = None,
    on_diff: Callable[[ImportReport], None] | None = None,
    sheet: str | None = None,
    mapping: Mapping[str, int | None] | None = None,
    file_name: str | None = None,
    audit_actor: Actor | None = None,
    before_commit: Callable[[Connection, ImportReport], None] | None = None,
) -> ImportReport:
    """Import `path` into the list `slug` (created if missing) and return what happened.

    `on_diff` sees the report before anything is applied (the CLI prints it there); with
    `dry_run` nothing is. Rejected rows go to `report_path` (the CLI: the reports folder), by
    default `<name>.rejected.csv` beside the input, written even on a dry run so the file can be
    fixed first. `sheet` and `mapping` are `ListFile`'s; `file_name` is what the import run
    records (an upload's own name rather than where the console keeps it); with `audit_actor`
    the import is also written to the audit trail, in the same transaction. `before_commit`
    runs in that transaction too, last (the console marks its upload imported there, so the two
    happen together or not at all); an exception from it rolls the import back.
    """
    path = Path(path)
    rejects = RejectionReport(report_path or path.with_suffix(".rejected.csv"))
    with (
        ListFile(path, check_deliverability, sheet=sheet, mapping=mapping) as source,
        engine.connect() as conn,
    ):  # own transactions: one, rolled back on any error
        transaction = conn.begin()
        try:
            target, created = ensure_list(conn, slug)
            staging = ImportStaging(conn)
            erased = _stage_rows(source, staging, rejects, conn, secret_key, on_progress)
            diff = staging.diff(target.id, sync)
            counts = ImportCounts(
                rows=staging.rows_offered + rejects.count,
                added=diff.added,
                unchanged=diff.unchanged,
                suppressed=diff.suppressed,
                rejected=rejects.count - erased,
                erased=erased,
                duplicates=diff.duplicates,
                removed=diff.removed,
            )
            report = ImportReport(
                slug, path, created, sync, dry_run, counts, diff.added_sample,
                diff.removed_sample, rejects.finish(), source.encoding, source.delimiter,
                source.header_row, _taken(source), source.columns.headers, source.sheet,
            )  # fmt: skip
            if on_diff:
                on_diff(report)
            if dry_run:
                transaction.rollback()
                return report
            run_id = start_import_run(
                conn, list_id=target.id, list_slug=slug, actor=actor,
                file_name=file_name or str(path), sha256=_sha256(path), sync=sync,
            )  # fmt: skip
            staging.apply(target.id, run_id, sync)
            staging.drop()
            finish_import_run(conn, run_id, vars(counts))
            if audit_actor:
                details = {"file": file_name or path.name, "sync": sync, **vars(counts)}
                record(conn, audit_actor, "list.imported", subject=slug, details=details)
            if before_commit:
                before_commit(conn, report)
            transaction.commit()
            return report
        except BaseException:
            transaction.rollback()
            rejects.discard()
            raise


def import_lists_folder(
    engine: Engine,
    folder: Path,
    *,
    secret_key: str | None = None,
    actor: str = "briefcast",
    report_folder: Path | None = None,
) -> list[ImportReport]:
    """Import each `<slug>.csv` in a folder into the list `<slug>` (the demo's six agency lists)."""
    files = sorted(p for p in Path(folder).glob("*.csv") if not p.name.endswith(".rejected.csv"))
    if not files:
        raise BriefcastError(f"{folder}: no .csv files to import")
    if report_folder:
        private_folder(report_folder)
    return [
        import_list(
            engine,
            file,
            file.stem,
            secret_key=secret_key,
            actor=actor,
            report_path=report_folder / f"{file.stem}.rejected.csv" if report_folder else None,
        )
        for file in files
    ]


def _stage_rows(
    source: ListFile,
    staging: ImportStaging,
    rejects: RejectionReport,
    conn,  # type: ignore[no-untyped-def]
    secret_key: str | None,
    on_progress: Progress | None,
) -> int:
    """Stream the file into the staging table in batches; returns how many rows were erased."""
    erased = erased_hashes(conn)
    # Hashing every address costs time; only worth it when someone has been erased.
    hash_address = address_hasher(conn, secret_key) if erased else None
    erased_count = 0
    batch: list[dict[str, object]] = []
    for row in source.rows():
        if isinstance(row, RejectedRow):
            rejects.add(row)
        elif hash_address and hash_address(row.address) in erased:
            rejects.add(RejectedRow(row.number, row.address, ERASED))
            erased_count += 1
        else:
            batch.append(_staging_values(row))
            if len(batch) == BATCH_SIZE:
                staging.add(batch)
                batch = []
                if on_progress:
                    on_progress(*source.progress())
    staging.add(batch)
    if on_progress:
        done, total = source.progress()
        on_progress(max(done, total), max(done, total))
    return erased_count


def _taken(source: ListFile) -> dict[str, int | None]:
    """Which column was taken for each meaning, for the console's check page."""
    return {meaning: getattr(source.columns, meaning) for meaning in MEANINGS}


def _staging_values(row: SourceRow) -> dict[str, object]:
    return {
        "address": row.address,
        "row_number": row.number,
        "name": row.name,
        "organisation": row.organisation,
        "role": row.role,
        "attributes": row.attributes or None,
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class RejectionReport:
    """`<name>.rejected.csv`: row, value, reason; owner-only, cells safe to open in a spreadsheet.
    Opened on the first reject; a stale one from an earlier run is removed, so the file always
    describes the latest import."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._file: TextIO | None = None
        self._writer: SafeWriter | None = None

    def add(self, row: RejectedRow) -> None:
        if self._writer is None:
            self._open()
        assert self._writer is not None
        self._writer.writerow((row.number, row.value, row.reason))
        self.count += 1

    def finish(self) -> Path | None:
        if self._file is None:
            self.path.unlink(missing_ok=True)
            return None
        self._file.close()
        return self.path

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self.path.unlink(missing_ok=True)

    def _open(self) -> None:
        try:
            self._file = private_file(self.path)  # rejected addresses are personal data
        except OSError as error:
            raise BriefcastError(
                f"{self.path}: cannot write the report of rejected rows ({error.strerror})"
            ) from None
        self._writer = csv_writer(self._file)
        self._writer.writerow(("row", "value", "reason"))
