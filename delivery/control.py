"""Steering a scheduled campaign: pause, resume, cancel and reschedule its issues, and resend the
messages whose outcome is unknown (of one issue, or of its catch-ups).

Each function changes the issues table only, in one transaction, through the state machine
(store/issue_states.py: a compare-and-set on the issue's state, with its audit row naming
`actor`), and says what it did per issue; the caller then syncs the job store
(scheduler.sync_jobs), and a running worker picks the change up within seconds. A sent issue is
never touched; a cancelled one stays cancelled (its queued ledger rows are kept for the report,
never sent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine

from briefcast.errors import BriefcastError
from briefcast.store import campaigns as store
from briefcast.store import catch_up as catch_ups_store
from briefcast.store import issue_states, ledger
from briefcast.store.audit import Actor
from briefcast.store.campaigns import CampaignRecord, IssueRecord
from briefcast.store.engine import write
from briefcast.store.schema import IssueState

S = IssueState


class SteeringError(BriefcastError):
    """A campaign or issue that cannot be acted on as asked."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one issue, as a line for the person who asked."""

    number: int | None  # None: the campaign's catch-ups (resend_unknown)
    changed: bool
    message: str


def pause(engine: Engine, name: str, number: int | None = None, *, actor: Actor) -> list[Outcome]:
    """Hold issues not yet sent; one being sent stops after the messages in flight."""
    return _move(
        engine,
        name,
        number,
        to=S.PAUSED,
        actor=actor,
        reason="paused with `briefcast pause`",
        done="paused; `briefcast resume` lets it go again",
    )


def cancel(engine: Engine, name: str, number: int | None = None, *, actor: Actor) -> list[Outcome]:
    """Never send these issues; anything already queued stays in the ledger, unsent."""
    return _move(
        engine,
        name,
        number,
        to=S.CANCELLED,
        actor=actor,
        reason="cancelled with `briefcast cancel`",
        done="cancelled; it will not be sent",
    )


def resume(
    engine: Engine,
    name: str,
    number: int | None = None,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> list[Outcome]:
    """A paused or missed issue goes back to its time, or is due at once if that has passed."""
    now = now or datetime.now(UTC)
    outcomes = []
    with write(engine) as conn:
        campaign, targets = _targets(conn, name, number)
        zone = ZoneInfo(campaign.timezone)
        for issue in targets:
            if not issue_states.can_move(issue.state, S.SCHEDULED):
                outcomes.append(_unchanged(issue, "it is not paused or missed"))
                continue
            due_now = issue.planned_at <= now
            planned = now if due_now else issue.planned_at
            if not _schedule_again(conn, issue, planned, actor, "resumed with `briefcast resume`"):
                outcomes.append(Outcome(issue.number, False, "it changed meanwhile"))
                continue
            if due_now:
                message = (
                    f"due now (it was planned for {_local(issue.planned_at, zone)}): the worker "
                    "sends it within seconds"
                )
            else:
                message = f"scheduled again for {_local(planned, zone)}"
            outcomes.append(Outcome(issue.number, True, message))
    return outcomes


def reschedule(
    engine: Engine,
    name: str,
    number: int,
    when: str,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> Outcome:
    """Move one unsent issue to `when` (ISO, or "2027-04-20 09:30" in the campaign's zone)."""
    now = now or datetime.now(UTC)
    with write(engine) as conn:
        campaign, (issue,) = _targets(conn, name, number)
        zone = ZoneInfo(campaign.timezone)
        moment = parse_when(when, campaign.timezone)
        if moment <= now:
            raise SteeringError(
                f"{when} ({_local(moment, zone)}) is in the past; give a future time, or "
                f"`briefcast send-now {name} --issue {number}` to send it at once"
            )
        if issue.state not in issue_states.UNSENT:
            raise SteeringError(f"{name} issue {number} is {issue.state.value}; it cannot move")
        reason = f"moved to {_local(moment, zone)} with `briefcast reschedule`"
        # A missed issue with a new time is simply scheduled again; a paused one stays paused.
        if issue.state is S.MISSED:
            moved = _schedule_again(conn, issue, moment, actor, reason)
        else:
            moved = store.set_planned_at(conn, issue.id, moment, only_from=(issue.state,))
            if moved:
                details = {"planned_at": [issue.planned_at.isoformat(), moment.isoformat()]}
                issue_states.note(
                    conn, issue.id, "issue.rescheduled", actor=actor, reason=reason, details=details
                )
        if not moved:
            return Outcome(number, False, "left as it is: it changed meanwhile")
    message = f"moved to {_local(moment, zone)}"
    if issue.state is S.PAUSED:
        message += f"; it is still paused: `briefcast resume {name} --issue {number}` lets it go"
    return Outcome(number, True, message)


def resend_unknown(
    engine: Engine, name: str, number: int | None = None, *, actor: Actor, catch_ups: bool = False
) -> Outcome:
    """Queue again the messages whose outcome is unknown (the relay took each whole and never
    answered, so it may have delivered them) of issue `number`, or with `catch_ups` of every
    catch-up of the campaign: a person's decision, audited per issue with its count. A sent issue
    or catch-up goes back to sending, so the worker or send-now sends them; the send loop itself
    never does this."""
    if (number is None) != catch_ups:
        raise SteeringError("resend the unknown outcomes of one issue or of the catch-ups")
    with write(engine) as conn:
        campaign = find_campaign(conn, name)
        if number is not None:
            (issue,) = targets = [find_issue(conn, campaign, number)]
            if issue.state is S.CANCELLED:
                raise SteeringError(
                    f"{name} issue {number} is cancelled; nothing of it is sent again"
                )
        else:
            found = (
                store.issue_by_id(conn, id_)
                for id_ in catch_ups_store.with_unknown(conn, campaign.id)
            )
            targets = [issue for issue in found if issue and issue.state is not S.CANCELLED]
        count = sum(_queue_unknown_again(conn, issue, actor) for issue in targets)
    if not count:
        return Outcome(number, False, "left as it is: no message's outcome is unknown")
    return Outcome(number, True, f"{count} message(s) whose outcome was unknown queued again")


def _queue_unknown_again(conn: Connection, issue: IssueRecord, actor: Actor) -> int:
    count = ledger.requeue_unknown(conn, issue.id)
    if not count:
        return 0
    reason = f"{count} message(s) whose outcome was unknown queued to be sent again"
    issue_states.note(
        conn, issue.id, "issue.unknown_resent", actor=actor, reason=reason, details={"rows": count}
    )
    if issue.state is S.SENT:
        issue_states.transition(
            conn, issue.id, S.SENDING, actor=actor, reason=reason, only_from=(S.SENT,)
        )
    return count


def parse_when(text: str, timezone: str) -> datetime:
    """An ISO date and time; without an offset it is local time where the campaign is."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise SteeringError(
            f"{text!r} is not a date and time; write it like 2027-04-20 09:30"
        ) from None
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    zone = ZoneInfo(timezone)
    local = moment.replace(tzinfo=zone)
    # A time skipped when the clocks go forward does not survive the round trip through UTC.
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != moment:
        raise SteeringError(
            f"{text} does not exist in {timezone} (the clocks go forward then); pick another time"
        )
    return local.astimezone(UTC)


def find_campaign(conn: Connection, name: str) -> CampaignRecord:
    campaign = store.find_campaign(conn, name)
    if campaign is None:
        known = [c.name for c in store.all_campaigns(conn)]
        hint = f"scheduled: {', '.join(known)}" if known else "none is scheduled yet"
        raise SteeringError(f"no campaign named {name!r} ({hint})")
    return campaign


def find_issue(conn: Connection, campaign: CampaignRecord, number: int) -> IssueRecord:
    issue = store.find_issue(conn, campaign.id, number)
    if issue is None:
        count = store.count_issues(conn, campaign.id)
        raise SteeringError(
            f"{campaign.name} has no issue {number} (its issues are numbered 1 to {count})"
        )
    return issue


def _targets(
    conn: Connection, name: str, number: int | None
) -> tuple[CampaignRecord, list[IssueRecord]]:
    campaign = find_campaign(conn, name)
    if number is not None:
        return campaign, [find_issue(conn, campaign, number)]
    return campaign, store.campaign_issues(conn, campaign.id)


def _move(
    engine: Engine,
    name: str,
    number: int | None,
    *,
    to: IssueState,
    actor: Actor,
    reason: str,
    done: str,
) -> list[Outcome]:
    outcomes = []
    with write(engine) as conn:
        _campaign, targets = _targets(conn, name, number)
        for issue in targets:
            if not issue_states.can_move(issue.state, to):
                outcomes.append(_unchanged(issue, f"it is {issue.state.value}"))
                continue
            moved = issue_states.transition(
                conn, issue.id, to, actor=actor, reason=reason, only_from=(issue.state,)
            )
            outcomes.append(Outcome(issue.number, moved, done if moved else "it changed meanwhile"))
    return outcomes


def _schedule_again(
    conn: Connection, issue: IssueRecord, planned_at: datetime, actor: Actor, reason: str
) -> bool:
    """A paused or missed issue back on the calendar at `planned_at`, if it is still as read."""
    return issue_states.transition(
        conn,
        issue.id,
        S.SCHEDULED,
        actor=actor,
        reason=reason,
        only_from=(issue.state,),
        planned_at=planned_at,
    )


def _unchanged(issue: IssueRecord, why: str) -> Outcome:
    return Outcome(issue.number, False, f"left as it is: {why}")


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%a %d %b %Y %H:%M %Z}"
