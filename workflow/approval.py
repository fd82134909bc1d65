"""Four eyes on every send: submit a draft, then approve (and schedule) or reject it.

    submit(engine, draft_id, revision, actor)
    approval_refusal(engine, draft_id, actor, four_eyes=True) -> why this person may not approve
    approve(engine, settings, draft_id, revision, actor, four_eyes=True) -> ScheduleResult
    reject(engine, draft_id, revision, actor, note)
    changes_since_approval(draft) -> the campaign file's changed lines (plan_changes: the records)

The rule lives here, not in the pages: whoever edited the series since it was last approved may
not approve it, whatever form they post. The edits are the audit rows "draft.created" and
"draft.edited" with the actor's staff id. With four eyes off (a one-person team) the editor may
approve, and the approval is marked as such in the audit trail.
"""

from __future__ import annotations

import difflib
from datetime import UTC, date, datetime

from sqlalchemy import Connection, Engine

from briefcast.campaigns.plan import unwritten_texts
from briefcast.delivery.schedule import ScheduleRequest, ScheduleResult, schedule_rendered
from briefcast.delivery.windows import LatePolicy
from briefcast.settings import Settings
from briefcast.store import drafts as store
from briefcast.store.audit import Actor, AuditEntry, history, record
from briefcast.store.engine import read, write
from briefcast.store.schema import DraftState
from briefcast.workflow.drafts import Draft, DraftError, StillToWrite, find_draft, open_draft
from briefcast.workflow.plan_changes import plan_changes

EDITS = ("draft.created", "draft.edited")
APPROVED = "draft.approved"
S = DraftState


def submit(engine: Engine, draft_id: int, revision: int, actor: Actor) -> None:
    """Ask for approval of the draft as it stands at `revision`: refused (StillToWrite) while a
    text is still marked "TODO: write …", listing each one."""
    draft = open_draft(engine, draft_id)
    if unwritten := unwritten_texts(draft.campaign):
        raise StillToWrite(unwritten)
    draft.render()  # other plan errors (a date in the past too) stop it here
    changes = [change.summary() for change in plan_changes(draft)]
    _move(
        engine,
        draft_id,
        revision,
        actor,
        S.SUBMITTED,
        (S.DRAFT, S.REJECTED),
        "draft.submitted",
        reason=changes_reason(changes),
        details={"changes": changes} if changes else {},
    )


def reject(engine: Engine, draft_id: int, revision: int, actor: Actor, note: str) -> None:
    """Send the draft back to its authors with a note saying why."""
    if not note.strip():
        raise DraftError("say in a note what should change, so the author knows")
    refusal = approval_refusal(engine, draft_id, actor, four_eyes=True)
    if refusal and refusal.startswith("you edited"):
        raise DraftError(refusal.replace("approve", "reject"))
    _move(
        engine,
        draft_id,
        revision,
        actor,
        S.REJECTED,
        (S.SUBMITTED,),
        "draft.rejected",
        note=note.strip(),
    )


def approval_refusal(
    engine: Engine, draft_id: int, actor: Actor, *, four_eyes: bool = True
) -> str | None:
    """Why `actor` may not approve the draft now, or None when they may."""
    with read(engine) as conn:
        found = find_draft(conn, draft_id)
        editors = editors_since_approval(conn, draft_id)
    if found.state is not S.SUBMITTED:
        return f"it is {found.state.value}, not submitted for approval"
    if four_eyes and _identity(actor) in editors:
        return "you edited this series since it was last approved, so someone else must approve it"
    return None


def approve(
    engine: Engine,
    settings: Settings,
    draft_id: int,
    revision: int,
    actor: Actor,
    *,
    four_eyes: bool = True,
    now: datetime | None = None,
) -> ScheduleResult:
    """Schedule the draft as `briefcast schedule` would (the same snapshot, issues and jobs)."""
    from briefcast.scheduler import sync_jobs

    refusal = approval_refusal(engine, draft_id, actor, four_eyes=four_eyes)
    if refusal:
        raise DraftError(f"you cannot approve this series: {refusal}")
    draft = open_draft(engine, draft_id)
    if draft.record.revision != revision:
        raise DraftError("the series changed after you opened it: look at it again first")
    with read(engine) as conn:
        one_person = _identity(actor) in editors_since_approval(conn, draft_id)
    result = schedule_rendered(
        engine,
        draft.render(today=date.min),
        source=f"console draft {draft_id} ({draft.record.briefing_source})",
        request=ScheduleRequest(
            actor.name,
            LatePolicy.from_settings(settings),
            now=now or datetime.now(UTC),
            actor=actor,
        ),
    )
    with write(engine) as conn:
        # What was scheduled is the revision the approver saw. An edit made meanwhile (between
        # the render and now) leaves the draft a draft again, its edits still to be approved.
        moved = not store.set_state(
            conn, draft_id, S.APPROVED, only_from=(S.SUBMITTED,), revision=revision
        )
        campaign = _campaign_id(conn, result.campaign)
        store.mark_approved(
            conn, draft_id, campaign, plan=draft.record.plan, overlay=draft.record.overlay
        )
        record(
            conn,
            actor,
            APPROVED,
            campaign_id=campaign,
            subject=draft.record.name,
            from_state=S.SUBMITTED.value,
            to_state=S.APPROVED.value,
            reason="approved by one person: four eyes are off" if one_person else None,
            details={
                "draft_id": draft_id,
                "one_person": one_person,
                "revision": revision,
                "edited_meanwhile": moved,
            },
        )
    sync_jobs(engine, settings)
    return result


def editors_since_approval(conn: Connection, draft_id: int) -> set[tuple[str, object]]:
    """Who made the revisions not yet approved (by staff id, else by name). An approval covers
    the revisions up to the one the approver saw, not an edit that slipped in meanwhile."""
    edits: list[tuple[int, tuple[str, object]]] = []
    for entry in draft_trail(conn, draft_id):
        details = entry.details or {}
        if entry.action == APPROVED:
            edits = [(rev, who) for rev, who in edits if rev > details.get("revision", 0)]
        elif entry.action in EDITS:
            edits.append((details.get("revision", 0), _identity(entry.actor)))
    return {who for _, who in edits}


def draft_trail(conn: Connection, draft_id: int) -> list[AuditEntry]:
    """The draft's own audit rows, oldest first."""
    # The audit table has no draft column; the draft's id is in each row's details.
    return [
        entry
        for entry in history(conn, action_prefix="draft.")
        if entry.details and entry.details.get("draft_id") == draft_id
    ]


def trail(engine: Engine, draft_id: int) -> list[AuditEntry]:
    """Everything done to the series: its draft's steps and, once scheduled, its issues'."""
    with read(engine) as conn:
        found = find_draft(conn, draft_id)
        entries = draft_trail(conn, draft_id)
        if found.campaign_id is not None:
            entries += [
                entry
                for entry in history(conn, campaign_id=found.campaign_id)
                if not entry.action.startswith("draft.")
            ]
    return sorted(entries, key=lambda entry: entry.at)


def changes_reason(changes: list[str], shown: int = 5) -> str | None:
    """The audit trail's words for what a submission changed: "changed since the last approval:
    Issue 2: Subject; The series: Lists and 3 more" (None when nothing or never approved)."""
    if not changes:
        return None
    more = f" and {len(changes) - shown} more" if len(changes) > shown else ""
    return f"changed since the last approval: {'; '.join(changes[:shown])}{more}"


def changes_since_approval(draft: Draft) -> list[str]:
    """The campaign file's changed lines since the last approval, and the briefing edits made
    since, for those who read YAML (plan_changes says it in the plan page's words)."""
    record_ = draft.record
    if record_.approved_plan is None:
        return []
    lines = [
        line
        for line in difflib.unified_diff(
            record_.approved_plan.splitlines(), record_.plan.splitlines(), lineterm="", n=0
        )
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    before = len((record_.approved_overlay or {}).get("edits", ()))
    for edit in draft.overlay.edits[before:]:
        lines.append(
            f"briefing: {edit.kind} {edit.slug}" + (f" -> {edit.title}" if edit.title else "")
        )
    return lines


def _move(
    engine: Engine,
    draft_id: int,
    revision: int,
    actor: Actor,
    to: DraftState,
    only_from: tuple[DraftState, ...],
    action: str,
    *,
    note: str | None = None,
    reason: str | None = None,
    details: dict[str, object] | None = None,
) -> None:
    with write(engine) as conn:
        found = find_draft(conn, draft_id)
        if found.state not in only_from:
            raise DraftError(f"the series is {found.state.value}; it cannot be {to.value}")
        if not store.set_state(
            conn, draft_id, to, only_from=only_from, revision=revision, note=note
        ):
            raise DraftError("the series changed after you opened it: look at it again first")
        record(
            conn,
            actor,
            action,
            campaign_id=found.campaign_id,
            subject=found.name,
            from_state=found.state.value,
            to_state=to.value,
            reason=note or reason,
            details={"draft_id": draft_id, **(details or {})},
        )


def _identity(actor: Actor) -> tuple[str, object]:
    return ("user", actor.user_id) if actor.user_id is not None else ("name", actor.name)


def _campaign_id(conn: Connection, name: str) -> int:
    from briefcast.store.campaigns import find_campaign

    campaign = find_campaign(conn, name)
    assert campaign is not None, "schedule_rendered stored it"
    return campaign.id
