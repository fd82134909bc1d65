"""Following a series once planned: the list of campaigns, and steering a scheduled one.

    campaign_list(engine, settings) -> [SeriesLine, ...]   (drafts, and campaigns scheduled by CLI)
    steer(engine, settings, draft_id, "pause", actor, number=None) -> [Outcome, ...]
    resend_unknown(engine, settings, draft_id, number, actor) -> Outcome  (number None: catch-ups)

Steering is delivery/control.py's pause, resume, cancel and reschedule, then the job store synced,
exactly as the CLI commands do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from briefcast.campaigns.campaign_file import load_campaign_text
from briefcast.delivery import control
from briefcast.delivery.control import Outcome
from briefcast.delivery.status import CampaignStatus, campaign_status
from briefcast.errors import BriefcastError
from briefcast.settings import Settings
from briefcast.store import drafts as store
from briefcast.store.audit import Actor
from briefcast.store.engine import read
from briefcast.store.schema import IssueState
from briefcast.workflow.drafts import DraftError, find_draft

STEERING: dict[str, Callable[..., object]] = {
    "pause": control.pause,
    "resume": control.resume,
    "cancel": control.cancel,
    "reschedule": control.reschedule,
}


@dataclass(frozen=True)
class SeriesLine:
    """One line of the Campaigns page."""

    name: str
    title: str
    state: str  # the draft's; for one from a campaign file "scheduled", or "sent" once all are
    draft_id: int | None  # None: scheduled from a campaign file, followed with the CLI
    next_send: datetime | None
    sent: int  # issues sent
    total: int  # issues planned
    timezone: str = "Europe/London"  # where next_send is shown


def campaign_list(engine: Engine, settings: Settings) -> list[SeriesLine]:
    """Every draft (newest edit first), then every campaign scheduled without the console."""
    with read(engine) as conn:
        drafts = store.all_drafts(conn)
    statuses = {status.name: status for status in campaign_status(engine, settings.limits)}
    lines = []
    for draft in drafts:
        status = statuses.pop(draft.name, None) if draft.campaign_id else None
        line = _line(draft.name, draft.title, draft.state.value, draft.id, status)
        if status is None:
            line = replace(line, total=_planned_issues(draft.plan, draft.name))
        lines.append(line)
    for status in statuses.values():
        # Its state is its issues': once every one has gone, "scheduled" would be untrue.
        done = bool(status.issues) and all(i.state is IssueState.SENT for i in status.issues)
        lines.append(
            _line(status.name, status.title, "sent" if done else "scheduled", None, status)
        )
    return lines


def series_status(engine: Engine, settings: Settings, name: str) -> CampaignStatus:
    (status,) = campaign_status(engine, settings.limits, name)
    return status


def steer(
    engine: Engine,
    settings: Settings,
    draft_id: int,
    action: str,
    actor: Actor,
    *,
    number: int | None = None,
    when: str | None = None,
    now: datetime | None = None,
) -> list[Outcome]:
    """Pause, resume, cancel or reschedule the series' issues (all, or issue `number`)."""
    from briefcast.scheduler import sync_jobs

    if action not in STEERING:
        raise DraftError(f"unknown action {action!r}: {', '.join(STEERING)}")
    with read(engine) as conn:
        draft = find_draft(conn, draft_id)
    if draft.campaign_id is None:
        raise DraftError(f"{draft.name} is not scheduled yet: approve it first")
    function = STEERING[action]
    arguments: dict[str, object] = {}
    if action in ("resume", "reschedule"):
        arguments["now"] = now or datetime.now(UTC)
    if action == "reschedule":
        if number is None or not (when or "").strip():
            raise DraftError("reschedule needs the issue's number and its new date and time")
        outcomes = [function(engine, draft.name, number, when, actor=actor, **arguments)]
    else:
        outcomes = function(engine, draft.name, number, actor=actor, **arguments)
    sync_jobs(engine, settings)
    return outcomes


def resend_unknown(
    engine: Engine, settings: Settings, draft_id: int, number: int | None, actor: Actor
) -> Outcome:
    """The series' issue `number` (None: its catch-ups): its messages whose outcome is unknown
    queued again (control.py, audited), then the job store synced, so the worker sends them (a
    sent issue is sending again; a paused one sends them once resumed)."""
    from briefcast.scheduler import sync_jobs

    with read(engine) as conn:
        draft = find_draft(conn, draft_id)
    if draft.campaign_id is None:
        raise DraftError(f"{draft.name} is not scheduled yet: approve it first")
    outcome = control.resend_unknown(
        engine, draft.name, number, actor=actor, catch_ups=number is None
    )
    sync_jobs(engine, settings)
    return outcome


def _planned_issues(plan: str, name: str) -> int:
    try:
        return len(load_campaign_text(plan, Path(f"{name}.yaml")).issues)
    except BriefcastError:  # an uploaded plan with a mistake: its page says which
        return 0


def _line(
    name: str, title: str, state: str, draft_id: int | None, status: CampaignStatus | None
) -> SeriesLine:
    if status is None:
        return SeriesLine(name, title, state, draft_id, None, 0, 0)
    # Only issues that will go at their time: a paused or missed one waits for a person.
    waiting = [issue.planned_at for issue in status.issues if issue.state is IssueState.SCHEDULED]
    sent = sum(issue.state is IssueState.SENT for issue in status.issues)
    next_send = min(waiting, default=None)
    return SeriesLine(
        name, title, state, draft_id, next_send, sent, len(status.issues), status.timezone
    )
