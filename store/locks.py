"""Which worker does what, when several share one database: locks that die with their process.

PostgreSQL (any number of workers): each worker holds, on a connection of its own, a session-level
advisory lock named after its worker id (two workers with one id would take back each other's
claims, so the second is refused), and the worker that holds the scheduler lock runs the
scheduler. The locks belong to the connection: when a worker's process dies, for any reason, its
connection closes and PostgreSQL releases them, so another worker trying every few seconds takes
over the scheduler at once.

SQLite (one worker): SQLite has a single writer and briefcast runs one worker on it. An exclusive
lock on a file beside the database (flock, released by the kernel when the process dies) refuses
a second worker with one line instead of two workers contending for every write.
"""

from __future__ import annotations

import fcntl
import os
import zlib
from pathlib import Path

from sqlalchemy import Connection, Engine, func, literal, select
from sqlalchemy.exc import DBAPIError

from briefcast.errors import BriefcastError

# pg advisory lock keys: one bigint for the scheduler ("brfcsc" in ASCII); (class, id) pairs for
# worker ids, a separate key space in PostgreSQL.
SCHEDULER_KEY = 0x627266637363
WORKER_CLASS = 0x62726663  # "brfc"


class WorkerLockError(BriefcastError):
    """Another worker already holds what this one needs: it must not start."""


class WorkerLocks:
    """The locks one worker process holds; `acquire()` first, `release()` at the end."""

    def __init__(self, engine: Engine, worker_id: str) -> None:
        self.engine = engine
        self.worker_id = worker_id
        self.postgres = engine.dialect.name == "postgresql"
        self._conn: Connection | None = None  # PostgreSQL: the connection holding the locks
        self._file: int | None = None  # SQLite: the locked file
        self._leading = False

    def acquire(self) -> None:
        """Register this worker; WorkerLockError if another is running that excludes it."""
        if self.postgres:
            self._connect()
        else:
            self._lock_file()

    def try_lead(self) -> bool:
        """Take the scheduler lock if it is free (SQLite: the one worker always leads)."""
        if not self.postgres:
            return True
        if self._leading:
            return self.still_leading()
        try:
            conn = self._connect()
            self._leading = bool(_scalar(conn, func.pg_try_advisory_lock(SCHEDULER_KEY)))
        except (DBAPIError, WorkerLockError):
            self._drop()
        return self._leading

    def still_leading(self) -> bool:
        """Whether the scheduler lock is still ours: its connection still answers."""
        if not self.postgres:
            return True
        if not self._leading or self._conn is None:
            return False
        try:
            _scalar(self._conn, literal(1))
        except DBAPIError:
            self._drop()
        return self._leading

    def release(self) -> None:
        self._drop()
        if self._file is not None:
            os.close(self._file)  # closing the descriptor releases the flock
            self._file = None

    # -- PostgreSQL ----------------------------------------------------------------------------

    def _connect(self) -> Connection:
        if self._conn is not None:
            return self._conn
        conn = self.engine.connect()  # own transactions: held for the session's advisory lock
        key = zlib.crc32(self.worker_id.encode()) & 0x7FFFFFFF
        if not _scalar(conn, func.pg_try_advisory_lock(WORKER_CLASS, key)):
            conn.invalidate()
            conn.close()
            raise WorkerLockError(
                f"another worker is running as {self.worker_id!r} on this database; give each "
                "worker its own BRIEFCAST_WORKER_ID (two with one id would resend each other's "
                "messages)"
            )
        self._conn = conn
        return conn

    def _drop(self) -> None:
        """Close the locking connection (PostgreSQL releases its locks); it is not pooled again,
        as a pooled connection would keep them."""
        conn, self._conn, self._leading = self._conn, None, False
        if conn is not None:
            conn.invalidate()
            conn.close()

    # -- SQLite --------------------------------------------------------------------------------

    def _lock_file(self) -> None:
        database = self.engine.url.database
        if self._file is not None or not database or database == ":memory:":
            return
        path = Path(f"{database}.worker-lock")
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 32, 0).decode(errors="replace").strip() or "?"
            os.close(descriptor)
            raise WorkerLockError(
                f"another worker (pid {holder}) is running on the SQLite database {database}; "
                "SQLite takes one worker: stop that one first, or use PostgreSQL to run several "
                "(docs/operations.md)"
            ) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        self._file = descriptor


def _scalar(conn: Connection, expression) -> object:  # type: ignore[no-untyped-def]
    """One value, outside any lasting transaction (a session lock outlives the commit)."""
    value = conn.execute(select(expression)).scalar_one()
    conn.commit()
    return value
