"""The SQL of lists uploaded in the console (`list_uploads`): one row per upload, any process.

    add(conn, upload_id, ...)                    # the file, in state checking under a run id
    claim(conn, upload_id, ("checked",), "importing", run_id, now) -> bool   # compare-and-set

Every change of state is a compare-and-set on (state, run id), so two console processes never
run one upload's import twice, and a run taken over (its process stopped) cannot write over its
successor. Functions take a Connection inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update

from briefcast.store.schema import (
    UploadState,
    list_uploads,
    read_utc,
    staff_users,
    to_utc,
)

BUSY = (UploadState.CHECKING.value, UploadState.IMPORTING.value)


@dataclass(frozen=True)
class StoredUpload:
    """A row without the file and the rejected rows (read those with file_of / rejects_of)."""

    id: str
    user_id: int
    list_slug: str
    file_name: str
    sheet: str | None
    mapping: dict[str, int | None] | None
    state: str
    progress: int
    run_id: str | None
    heartbeat_at: datetime | None
    sheets: list[str]
    check_report: dict[str, Any] | None
    has_rejects: bool
    result: dict[str, Any] | None
    error: str | None
    note: str | None
    created_at: datetime


@dataclass(frozen=True)
class PendingFile:
    """An upload's file not yet imported, with who uploaded it: what an erasure looks through."""

    id: str
    file_name: str
    list_slug: str
    uploaded_by: str
    created_at: datetime
    data: bytes


_c = list_uploads.c
_SHOWN = (
    _c.id, _c.user_id, _c.list_slug, _c.file_name, _c.sheet, _c.mapping, _c.state, _c.progress,
    _c.run_id, _c.heartbeat_at, _c.sheets, _c.check_report, _c.rejects.is_not(None), _c.result,
    _c.error, _c.note, _c.created_at,
)  # fmt: skip


def add(
    conn: Connection,
    upload_id: str,
    *,
    user_id: int,
    list_slug: str,
    file_name: str,
    data: bytes,
    sheet: str | None,
    run_id: str,
    now: datetime,
) -> None:
    """A new upload, being checked by `run_id`."""
    conn.execute(
        list_uploads.insert().values(
            id=upload_id, user_id=user_id, list_slug=list_slug, file_name=file_name, data=data,
            sheet=sheet, state=UploadState.CHECKING.value, progress=0, run_id=run_id,
            heartbeat_at=to_utc(now), sheets=[], created_at=to_utc(now),
        )
    )  # fmt: skip


def find(conn: Connection, upload_id: str) -> StoredUpload | None:
    row = conn.execute(select(*_SHOWN).where(_c.id == upload_id)).one_or_none()
    if row is None:
        return None
    values = list(row)
    values[9] = read_utc(values[9])
    values[16] = read_utc(values[16])
    return StoredUpload(*values)


def file_of(conn: Connection, upload_id: str) -> bytes | None:
    return conn.execute(select(_c.data).where(_c.id == upload_id)).scalar_one_or_none()


def rejects_of(conn: Connection, upload_id: str) -> bytes | None:
    return conn.execute(select(_c.rejects).where(_c.id == upload_id)).scalar_one_or_none()


def claim(
    conn: Connection,
    upload_id: str,
    states: Iterable[str],
    to_state: str,
    run_id: str,
    now: datetime,
    *,
    quiet_since: datetime | None = None,
    **values: Any,
) -> bool:
    """Move the upload from one of `states` to `to_state` under a new run; False when it was not
    in one of them (another process moved it first). With `quiet_since`, only if its run has not
    said anything since then (taking over a run whose process stopped). `values`: other columns
    to set with it (mapping, sheet, note)."""
    query = update(list_uploads).where(_c.id == upload_id, _c.state.in_(list(states)))
    if quiet_since is not None:
        query = query.where(_c.heartbeat_at < to_utc(quiet_since))
    changed = conn.execute(
        query.values(state=to_state, run_id=run_id, progress=0, heartbeat_at=to_utc(now), **values)
    )
    return changed.rowcount == 1


def hand_back(conn: Connection, upload_id: str, quiet_since: datetime, note: str) -> bool:
    """An import whose run went quiet goes back to checked, with a note: the import runs in one
    transaction that also marks the upload imported, so a run that never did changed nothing."""
    changed = conn.execute(
        update(list_uploads)
        .where(
            _c.id == upload_id,
            _c.state == UploadState.IMPORTING.value,
            _c.heartbeat_at < to_utc(quiet_since),
        )
        .values(state=UploadState.CHECKED.value, run_id=None, progress=0, note=note)
    )
    return changed.rowcount == 1


def heartbeat(conn: Connection, upload_id: str, run_id: str, progress: int, now: datetime) -> None:
    """The run is alive, this far on."""
    conn.execute(
        update(list_uploads)
        .where(_c.id == upload_id, _c.run_id == run_id, _c.state.in_(BUSY))
        .values(progress=progress, heartbeat_at=to_utc(now))
    )


def finish(conn: Connection, upload_id: str, run_id: str, to_state: str, **values: Any) -> bool:
    """The run's outcome (checked with its report, imported, failed with its error); False when
    the run is no longer the upload's (taken over, or the upload was cancelled meanwhile)."""
    changed = conn.execute(
        update(list_uploads)
        .where(_c.id == upload_id, _c.run_id == run_id, _c.state.in_(BUSY))
        .values(state=to_state, progress=100, run_id=None, **values)
    )
    return changed.rowcount == 1


def clear_note(conn: Connection, upload_id: str) -> None:
    conn.execute(update(list_uploads).where(_c.id == upload_id).values(note=None))


def cancel(conn: Connection, upload_id: str, user_id: int) -> bool:
    """Delete the upload unless a run works on it (the import's own transaction would then
    decide its fate); False when it was busy or gone."""
    gone = conn.execute(
        delete(list_uploads).where(_c.id == upload_id, _c.user_id == user_id, _c.state.not_in(BUSY))
    )
    return gone.rowcount == 1


def remove_expired(conn: Connection, uploaded_before: datetime, quiet_since: datetime) -> int:
    """Delete uploads made before `uploaded_before`, unless a run still works on one."""
    alive = _c.state.in_(BUSY) & (_c.heartbeat_at >= to_utc(quiet_since))
    gone = conn.execute(delete(list_uploads).where(_c.created_at < to_utc(uploaded_before), ~alive))
    return gone.rowcount


def pending_files(conn: Connection) -> list[PendingFile]:
    """Every upload still holding its file (not yet imported), oldest first."""
    query = (
        select(_c.id, _c.file_name, _c.list_slug, staff_users.c.name, _c.created_at, _c.data)
        .select_from(list_uploads.join(staff_users, staff_users.c.id == _c.user_id))
        .where(_c.data.is_not(None))
        .order_by(_c.created_at, _c.id)
    )
    return [
        PendingFile(row[0], row[1], row[2], row[3], read_utc(row[4]), row[5])  # type: ignore[arg-type]
        for row in conn.execute(query)
    ]


def delete_uploads(conn: Connection, upload_ids: Iterable[str]) -> int:
    ids = list(upload_ids)
    if not ids:
        return 0
    return conn.execute(delete(list_uploads).where(_c.id.in_(ids))).rowcount
