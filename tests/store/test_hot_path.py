"""store/hot_path: the send loop's per-message statements, on both databases.

start_commit is the one a message sent goes through: begun when the relay accepts the message,
finished before the next one's data ends. These tests hold it to its promise: the
statement is committed by itself, its error comes out of finish(), nothing runs twice.
"""

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from briefcast.store import hot_path
from briefcast.store.engine import read, write

BUMP = "UPDATE counted SET n = n + :by"
WHEN = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def counted(engine):
    with write(engine) as conn:
        conn.execute(text("CREATE TABLE counted (n integer NOT NULL, at TIMESTAMP WITH TIME ZONE)"))
        conn.execute(text("INSERT INTO counted (n) VALUES (0)"))
    return engine


def count(engine) -> int:
    with read(engine) as conn:
        return conn.execute(text("SELECT n FROM counted")).scalar_one()


def test_a_started_commit_is_committed_by_finish_alone(counted):
    with counted.connect() as conn:
        pending = hot_path.start_commit(conn, BUMP, by=1)
        pending.finish()
        pending.finish()  # a second finish does nothing
        assert not conn.in_transaction()
    assert count(counted) == 1  # seen by another connection: committed


def test_its_error_comes_out_of_finish_and_the_connection_goes_on(counted):
    with counted.connect() as conn:
        pending = hot_path.start_commit(conn, "UPDATE counted SET n = :n", n=None)
        # The driver's own error (both statements run below SQLAlchemy), naming the column.
        with pytest.raises(Exception, match=r"(?i)null"):
            pending.finish()
        hot_path.start_commit(conn, BUMP, by=5).finish()
    assert count(counted) == 5


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_a_statement_deallocated_under_it_is_prepared_again_and_runs_once(counted):
    """psycopg runs DEALLOCATE ALL after a schema change on its connection, which drops the
    statement start_commit prepared there: the next start_commit must still run, once."""
    with counted.connect() as conn:
        hot_path.start_commit(conn, BUMP, by=1).finish()  # prepared on this connection
        driver = conn.connection.driver_connection
        driver.execute("DEALLOCATE ALL")
        driver.rollback()
        hot_path.start_commit(conn, BUMP, by=10).finish()
        hot_path.start_commit(conn, BUMP, by=100).finish()
    assert count(counted) == 111


def test_a_time_goes_in_as_the_columns_keep_it(counted):
    with counted.connect() as conn:
        hot_path.start_commit(conn, "UPDATE counted SET at = :now", now=WHEN).finish()
    with read(counted) as conn:
        stored = conn.execute(text("SELECT at FROM counted")).scalar_one()
    if isinstance(stored, str):  # SQLite keeps text: SQLAlchemy's format, in UTC
        assert stored == hot_path.sqlite_time(WHEN.replace(tzinfo=None))
    else:
        assert stored == WHEN
