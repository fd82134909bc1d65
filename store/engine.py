"""Opening the database: the engine, SQLite's connection settings, explicit reads and writes, and
migrations that run only when asked.

Every transaction says what it is for:

    with read(engine) as conn: ...    # never takes SQLite's write lock; never waits for a writer
    with write(engine) as conn: ...   # takes the write lock at BEGIN; committed on leaving

Readers (status, reports, every page) must keep answering while an import or a send holds the
write lock; on SQLite in WAL mode a deferred transaction that only reads never waits for it, on
PostgreSQL a READ ONLY transaction never blocks a writer. Writers take SQLite's lock at BEGIN
(IMMEDIATE), because a deferred transaction that read first and then wrote would fail at once with
"database is locked" instead of queueing. `tests/store/test_no_bare_transactions.py` keeps
library code from opening a transaction any other way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import URL, Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from briefcast.errors import BriefcastError
from briefcast.safe_output import private_folder
from briefcast.settings import Settings
from briefcast.store import revisions
from briefcast.store.revisions import MIGRATIONS  # noqa: F401  (where the migrations live)

SUPPORTED = ("sqlite", "postgresql")
_MODE = "briefcast_mode"  # execution option: "read" or "write"
_WAIT = "briefcast_wait"  # execution option: False, a write that does not queue for the lock
BUSY_TIMEOUT_MS = 10000


class DatabaseError(BriefcastError):
    pass


def connect(settings: Settings, *, migrate: bool = False, create: bool = False) -> Engine:
    """The application's database. Refused in one line when its schema is not this briefcast's,
    unless `migrate` (only `briefcast migrate` and the demo ask for it). A missing SQLite file is
    made only with `create` (commands that write): a read-only command never creates anything."""
    return open_database(settings.database_url, migrate=migrate, create=create)


def open_database(url: str, *, migrate: bool = False, create: bool = True) -> Engine:
    """An engine for any SQLAlchemy URL whose schema is the one this code expects.

    A brand-new, empty database is given the schema at once (nothing to lose, nothing to ask); a
    database behind this code is upgraded only with `migrate`, otherwise refused with the command
    to run; a database from a newer briefcast is always refused. Without `create` a missing
    SQLite file is refused instead of made.
    """
    parsed = _supported_url(url)
    engine = _engine(url, parsed, create)
    try:
        _bring_to_head(engine, migrate)
    except DBAPIError as error:  # OperationalError, "file is not a database", ...
        engine.dispose()
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise DatabaseError(f"cannot open the database {parsed!r}: {reason}") from None
    except DatabaseError:
        engine.dispose()
        raise
    return engine


class Migrated(NamedTuple):
    before: str | None  # None: the database was empty
    after: str
    notes: list[str]  # what a migration could not do, one line each (`briefcast migrate` says)


def migrate_database(url: str) -> Migrated:
    """Upgrade the database at `url` to this code's schema."""
    engine = open_database_unchecked(url)
    try:
        with read(engine) as conn:
            before = revisions.current_revision(conn)
        _refuse_newer(before)
        notes = upgrade(engine)
        return Migrated(before, revisions.head(), notes)
    finally:
        engine.dispose()


def open_database_unchecked(url: str) -> Engine:
    """An engine without any schema check: for `migrate` itself."""
    return _engine(url, _supported_url(url), create=True)


def _supported_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(f"BRIEFCAST_DATABASE_URL is not a database URL: {url!r}") from None
    if parsed.get_backend_name() not in SUPPORTED:
        raise DatabaseError(
            f"BRIEFCAST_DATABASE_URL: briefcast supports sqlite and postgresql+psycopg, "
            f"not {parsed.drivername}"
        )
    return parsed


def _engine(url: str, parsed: URL, create: bool) -> Engine:
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database, create)
    try:
        return create_engine(url)
    except (ImportError, NoSuchModuleError):  # postgresql:// means psycopg2, not installed
        raise DatabaseError(
            f"BRIEFCAST_DATABASE_URL: briefcast supports sqlite and postgresql+psycopg, "
            f"not {parsed.drivername} (its driver is not installed)"
        ) from None


def upgrade(engine: Engine) -> list[str]:
    """Apply every migration not yet applied, in one transaction (see `_migrating`); returns
    their notes."""
    with _migrating(engine) as conn:
        return revisions.upgrade(conn)


def downgrade(engine: Engine, revision: str) -> None:
    """Undo migrations down to `revision`, in one transaction: for tests of a migration."""
    with _migrating(engine) as conn:
        revisions.downgrade(conn, revision)


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """The write transaction migrations run in. On SQLite with foreign keys off, as SQLite's
    own procedure for rebuilding a table says: a migration in batch mode (0011) drops the old
    table, and with them on that drop would delete the acknowledgements of its rows and cut
    bounce reports loose. They are checked before the commit instead, so a migration that did
    break one is rolled back."""
    if engine.dialect.name != "sqlite":
        with write(engine) as conn:
            yield conn
        return
    with engine.connect() as conn:
        raw = conn.connection.driver_connection  # no transaction yet: a PRAGMA inside one is void
        assert raw is not None
        raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with conn.execution_options(**{_MODE: "write"}).begin():
                yield conn
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    table, rowid, parent, _ = broken[0]
                    raise DatabaseError(
                        f"the migration left {len(broken)} row(s) referring to missing ones "
                        f"(the first: {table} row {rowid} -> {parent}); nothing was changed"
                    )
        finally:
            raw.execute("PRAGMA foreign_keys = ON")


@contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction: never takes SQLite's write lock, so it never waits for a writer;
    READ ONLY on PostgreSQL, so a write by mistake fails there (the tests run on both)."""
    with (
        engine.execution_options(**{_MODE: "read"}, postgresql_readonly=True).connect() as conn,
        conn.begin(),
    ):
        yield conn


@contextmanager
def write(engine: Engine, *, wait: bool = True) -> Iterator[Connection]:
    """A write transaction, committed when the block ends (rolled back on an exception). On
    SQLite it holds the write lock from its start (waiting up to the busy timeout for it; with
    `wait=False` it fails at once with OperationalError while another connection holds it: for
    housekeeping that can be left to the next time, like an upload's progress)."""
    options = {_MODE: "write", _WAIT: wait}
    with engine.execution_options(**options).begin() as conn:
        yield conn


def checkpoint(engine: Engine) -> bool:
    """Fold SQLite's WAL into the database file and truncate it, so bytes a transaction overwrote
    (an erasure, with secure_delete) are not left behind in the WAL; nothing to do elsewhere.
    False when a reader's snapshot kept part of the WAL: it goes at the next checkpoint."""
    if engine.dialect.name != "sqlite":
        return True
    connection = engine.raw_connection()  # no transaction: a checkpoint cannot run inside one
    try:
        cursor = connection.cursor()
        busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        connection.close()
    return busy == 0


def _bring_to_head(engine: Engine, migrate: bool) -> None:
    with read(engine) as conn:
        current = revisions.current_revision(conn)
        empty = current is None and not _has_tables(conn)
    head = revisions.head()
    if current == head:
        return
    _refuse_newer(current)
    if current is None and not empty:
        raise DatabaseError(
            f"{engine.url!r} is not a briefcast database (it has tables but no briefcast "
            "revision): point BRIEFCAST_DATABASE_URL at an empty or a briefcast database"
        )
    if empty or migrate:
        upgrade(engine)
        return
    raise DatabaseError(
        f"the database is at revision {current} and this briefcast needs {head}: "
        "back it up, then run `briefcast migrate`"
    )


def _refuse_newer(current: str | None) -> None:
    if current is not None and not revisions.is_known(current):
        raise DatabaseError(
            f"the database was upgraded by a newer briefcast (revision {current}; this one "
            f"knows up to {revisions.head()}): run the newer briefcast, or restore a backup"
        )


def _has_tables(conn: Connection) -> bool:
    return bool(inspect(conn).get_table_names())


def _sqlite_engine(url: str, database: str | None, create: bool) -> Engine:
    if database and database != ":memory:" and not database.startswith("file:"):
        _sqlite_file(Path(database), create)
    engine = create_engine(url)
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _sqlite_file(path: Path, create: bool) -> None:
    """Make a missing database file owner-only (0600, new folders 0700) before SQLite opens it:
    it holds the link-signing key, the erasure salt and people's addresses. SQLite gives the
    -wal and -shm files the database file's permissions. An existing file is left as it is."""
    if path.exists():
        return
    if not create:
        raise DatabaseError(
            f"no database at {path}; run a command that creates it, "
            "e.g. `briefcast lists import` or `briefcast migrate`"
        )
    try:
        private_folder(path.parent)
    except OSError as error:
        raise DatabaseError(f"cannot create the folder for {path}: {error.strerror}") from None
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:  # another process made it a moment ago
        pass
    except OSError as error:
        raise DatabaseError(f"cannot create the database {path}: {error.strerror}") from None


def _configure_sqlite_connection(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions start: the module only
    # opens one before INSERT/UPDATE/DELETE, so DDL (the import's staging table) and the reads
    # before the first write would fall outside it and a rollback would not undo everything.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")  # off by default in SQLite, per connection
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA secure_delete = ON")  # erased people's bytes are overwritten, not freed
    # WAL: readers (the send loop, the web pages) are not blocked while an import writes. Only
    # switched when needed: asking for it on a database already in WAL is a no-op, but switching
    # needs the exclusive lock, which a reader must never wait for.
    if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        cursor.execute("PRAGMA journal_mode = WAL")
    # In WAL, NORMAL still survives a crash of the process (kill -9) with every commit kept; only
    # a power loss could drop the last ones. It makes the send loop's commit per message cheap.
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _begin_sqlite_transaction(connection) -> None:  # type: ignore[no-untyped-def]
    # IMMEDIATE for everything but a declared read: see the module's docstring.
    options = connection.get_execution_options()
    if options.get(_MODE) == "read":
        connection.exec_driver_sql("BEGIN")
    elif options.get(_WAIT, True):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:  # the lock now or never; the connection waits as usual again afterwards
        connection.exec_driver_sql("PRAGMA busy_timeout = 0")
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
