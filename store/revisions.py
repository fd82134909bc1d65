"""The schema's revisions (Alembic, configured in code): which one a database is at, which this
code needs, and upgrading to it. Nothing here depends on the working directory or an .ini file."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

MIGRATIONS = Path(__file__).parent / "migrations"


def current_revision(conn: Connection) -> str | None:
    """The revision the database is at; None for a database briefcast never migrated."""
    return MigrationContext.configure(conn).get_current_revision()


def head() -> str:
    """The revision this code needs."""
    return _script().get_current_head()


def is_known(revision: str) -> bool:
    """Whether this code has the revision (a database from a newer briefcast has one it lacks)."""
    return revision in {script.revision for script in _script().walk_revisions()}


def upgrade(conn: Connection) -> list[str]:
    """Apply every migration not yet applied, inside the caller's transaction; returns the notes
    a migration left for whoever runs it (one line each: what it could not do, and why)."""
    config = _config()
    config.attributes["connection"] = conn
    command.upgrade(config, "head")
    return list(config.attributes.get("notes", []))


def downgrade(conn: Connection, revision: str) -> None:
    """Undo migrations down to `revision`, inside the caller's transaction (tests)."""
    config = _config()
    config.attributes["connection"] = conn
    command.downgrade(config, revision)


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())
