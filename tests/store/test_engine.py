"""The store opens any URL, migrates to head, and the migrations describe exactly the schema."""

import itertools
import threading
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from briefcast.settings import Settings
from briefcast.store import DatabaseError, connect, open_database
from briefcast.store.engine import MIGRATIONS, read, write
from briefcast.store.meta import get_meta, set_meta
from briefcast.store.schema import metadata


def _head() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def test_migrations_create_exactly_the_schema(engine):
    with engine.connect() as conn:
        # SQLite's people search is an FTS5 table (and its shadow tables) kept by triggers,
        # outside the SQLAlchemy metadata on purpose (store/people_search.py), as is
        # PostgreSQL's trigram index (migration 0013)
        def described(_obj, name, type_, _reflected, _compare_to):  # type: ignore[no-untyped-def]
            searching = bool(name) and name.startswith("recipient_search")
            return not (type_ in ("table", "index") and searching)

        context = MigrationContext.configure(conn, opts={"include_object": described})
        assert compare_metadata(context, metadata) == []
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == _head()


def test_every_migration_is_in_one_line_of_history():
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    revisions = list(reversed(list(ScriptDirectory.from_config(config).walk_revisions())))
    # one chain, numbered upwards (a number can be skipped while another branch's migration
    # is not merged yet: the lead re-chains it)
    assert revisions[0].revision == "0001" and revisions[0].down_revision is None
    for before, after in itertools.pairwise(revisions):
        assert after.down_revision == before.revision
        assert int(after.revision) > int(before.revision)


def test_opening_again_is_a_no_op(database_url, engine):
    open_database(database_url).dispose()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_sqlite_uses_wal_and_enforces_foreign_keys(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'b.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_default_database_is_a_file_under_var(tmp_path):
    settings = Settings.from_env({}, workdir=tmp_path)
    connect(settings, create=True).dispose()
    assert (tmp_path / "var" / "briefcast.db").exists()


@pytest.mark.parametrize(
    "url, message",
    [
        ("not a url", "is not a database URL"),
        ("sqlite:////proc/no/x.db", "cannot create the folder"),
    ],
)
def test_a_bad_url_is_one_line_error(url, message):
    with pytest.raises(DatabaseError, match=message):
        open_database(url)


def test_an_unreachable_database_is_one_line_error():
    with pytest.raises(DatabaseError, match="cannot open the database"):
        open_database("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")


def test_rollback_undoes_ddl_on_sqlite(tmp_path: Path):
    # The import relies on this: its staging table must vanish with a rolled-back transaction.
    engine = open_database(f"sqlite:///{tmp_path / 'b.db'}")
    with engine.connect() as conn:
        transaction = conn.begin()
        conn.exec_driver_sql("CREATE TEMPORARY TABLE scratch (x INTEGER)")
        transaction.rollback()
        assert (
            conn.exec_driver_sql(
                "SELECT count(*) FROM sqlite_temp_master WHERE name = 'scratch'"
            ).scalar()
            == 0
        )
    engine.dispose()


def _hold_write_lock(engine, seconds: float) -> tuple[threading.Thread, threading.Event]:
    holding = threading.Event()

    def writer() -> None:
        with write(engine) as conn:
            set_meta(conn, "written", "yes")
            holding.set()
            time.sleep(seconds)

    thread = threading.Thread(target=writer)
    thread.start()
    holding.wait()
    return thread, holding


def test_sqlite_write_transactions_queue_instead_of_failing(tmp_path):
    """A transaction that reads, then writes, while another commits: with SQLite's deferred BEGIN
    it fails at once ("database is locked"); taking the lock at BEGIN makes it wait its turn."""
    engine = open_database(f"sqlite:///{tmp_path / 'queue.db'}")
    writer, _ = _hold_write_lock(engine, 0.3)
    with write(engine) as conn:
        seen = get_meta(conn, "written")
        set_meta(conn, "after", "yes")
    writer.join()
    assert seen == "yes"  # it began after the other transaction committed


def test_sqlite_readers_do_not_queue_behind_a_writer(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'read.db'}")
    writer, _ = _hold_write_lock(engine, 2)
    with read(engine) as conn:
        seen = get_meta(conn, "written")
    still_writing = writer.is_alive()
    writer.join()
    assert seen is None and still_writing  # read the last committed state, without waiting
