"""What an admin looks at after reports were read: the reports kept, the lists flagged for
allow-listing, and marking a flag resolved (the console will call the same functions)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from briefcast.errors import BriefcastError
from briefcast.store import bounces as store
from briefcast.store.audit import Actor, record
from briefcast.store.bounces import Flag, KeptReport
from briefcast.store.engine import read, write


def recent_reports(engine: Engine, *, unmatched_only: bool = False) -> list[KeptReport]:
    with read(engine) as conn:
        return store.kept_reports(conn, unmatched_only=unmatched_only)


def open_flags(engine: Engine) -> list[Flag]:
    with read(engine) as conn:
        return store.open_flags(conn)


def resolve_flag(engine: Engine, flag_id: int, actor: Actor) -> None:
    """The organisation has allow-listed our sender: the flag is closed, by whom is audited."""
    with write(engine) as conn:
        if not store.resolve_flag(conn, flag_id, actor.name, datetime.now(UTC)):
            known = ", ".join(str(flag.id) for flag in store.open_flags(conn)) or "none"
            raise BriefcastError(f"no open flag {flag_id} (open flags: {known})")
        record(conn, actor, "list.flag_resolved", subject=f"flag {flag_id}")
