"""Migrations run only when asked: a database behind the code is refused with the command to run,
one from a newer briefcast is refused, a brand-new one is set up at once."""

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from briefcast.cli import app
from briefcast.store import DatabaseError, migrate_database, open_database
from briefcast.store.engine import open_database_unchecked, write
from briefcast.store.revisions import head


def _set_revision(url: str, revision: str) -> None:
    engine = open_database_unchecked(url)
    with write(engine) as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def _one_revision_behind(url: str) -> str:
    """A database really at the previous revision: the newest migration undone."""
    from alembic import command
    from alembic.config import Config

    from briefcast.store.revisions import MIGRATIONS

    open_database(url).dispose()
    engine = open_database_unchecked(url)
    with write(engine) as conn:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = conn
        command.downgrade(config, "-1")
    engine.dispose()
    # the revision before head, as the chain says (revision numbers can skip while other
    # branches' migrations are not merged yet)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(config).get_revision(head()).down_revision


def test_a_brand_new_database_is_set_up_without_asking(database_url):
    engine = open_database(database_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head()
    engine.dispose()


def test_a_database_one_revision_behind_is_refused_with_the_command_to_run(database_url):
    previous = _one_revision_behind(database_url)
    with pytest.raises(DatabaseError) as refused:
        open_database(database_url)
    message = str(refused.value)
    assert f"at revision {previous}" in message and f"needs {head()}" in message
    assert "briefcast migrate" in message and "\n" not in message


def test_migrate_upgrades_and_says_from_which_revision_to_which(database_url, monkeypatch):
    previous = _one_revision_behind(database_url)
    monkeypatch.setenv("BRIEFCAST_DATABASE_URL", database_url)
    result = CliRunner().invoke(app, ["migrate"])
    assert result.exit_code == 0, result.output
    assert f"from revision {previous} to {head()}" in result.output
    open_database(database_url).dispose()  # accepted now
    again = CliRunner().invoke(app, ["migrate", "--json"])
    assert '"changed": false' in again.output


def test_a_database_from_a_newer_briefcast_is_refused_even_by_migrate(database_url):
    open_database(database_url).dispose()
    _set_revision(database_url, "9999")
    for attempt in (lambda: open_database(database_url), lambda: migrate_database(database_url)):
        with pytest.raises(DatabaseError, match="upgraded by a newer briefcast"):
            attempt()


def test_a_database_that_is_not_briefcasts_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'other.db'}"
    engine = open_database_unchecked(url)
    with write(engine) as conn:
        conn.execute(text("CREATE TABLE invoices (id INTEGER)"))
    engine.dispose()
    with pytest.raises(DatabaseError, match="not a briefcast database"):
        open_database(url)


def test_serve_and_worker_refuse_a_database_behind_in_one_line(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    _one_revision_behind(url)
    monkeypatch.setenv("BRIEFCAST_DATABASE_URL", url)
    for command in (["serve", "--port", "0"], ["worker", "--once"], ["status"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 1, (command, result.output)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and "briefcast migrate" in lines[0], (command, result.output)


def _at(url: str, revision: str) -> None:
    """A database really at `revision`: set up at head, then migrated down to it."""
    from briefcast.store.engine import downgrade

    open_database(url).dispose()
    engine = open_database_unchecked(url)
    downgrade(engine, revision)
    engine.dispose()


def test_0011_lets_a_delivery_be_unknown_and_keeps_what_refers_to_the_ledger(database_url):
    # On SQLite 0011 rebuilds the deliveries table; with foreign keys on, dropping the old one
    # would delete its acknowledgements and cut its bounce reports loose.
    from ledger_rows import (
        add_acknowledgement,
        add_campaign,
        add_delivery,
        add_issue,
        add_list,
        add_person,
    )

    _at(database_url, "0010")
    engine = open_database_unchecked(database_url)
    with write(engine) as conn:
        list_id = add_list(conn, "health")
        issue_id = add_issue(conn, add_campaign(conn))
        delivery_id = add_delivery(conn, issue_id, add_person(conn, "ann@example.org"), list_id)
        add_acknowledgement(conn, delivery_id, "We will ask about the other adults.")
        conn.execute(
            text(
                "INSERT INTO bounce_reports (report_key, recipient, kind, action, delivery_id, "
                "created_at) VALUES ('<r1@example.net>', 'ann@example.org', 'delayed', 'kept', "
                ":id, CURRENT_TIMESTAMP)"
            ),
            {"id": delivery_id},
        )
    with pytest.raises(IntegrityError), write(engine) as conn:  # not yet allowed
        conn.execute(text("UPDATE deliveries SET status = 'unknown'"))
    engine.dispose()

    assert migrate_database(database_url)[:2] == ("0010", head())
    engine = open_database(database_url)
    with write(engine) as conn:
        conn.execute(text("UPDATE deliveries SET status = 'unknown', last_error = 'no reply'"))
        assert conn.execute(text("SELECT delivery_id FROM acknowledgements")).all() == [
            (delivery_id,)
        ]
        assert conn.execute(text("SELECT delivery_id FROM bounce_reports")).all() == [
            (delivery_id,)
        ]
        indexes = {index["name"] for index in inspect(conn).get_indexes("deliveries")}
        assert {"ix_deliveries_issue_id_status", "ix_deliveries_attempted_at"} <= indexes
    with pytest.raises(IntegrityError), write(engine) as conn:
        conn.execute(text("UPDATE deliveries SET status = 'lost'"))
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:  # the rebuild left foreign keys on for the pool
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()

    # Down again: an unknown outcome becomes failed (never queued: that would resend it).
    _at(database_url, "0010")
    engine = open_database_unchecked(database_url)
    with engine.connect() as conn:
        status, error = conn.execute(text("SELECT status, last_error FROM deliveries")).one()
        acknowledged = conn.execute(text("SELECT count(*) FROM acknowledgements")).scalar()
    engine.dispose()
    assert status == "failed" and error.endswith("no reply") and "outcome unknown" in error
    assert acknowledged == 1
