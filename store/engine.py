"""Opening the database: the engine, SQLite's connection settings, and migrating to head."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from briefcast.errors import BriefcastError
from briefcast.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseError(BriefcastError):
    pass


def connect(settings: Settings) -> Engine:
    """The application's database, upgraded to the latest schema."""
    return open_database(settings.database_url)


def open_database(url: str) -> Engine:
    """An engine for any SQLAlchemy URL, with the schema migrated to head (a no-op when current)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(f"BRIEFCAST_DATABASE_URL is not a database URL: {url!r}") from None
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(url, parsed.database)
    else:
        engine = create_engine(url)
    try:
        upgrade(engine)
    except OperationalError as error:
        engine.dispose()
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise DatabaseError(f"cannot open the database {parsed!r}: {reason}") from None
    return engine


def upgrade(engine: Engine) -> None:
    """Apply every Alembic migration not yet applied, in one transaction."""
    with engine.begin() as connection:
        config = Config()  # programmatic: nothing depends on the working directory or an .ini
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:" and not database.startswith("file:"):
        try:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            reason = error.strerror
            raise DatabaseError(f"cannot create the folder for {database}: {reason}") from None
    engine = create_engine(url)
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions start: the module only
    # opens one before INSERT/UPDATE/DELETE, so DDL (the import's staging table) and the reads
    # before the first write would fall outside it and a rollback would not undo everything.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")  # off by default in SQLite, per connection
    # WAL: readers (the send loop, the web pages) are not blocked while an import writes.
    cursor.execute("PRAGMA journal_mode = WAL")
    # In WAL, NORMAL still survives a crash of the process (kill -9) with every commit kept; only
    # a power loss could drop the last ones. It makes the send loop's commit per message cheap.
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.close()


def _begin_sqlite_transaction(connection) -> None:  # type: ignore[no-untyped-def]
    # IMMEDIATE: take the write lock at the start, waiting up to busy_timeout for it. A deferred
    # transaction that reads and then writes (a send recording its outcome while another thread
    # commits) cannot wait: SQLite fails it at once with "database is locked". Pure readers that
    # must not queue behind a long import ask for `reading(engine)`.
    readonly = connection.get_execution_options().get("briefcast_readonly", False)
    connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def reading(engine: Engine) -> Engine:
    """The same engine for read-only transactions: on SQLite they take no write lock."""
    return engine.execution_options(briefcast_readonly=True)
