"""The few statements the send loop runs for every message, straight on the driver's cursor.

    run(conn, sql, **params) -> int      in the caller's transaction; the row count
    commit_alone(conn, sql, **params)    in a transaction of its own, committed on return

At a thousand messages a second, SQLAlchemy's share of a statement (compiling or looking up the
statement, the result object, its begin and commit, the SQLite BEGIN hook of store/engine.py)
costs several times what the database itself takes. The SQL is written once with :name
parameters; psycopg gets %(name)s (and prepares a statement it runs often by itself). Other
drivers go through SQLAlchemy, with the same SQL.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, Dialect, TextClause, bindparam, text

from briefcast.store.schema import deliveries, to_utc

FAST_DRIVERS = frozenset({("sqlite", "pysqlite"), ("postgresql", "psycopg")})
# SQLAlchemy's default text for a DATETIME on SQLite (sqlalchemy.dialects.sqlite.DATETIME).
SQLITE_TIME_FORMAT = (
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
)


def commit_quickly(conn: Connection) -> None:
    """Let this transaction's commit return before the WAL reaches disk (PostgreSQL).

    The record survives a crash of the worker (the server has it); only a crash of the database
    server itself could lose the last few outcomes. SQLite gets the same trade from WAL with
    synchronous=NORMAL (store/engine.py).
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")


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


def commit_alone(conn: Connection, sql: str, **params: object) -> None:
    """Run `sql` in a transaction of its own, committed (quickly) on return. `conn` must not be
    in a transaction."""
    if not _fast(conn):
        with conn.begin():
            commit_quickly(conn)
            run(conn, sql, **params)
        return
    driver = conn.connection.driver_connection
    cursor = driver.cursor()
    statement, values = _for_driver(conn.dialect.name, sql), _driver_values(conn, params)
    try:
        if conn.dialect.name == "sqlite":
            # One statement outside a transaction (the module is in autocommit mode, see
            # store/engine.py): SQLite takes the write lock, waiting as for BEGIN IMMEDIATE,
            # and commits it by itself.
            cursor.execute(statement, values)
        else:
            # Four round trips (BEGIN, the setting, the statement, COMMIT). psycopg's pipeline
            # mode, sending them together, measured no faster here (docs/operations.md), so the
            # plain form stays.
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute(statement, values)
            driver.commit()
    except BaseException:
        if conn.dialect.name != "sqlite":
            driver.rollback()
        raise
    finally:
        cursor.close()


def sqlite_time(m: datetime) -> str:
    """A datetime as SQLAlchemy writes it to SQLite (SQLITE_TIME_FORMAT), several times faster."""
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d} "
        f"{m.hour:02d}:{m.minute:02d}:{m.second:02d}.{m.microsecond:06d}"
    )


def _fast(conn: Connection) -> bool:
    return (conn.dialect.name, conn.dialect.driver) in FAST_DRIVERS


def _driver_values(conn: Connection, params: dict[str, object]) -> dict[str, object]:
    to_driver = time_for(conn.dialect)
    return {k: to_driver(to_utc(v)) if isinstance(v, datetime) else v for k, v in params.items()}


@functools.cache
def _for_driver(dialect: str, sql: str) -> str:
    return sql if dialect == "sqlite" else re.sub(r":(\w+)", r"%(\1)s", sql)


@functools.cache
def _as_text(sql: str) -> TextClause:
    times = [bindparam(name, type_=deliveries.c.attempted_at.type) for name in ("now", "attempted")]
    return text(sql).bindparams(*(b for b in times if f":{b.key}" in sql))


@functools.cache
def time_for(dialect: Dialect) -> Callable[[datetime], object]:
    """A datetime as the driver stores it in deliveries' columns (SQLite: SQLAlchemy's text)."""
    if dialect.name != "sqlite":
        return lambda moment: moment
    storage = deliveries.c.attempted_at.type.dialect_impl(dialect)
    if getattr(storage, "_storage_format", None) == SQLITE_TIME_FORMAT:
        return sqlite_time  # the same text, without SQLAlchemy's dict per value
    return storage.bind_processor(dialect) or (lambda moment: moment)
