"""Helpers for the scheduling tests: a campaign file on the example briefing, small lists, settings.

path = write_campaign(tmp_path, start="2031-03-04", issues=[{"themes": [...]}, ...])
import_people(engine, tmp_path, per_list=3)          # police and health, 3 people each
settings = outbox_settings(database_url, tmp_path)   # the outbox transport in tmp_path
"""

from __future__ import annotations

import mailbox
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from seed import EXAMPLE
from sqlalchemy import Engine, update

from briefcast.recipients.csv_import import import_list
from briefcast.recipients.lists import ensure_list
from briefcast.settings import Settings
from briefcast.store.engine import write
from briefcast.store.schema import IssueState, issues

# A Tuesday in March 2031: far enough ahead that a test never finds it in the past, before the
# clocks go forward, so 09:30 in London is 09:30 UTC.
START = "2031-03-04"
LISTS = ("police", "health")
THEMES = (
    ("optimistic-thinking",),
    ("domestic-abuse", "written-agreements"),
    ("including-men", "adults-with-a-history-of-offending"),
)


def write_campaign(
    folder: Path,
    *,
    name: str = "spring-briefing",
    start: str = START,
    time: str = "09:30",
    issues: Sequence[Mapping[str, Any]] | None = None,
    schedule: Mapping[str, Any] | None = None,
) -> Path:
    """A campaign file on the example briefing, named `name`.yaml; returns its path."""
    document = {
        "name": name,
        "title": "Learning from the National Panel",
        "partnership": "Example Safeguarding Children Partnership",
        "briefing": str(EXAMPLE / "briefing.txt"),
        "sender": "Example Partnership <learning@example.org>",
        "reply_to": "safeguarding.learning@example.org",
        "lists": list(LISTS),
        "schedule": {"start": start, "every": "1w", "time": time, **(schedule or {})},
        "issues": [dict(issue) for issue in issues]
        if issues is not None
        else [{"themes": list(themes)} for themes in THEMES],
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def import_people(engine: Engine, folder: Path, per_list: int = 3) -> int:
    """`per_list` fictional people on each of LISTS; returns how many people in all."""
    for slug in LISTS:
        rows = [f"person{n}.{slug}@example.org,Person {n} {slug.title()}" for n in range(per_list)]
        path = folder / f"{slug}.csv"
        path.write_text("email,name\n" + "\n".join(rows) + "\n", encoding="utf-8")
        import_list(engine, path, slug)
    return per_list * len(LISTS)


def make_lists(engine: Engine, slugs: Sequence[str] = LISTS) -> None:
    """The campaign's lists, empty: `schedule` refuses a campaign naming a missing list."""
    with write(engine) as conn:
        for slug in slugs:
            ensure_list(conn, slug)


def outbox_settings(database_url: str, folder: Path, **environ: str) -> Settings:
    return Settings.from_env(environ=outbox_environ(database_url, folder, **environ))


def outbox_environ(database_url: str, folder: Path, **environ: str) -> dict[str, str]:
    return {
        "BRIEFCAST_DATABASE_URL": database_url,
        "BRIEFCAST_TRANSPORT": "outbox",
        "BRIEFCAST_OUTBOX": str(folder / "outbox"),
        "BRIEFCAST_BASE_URL": "https://briefcast.example.org",
        **{f"BRIEFCAST_{key.upper()}": value for key, value in environ.items()},
    }


def outbox_messages(folder: Path) -> list:
    """Every message in the test outbox (a Maildir), parsed."""
    path = folder / "outbox"
    if not (path / "cur").exists():  # the outbox makes tmp/, new/, cur/ in turn: not yet whole
        return []
    return list(mailbox.Maildir(path, create=False))


def force_state(engine: Engine, issue_id: int, state: IssueState) -> None:
    """Put an issue in `state` at once, past the state machine (a sent issue without sending
    it): test set-up only; library code moves issues through store/issue_states.py."""
    with engine.begin() as conn:
        conn.execute(update(issues).where(issues.c.id == issue_id).values(state=state.value))
