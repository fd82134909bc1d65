"""Putting a campaign on the calendar: check and render every issue, then store the plan.

`schedule_campaign` is what `briefcast schedule` does, minus the job store (the caller syncs it,
see scheduler.sync_jobs): the stages in order, then one transaction that adds, updates or
removes issues. Re-running it on an edited campaign file changes only issues not yet sent and
says what changed; a sent or sending issue is history and is never altered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine

from briefcast.campaigns.model import Campaign
from briefcast.campaigns.preview import CampaignRender
from briefcast.campaigns.render import RenderedIssue
from briefcast.campaigns.snapshot import campaign_snapshot, digest_snapshot
from briefcast.delivery.windows import LatePolicy
from briefcast.errors import BriefcastError
from briefcast.store import audit, issue_states
from briefcast.store import campaigns as store
from briefcast.store.audit import Actor
from briefcast.store.campaigns import IssueRecord, IssueValues
from briefcast.store.engine import write
from briefcast.store.issue_states import UNSENT
from briefcast.store.schema import IssueState


class ScheduleError(BriefcastError):
    """The campaign cannot be scheduled as it stands; nothing was stored."""


@dataclass(frozen=True)
class IssueChange:
    """What scheduling did to one issue, as lines a person reads."""

    number: int
    action: str  # "added", "updated", "unchanged", "removed", "cancelled" or "kept"
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScheduleResult:
    campaign: str
    created: bool  # a new campaign, not an update of one already scheduled
    changes: tuple[IssueChange, ...]
    warnings: tuple[str, ...]  # the campaign check's warnings, worth reading


@dataclass(frozen=True)
class ScheduleRequest:
    """Who approved the plan and how to place it: what both ways in (`schedule_campaign` from a
    file, `schedule_rendered` from text in hand) take, so a new option is added here once.

    `times` sends the numbered issues at these moments instead of the file's (the demo); the
    content still shows the file's dates. `name` stores it under another name than the file's
    (the demo's later runs). `actor` is who ran it, for the audit trail (by default the
    approver). `now` defaults to the moment of scheduling.
    """

    approved_by: str
    policy: LatePolicy
    now: datetime | None = None
    times: Mapping[int, datetime] | None = None
    name: str | None = None
    actor: Actor | None = None


def schedule_campaign(
    engine: Engine, campaign_path: Path, request: ScheduleRequest
) -> ScheduleResult:
    """Check, render and store every issue of the campaign file, approved by
    `request.approved_by`. A new or moved time in the past is refused unless the missed-window
    policy would still send it now.
    """
    from briefcast.delivery.preview import check_for_sending

    # date.min: whether a time is in the past is decided per issue below, because re-running
    # schedule on a series that has started must not trip over the issues already sent.
    rendered = check_for_sending(campaign_path, today=date.min)
    return schedule_rendered(engine, rendered, source=str(campaign_path.resolve()), request=request)


def schedule_rendered(
    engine: Engine, rendered: CampaignRender, *, source: str, request: ScheduleRequest
) -> ScheduleResult:
    """The same for a campaign rendered from text in hand (the console's approval): render it
    with `render_campaign(..., today=date.min)`; `source` (where the plan came from) is stored."""
    approved_by = request.approved_by.strip()
    if not approved_by:
        raise ScheduleError("--approved-by needs the name of the person who approved the campaign")
    actor = request.actor or Actor.person(approved_by)
    now = request.now or datetime.now(UTC)
    _refuse_failed_checks(source, rendered.issues)
    campaign = rendered.campaign
    if request.name:
        campaign = replace(campaign, name=request.name)
    planned = {
        issue.digest.number: (request.times or {}).get(issue.digest.number, issue.digest.send_at)
        for issue in rendered.issues
    }
    with write(engine) as conn:
        _refuse_missing_lists(conn, source, rendered.campaign)
        existing = store.find_campaign(conn, campaign.name)
        campaign_id = store.save_campaign(
            conn,
            name=campaign.name,
            title=campaign.title,
            source_path=source,
            approved_by=approved_by,
            approved_at=now,
            plan=campaign_snapshot(campaign),
        )
        audit.record(
            conn,
            actor,
            "campaign.approved",
            campaign_id=campaign_id,
            subject=campaign.name,
            reason=f"approved by {approved_by}",
            details={"source": source},
        )
        stored = {issue.number: issue for issue in store.campaign_issues(conn, campaign_id)}
        plan = _Plan(conn, campaign, request.policy, now, actor)
        changes = [
            plan.apply(campaign_id, issue, planned[issue.digest.number], stored)
            for issue in rendered.issues
        ]
        changes += [plan.remove(issue) for n, issue in sorted(stored.items()) if n not in planned]
        if plan.errors:  # raised inside the transaction: nothing is stored
            more = len(plan.errors) - 1
            raise ScheduleError(plan.errors[0] + (f" (and {more} more like it)" if more else ""))
    return ScheduleResult(
        campaign=campaign.name,
        created=existing is None,
        changes=tuple(changes),
        warnings=tuple(str(warning) for warning in rendered.warnings),
    )


def _refuse_missing_lists(conn: Connection, source: str, campaign: Campaign) -> None:
    """Every list the campaign names must exist now: the send path cannot resolve the audience
    otherwise, and would fail only when the issue is due."""
    from briefcast.campaigns.plan import missing_list_problems, named_lists
    from briefcast.campaigns.preview import CampaignProblemsError
    from briefcast.store.ledger import missing_lists

    slugs = list(dict.fromkeys(slug for slug, _ in named_lists(campaign)))
    problems = missing_list_problems(campaign, missing_lists(conn, slugs), "error")
    if problems:
        raise CampaignProblemsError(Path(source), tuple(problems))


def _refuse_failed_checks(campaign_path: str, issues: tuple[RenderedIssue, ...]) -> None:
    failed = [issue for issue in issues if not issue.ok]
    if failed:
        first = failed[0]
        raise ScheduleError(
            f"{campaign_path}: issue {first.digest.number} failed its checks "
            f"({first.problems[0]}); run `briefcast check {campaign_path}` and fix them first"
        )


class _Plan:
    """Compares each rendered issue with what is stored and writes the difference."""

    def __init__(
        self, conn: Connection, campaign: Campaign, policy: LatePolicy, now: datetime, actor: Actor
    ):
        self.conn = conn
        self.actor = actor
        self.campaign = campaign
        self.zone = ZoneInfo(campaign.schedule.timezone)
        self.policy = policy
        self.now = now
        self.errors: list[str] = []

    def apply(
        self,
        campaign_id: int,
        issue: RenderedIssue,
        planned_at: datetime,
        stored: Mapping[int, IssueRecord],
    ) -> IssueChange:
        number = issue.digest.number
        plan = next(p for p in self.campaign.issues if p.number == number)
        values = _values(issue, planned_at, plan.exclude_lists)
        old = stored.get(number)
        if old is None:
            self._check_time(number, planned_at)
            issue_id = store.insert_issue(self.conn, campaign_id, values)
            due = f"due {self.local(planned_at)}"
            self.note(issue_id, "issue.scheduled", due, to_state=issue_states.INITIAL)
            return IssueChange(number, "added", (due,))
        details = tuple(self._differences(old, values))
        if old.state not in UNSENT:
            if not details:
                return IssueChange(number, "unchanged")
            note = f"it is {old.state.value}, so your edits to it were not applied"
            return IssueChange(number, "kept", (note, *details))
        if not details:
            return IssueChange(number, "unchanged")
        if planned_at != old.planned_at:
            self._check_time(number, planned_at)
        if store.update_issue(self.conn, old.id, values):
            self.note(old.id, "issue.edited", "; ".join(details))
        if old.state is IssueState.MISSED and planned_at != old.planned_at:
            # A new time answers the miss; a pause stays until someone resumes it.
            issue_states.transition(
                self.conn,
                old.id,
                IssueState.SCHEDULED,
                actor=self.actor,
                reason="given a new time in the campaign file",
                only_from=(IssueState.MISSED,),
            )
            details = (*details, "missed -> scheduled")
        return IssueChange(number, "updated", details)

    def remove(self, old: IssueRecord) -> IssueChange:
        if old.state not in UNSENT:
            return IssueChange(
                old.number, "kept", (f"no longer in the file, but it is {old.state.value}",)
            )
        reason = "removed from the campaign file"
        if store.has_deliveries(self.conn, old.id):
            issue_states.transition(
                self.conn,
                old.id,
                IssueState.CANCELLED,
                actor=self.actor,
                reason=reason,
                only_from=(old.state,),
            )
            return IssueChange(old.number, "cancelled", (reason,))
        was_due = f"was due {self.local(old.planned_at)}"
        self.note(old.id, "issue.removed", f"{reason}; {was_due}")
        store.remove_issue(self.conn, old.id)
        return IssueChange(old.number, "removed", (was_due,))

    def note(
        self, issue_id: int, what: str, reason: str, to_state: IssueState | None = None
    ) -> None:
        issue_states.note(
            self.conn, issue_id, what, actor=self.actor, reason=reason, to_state=to_state
        )

    def local(self, moment: datetime) -> str:
        return f"{moment.astimezone(self.zone):%a %d %b %Y %H:%M}"

    def _check_time(self, number: int, planned_at: datetime) -> None:
        if planned_at > self.now:
            return
        if self.policy.missed_reason(planned_at, self.now, self.campaign.schedule.timezone):
            self.errors.append(
                f"issue {number} would be due {self.local(planned_at)}, in the past; give it a "
                f"future time in the campaign file, or use `briefcast send-now "
                f"{self.campaign.name} --issue {number}` to send it at once"
            )

    def _differences(self, old: IssueRecord, new: IssueValues) -> list[str]:
        content = store.issue_content(self.conn, old.id)
        old_themes, new_themes = _theme_slugs(content.digest), _theme_slugs(new.digest)
        pairs = [
            ("time", self.local(old.planned_at), self.local(new.planned_at)),
            ("subject", repr(old.subject), repr(new.subject)),
            ("themes", ", ".join(old_themes), ", ".join(new_themes)),
            ("lists", ", ".join(old.lists) or "none", ", ".join(new.lists) or "none"),
            (
                "excluded lists",
                ", ".join(old.exclude_lists) or "none",
                ", ".join(new.exclude_lists) or "none",
            ),
        ]
        details = [
            f"{what}: {before} -> {after}" for what, before, after in pairs if before != after
        ]
        if not details and (new.html, new.text, new.digest) != (
            content.html,
            content.text,
            content.digest,
        ):
            details.append("content updated")  # an intro, a question, a title: anything else
        return details


def _theme_slugs(digest: Mapping) -> tuple[str, ...]:
    return tuple(theme["slug"] for theme in digest.get("themes", ()))


def _values(
    issue: RenderedIssue, planned_at: datetime, exclude_lists: tuple[str, ...]
) -> IssueValues:
    digest = issue.digest
    return IssueValues(
        number=digest.number,
        title=digest.title,
        subject=digest.subject,
        slug=digest.slug,
        planned_at=planned_at.astimezone(UTC),
        lists=digest.lists,
        exclude_lists=exclude_lists,
        sender=digest.sender,
        reply_to=digest.reply_to,
        html=issue.html,
        text=issue.text,
        digest=digest_snapshot(digest),
    )
