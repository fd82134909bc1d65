"""The few statements the send loop runs for every message, straight on the driver's cursor.

    run(conn, sql, **params) -> int      in the caller's transaction; the row count
    start_commit(conn, sql, **params)    in a transaction of its own, committed by .finish()
    quick_commits(conn)                  commits that do not wait for the disk, for a while

At a thousand messages a second, SQLAlchemy's share of a statement (compiling or looking up the
statement, the result object, its begin and commit, the SQLite BEGIN hook of store/engine.py)
costs several times what the database itself takes. The SQL is written once with :name
parameters; psycopg gets %(name)s (and prepares a statement it runs often by itself). Other
drivers go through SQLAlchemy, with the same SQL.
"""

from __future__ import annotations

import functools
import re
import weakref
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Dialect, TextClause, bindparam, text
from sqlalchemy.exc import DBAPIError

from briefcast.store.schema import deliveries, to_utc

FAST_DRIVERS = frozenset({("sqlite", "pysqlite"), ("postgresql", "psycopg")})
# SQLAlchemy's default text for a DATETIME on SQLite (sqlalchemy.dialects.sqlite.DATETIME).
SQLITE_TIME_FORMAT = (
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
)


@contextmanager
def quick_commits(conn: Connection) -> Iterator[None]:
    """Every commit on `conn` returns before the WAL reaches disk (PostgreSQL), while inside.

    For the send loop's own connection. The record survives a crash of the worker (the server has
    it); only a crash of the database server itself could lose the last few outcomes. SQLite
    gets the same trade from WAL with synchronous=NORMAL (store/engine.py). Set once for the
    session, not per transaction: a SET LOCAL is a round trip of its own on every commit.
    """
    if conn.dialect.name != "postgresql":
        yield
        return
    with conn.begin():
        conn.exec_driver_sql("SET synchronous_commit = off")
    try:
        yield
    finally:
        # The connection goes back to the pool: the next user gets the server's setting.
        # A broken connection is discarded by the pool, setting and all.
        with suppress(DBAPIError), conn.begin():
            conn.exec_driver_sql("RESET synchronous_commit")


def run(conn: Connection, sql: str, **params: object) -> int:
    """Run `sql` in the caller's transaction; returns the row count."""
    if not _fast(conn):
        values = {k: to_utc(v) if isinstance(v, datetime) else v for k, v in params.items()}
        return conn.execute(_as_text(sql), values).rowcount
    cursor = conn.connection.cursor()
    try:
        cursor.execute(_for_driver(conn.dialect.name, sql), _driver_values(conn, params))
        return cursor.rowcount
    finally:
        cursor.close()


@dataclass
class PendingCommit:
    """A statement committed alone (start_commit), begun and not yet known to be done.

    `finish()` returns once it is committed (or raises its error); nothing else may use the
    connection before. It is idempotent: the second call does nothing."""

    _finish: Callable[[], None] | None

    def finish(self) -> None:
        finish, self._finish = self._finish, None
        if finish is not None:
            finish()


def start_commit(conn: Connection, sql: str, **params: object) -> PendingCommit:
    """Run `sql` in a transaction of its own, committed by the returned record's finish(); `conn`
    must not be in a transaction, and nothing else may use it before finish().

    On PostgreSQL (psycopg) the statement leaves now, alone in autocommit (one round trip, a
    statement prepared once per connection), and finish() reads its result: the server runs and
    commits it while the caller works. The send loop begins a message's record when the relay
    accepts it and finishes it just before the next message's data, so the database's round trip
    overlaps the relay's. Elsewhere it all happens in finish(): SQLite runs in this process, so
    there is nothing to overlap.
    """
    if _driver(conn) == ("postgresql", "psycopg"):
        return PendingCommit(_send_alone(conn.connection.driver_connection, sql, params))
    return PendingCommit(functools.partial(_commit_alone, conn, sql, params))


def _commit_alone(conn: Connection, sql: str, params: dict[str, object]) -> None:
    if _driver(conn) != ("sqlite", "pysqlite"):
        with conn.begin():
            run(conn, sql, **params)
        return
    # One statement outside a transaction (the module is in autocommit mode, see
    # store/engine.py): SQLite takes the write lock, waiting as for BEGIN IMMEDIATE, and commits
    # it by itself.
    driver = conn.connection.driver_connection
    driver.execute(_for_driver("sqlite", sql), _driver_values(conn, params))


class _Libpq:
    """Statements sent straight on one psycopg connection's libpq connection, each alone outside
    a transaction (so it commits by itself, one round trip), its result read later.

    Below psycopg's cursor, which would wait for the result: psycopg is idle (the caller is not in
    a transaction) and stays unaware, and the result is read before anything else uses the
    connection. Parameters go as text, typed by the server from the columns they meet. One per
    connection (_LIBPQ), so a message costs the statement and little else."""

    def __init__(self, driver: Any) -> None:
        from psycopg import errors, generators, pq  # only with PostgreSQL

        self._driver, self._pgconn = driver, driver.pgconn
        self._errors, self._generators, self._sqlstate = errors, generators, pq.DiagnosticField
        self._prepared: set[bytes] = set()

    def send(self, query: bytes, statement: bytes, values: list[bytes | None]) -> None:
        if statement not in self._prepared:
            # Parsed and planned once per connection, as psycopg does for a statement it runs
            # often: planning it again for every message costs the server more than running it.
            self._pgconn.send_prepare(statement, query)
            self._flush()
            self._check(self._results())
            self._prepared.add(statement)
        self._pgconn.send_query_prepared(statement, values)
        self._flush()

    def finish(self, query: bytes, statement: bytes, values: list[bytes | None]) -> None:
        answers = self._results()
        if answers and answers[0].error_field(self._sqlstate.SQLSTATE) == b"26000":
            # Gone: psycopg deallocates every prepared statement on its connection after a
            # schema change (DEALLOCATE ALL). The statement did not run: prepare it and run it.
            self._prepared.discard(statement)
            self.send(query, statement, values)
            answers = self._results()
        self._check(answers)

    def _flush(self) -> None:
        if self._pgconn.flush():  # more than the socket took at once: wait until it all went
            self._driver.wait(self._generators.send(self._pgconn))

    def _results(self) -> list[Any]:
        pgconn = self._pgconn
        pgconn.consume_input()
        if pgconn.is_busy():  # not all here yet: psycopg's wait, which lets other threads run
            return self._driver.wait(self._generators.fetch_many(pgconn))  # type: ignore[no-any-return]
        answers = []  # all here (the usual case: the relay's answers took longer): read them
        while (answer := pgconn.get_result()) is not None:
            answers.append(answer)
        return answers

    def _check(self, answers: list[Any]) -> None:
        failed = [answer for answer in answers if answer.status != self._generators.COMMAND_OK]
        if failed:
            raise self._errors.error_from_result(failed[0])
        if not answers:
            raise self._errors.OperationalError("the database sent no result")


# Per psycopg connection (each lives as long as its connection, and so do its prepared statements).
_LIBPQ: weakref.WeakKeyDictionary[Any, _Libpq] = weakref.WeakKeyDictionary()


def _send_alone(driver: Any, sql: str, params: dict[str, object]) -> Callable[[], None]:
    """Send `sql` now; the function that reads its result (see _Libpq)."""
    libpq = _LIBPQ.get(driver)
    if libpq is None:
        libpq = _LIBPQ[driver] = _Libpq(driver)
    query, statement, names = _numbered(sql)
    values = [_libpq_text(params[name]) for name in names]
    libpq.send(query, statement, values)
    return functools.partial(libpq.finish, query, statement, values)


@functools.cache
def _numbered(sql: str) -> tuple[bytes, bytes, tuple[str, ...]]:
    """`sql` with :name parameters as libpq's $1, $2 ..., a name to prepare it under, and the
    parameters' names in their order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    query = re.sub(r":(\w+)", number, sql).encode()
    return query, f"briefcast_{zlib.crc32(query):08x}".encode(), tuple(names)


def _libpq_text(value: object) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_utc(value).isoformat().encode()
    if isinstance(value, bool | int | str):
        return str(value).encode()
    raise TypeError(f"no text form for {type(value).__name__} here")


def sqlite_time(m: datetime) -> str:
    """A datetime as SQLAlchemy writes it to SQLite (SQLITE_TIME_FORMAT), several times faster."""
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d} "
        f"{m.hour:02d}:{m.minute:02d}:{m.second:02d}.{m.microsecond:06d}"
    )


def _driver(conn: Connection) -> tuple[str, str]:
    return conn.dialect.name, conn.dialect.driver


def _fast(conn: Connection) -> bool:
    return _driver(conn) in FAST_DRIVERS


def _driver_values(conn: Connection, params: dict[str, object]) -> dict[str, object]:
    to_driver = time_for(conn.dialect)
    return {k: to_driver(to_utc(v)) if isinstance(v, datetime) else v for k, v in params.items()}


@functools.cache
def _for_driver(dialect: str, sql: str) -> str:
    return sql if dialect == "sqlite" else re.sub(r":(\w+)", r"%(\1)s", sql)


@functools.cache
def _as_text(sql: str) -> TextClause:
    now = bindparam("now", type_=deliveries.c.attempted_at.type)
    return text(sql).bindparams(now) if ":now" in sql else text(sql)


@functools.cache
def time_for(dialect: Dialect) -> Callable[[datetime], object]:
    """A datetime as the driver stores it in deliveries' columns (SQLite: SQLAlchemy's text)."""
    if dialect.name != "sqlite":
        return lambda moment: moment
    storage = deliveries.c.attempted_at.type.dialect_impl(dialect)
    if getattr(storage, "_storage_format", None) == SQLITE_TIME_FORMAT:
        return sqlite_time  # the same text, without SQLAlchemy's dict per value
    return storage.bind_processor(dialect) or (lambda moment: moment)
