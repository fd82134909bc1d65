"""What every command shares, opened one way: the settings, the database and the acting person.

    ctx = command_context()
    ctx.settings   # read and checked once, before anything happens
    ctx.engine     # opened once (refused in one line if its schema is behind), disposed on exit
    ctx.actor      # who acts: `briefcast --actor NAME`, else the OS user; kept in the audit trail

The object lives on the root click context, so a command and the helpers it calls see the same
settings and database, and the database is disposed when the command ends, however it ends.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field

import click
from sqlalchemy import Engine

from briefcast.settings import Settings
from briefcast.store.audit import Actor


@dataclass
class CommandContext:
    actor_name: str | None = None
    _settings: Settings | None = field(default=None, repr=False)
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.from_env()
        return self._settings

    def use_settings(self, settings: Settings) -> None:
        """Settings made by the command itself (the demo points them at its own folder)."""
        self._settings = settings

    @property
    def engine(self) -> Engine:
        """The database, as a command that needs what others stored opens it: refused when
        missing or behind this briefcast, never created or migrated behind the user's back."""
        return self.open_database()

    def open_database(self, *, migrate: bool = False, create: bool = False) -> Engine:
        """The database; `create` for the commands that store something first (an import, a
        schedule), `migrate` for `briefcast migrate` and the demo."""
        if self._engine is None:
            from briefcast.store import connect

            self._engine = connect(self.settings, migrate=migrate, create=create)
            click.get_current_context().find_root().call_on_close(self._dispose)
        return self._engine

    @property
    def actor(self) -> Actor:
        name = (self.actor_name or "").strip() or _os_user()
        return Actor.person(name)

    def _dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def command_context() -> CommandContext:
    """This command's context (one per run of `briefcast`)."""
    return click.get_current_context().find_root().ensure_object(CommandContext)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container): still say who
        return "unknown user"
