"""The workflow tests' world: an author and an approver, a draft of the seed briefing, and the
steps from a draft to an approved series (what test_drafts, test_approval and test_follow share)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from drafting import write_everything
from seed import SEED
from sqlalchemy import Engine

from briefcast.delivery.schedule import ScheduleResult
from briefcast.settings import Settings
from briefcast.store.audit import Actor
from briefcast.workflow.approval import approve, submit
from briefcast.workflow.drafts import create_draft, open_draft

AUTHOR = Actor.person("Ada Author", user_id=1)
APPROVER = Actor.person("Abe Approver", user_id=2)
TODAY = date(2031, 2, 25)
NOW = datetime(2031, 2, 25, 10, 0, tzinfo=UTC)


def new_draft(engine: Engine) -> int:
    """The seed briefing as the author's new draft, planned from TODAY."""
    text = SEED.read_text(encoding="utf-8")
    return create_draft(engine, text=text, source="briefing.txt", actor=AUTHOR, today=TODAY)


def revision(engine: Engine, draft_id: int) -> int:
    return open_draft(engine, draft_id).record.revision


def submit_written(engine: Engine, draft_id: int) -> None:
    """Every text the planner left to a person written by the author, then submitted."""
    write_everything(engine, draft_id, AUTHOR)
    submit(engine, draft_id, revision(engine, draft_id), AUTHOR)


def approve_now(
    engine: Engine,
    settings: Settings,
    draft_id: int,
    actor: Actor = APPROVER,
    **options: object,
) -> ScheduleResult:
    """Approve the revision there is now, at NOW (by the approver unless `actor` says)."""
    return approve(
        engine, settings, draft_id, revision(engine, draft_id), actor, now=NOW, **options
    )


def approved(engine: Engine, settings: Settings, draft_id: int) -> ScheduleResult:
    """The draft written and submitted by the author, then approved by the approver at NOW."""
    submit_written(engine, draft_id)
    return approve_now(engine, settings, draft_id)
