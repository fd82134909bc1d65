"""Where every issue stands: state, ledger counts and, under a rate limit, the expected finish;
and how it got there, from the audit trail (`status NAME --history`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from briefcast.delivery.control import find_campaign, find_issue
from briefcast.settings import RateLimits
from briefcast.store import audit
from briefcast.store import campaigns as store
from briefcast.store.audit import AuditEntry
from briefcast.store.engine import read
from briefcast.store.schema import IssueState

COUNTED = ("queued", "sending", "sent", "failed", "bounced", "skipped", "unknown")


# What an unknown outcome is and what to do about it: the one wording `status`, `send-now`,
# the report and the console show beside the count.
UNKNOWN_MEANS = "the relay took the message whole but never answered, so it may have delivered it"
UNKNOWN_TO_DO = (
    "it is not sent again unless a person decides to: check the relay's log or ask the people, "
    "then resend"
)


def unknown_meaning(count: int) -> str:
    """The count, what it means and what to do, in one line."""
    return f"{count} message(s) with an unknown outcome ({UNKNOWN_MEANS}); {UNKNOWN_TO_DO}"


def resend_command(campaign: str, number: int | None) -> str:
    """The command that resends them: of issue `number`, or (None) of the catch-ups."""
    which = f"--issue {number}" if number is not None else "--catch-ups"
    return f"briefcast send-now {campaign} {which} --resend-unknown"


@dataclass(frozen=True)
class IssueStatus:
    number: int
    title: str
    subject: str
    state: IssueState
    planned_at: datetime
    counts: dict[str, int]
    expected_finish: datetime | None  # only while sending under a rate limit
    reason: str | None  # why it is paused, missed or cancelled

    @property
    def people(self) -> int:
        """Everyone the issue is for: each ledger row once (`came_back` counts rows already
        counted as sent, so it is not added)."""
        return sum(self.counts[key] for key in COUNTED)


@dataclass(frozen=True)
class CatchUpStatus:
    """New starters' catch-ups: people waiting for one, when the next is due, messages planned,
    and messages whose outcome is unknown (resent only when a person says so)."""

    waiting: int
    next_due: datetime | None
    in_flight: int
    unknown: int = 0


@dataclass(frozen=True)
class CampaignStatus:
    name: str
    title: str
    timezone: str
    approved_by: str
    approved_at: datetime
    issues: tuple[IssueStatus, ...]
    catch_ups: CatchUpStatus | None = None  # None when asked about one issue


@dataclass(frozen=True)
class History:
    """What was done to a campaign (or one of its issues), oldest first."""

    campaign: str
    timezone: str
    number: int | None  # None: the whole campaign
    entries: tuple[AuditEntry, ...]


def campaign_status(
    engine: Engine,
    limits: RateLimits,
    name: str | None = None,
    *,
    number: int | None = None,
    now: datetime | None = None,
) -> list[CampaignStatus]:
    """Every campaign (or the one named, or one issue of it), each issue with its counts from
    the ledger."""
    from briefcast.delivery.limits import expected_finish
    from briefcast.store.bounces import returned_counts
    from briefcast.store.ledger import delivery_counts_of

    now = now or datetime.now(UTC)
    with read(engine) as conn:  # never queues behind a long import
        chosen = [find_campaign(conn, name)] if name else store.all_campaigns(conn)
        each_campaigns_issues = [
            [find_issue(conn, campaign, number)]
            if number is not None
            else store.campaign_issues(conn, campaign.id)
            for campaign in chosen
        ]
        # Every issue counted at once: hundreds of issues are one statement, not hundreds.
        issue_ids = [issue.id for issues in each_campaigns_issues for issue in issues]
        all_counts = delivery_counts_of(conn, issue_ids)
        came_back_of = returned_counts(conn, issue_ids)
        result = []
        for campaign, chosen_issues in zip(chosen, each_campaigns_issues, strict=True):
            issues = []
            for issue in chosen_issues:
                counts = all_counts[issue.id]
                came_back = came_back_of[issue.id]
                finish = None
                if issue.state is IssueState.SENDING:
                    finish = expected_finish(conn, issue.id, limits, now)
                issues.append(
                    IssueStatus(
                        number=issue.number,
                        title=issue.title,
                        subject=issue.subject,
                        state=issue.state,
                        planned_at=issue.planned_at,
                        counts={key: getattr(counts, key) for key in COUNTED}
                        | {"came_back": came_back},
                        expected_finish=finish,
                        reason=issue.state_reason,
                    )
                )
            result.append(
                CampaignStatus(
                    name=campaign.name,
                    title=campaign.title,
                    timezone=campaign.timezone,
                    approved_by=campaign.approved_by,
                    approved_at=campaign.approved_at,
                    issues=tuple(issues),
                    catch_ups=None if number is not None else _catch_ups(conn, campaign, now),
                )
            )
    return result


def _catch_ups(conn, campaign, now: datetime) -> CatchUpStatus:  # type: ignore[no-untyped-def]
    from briefcast.delivery.catch_up import waiting
    from briefcast.store.catch_up import in_flight, unknown

    people = waiting(conn, campaign, now)
    return CatchUpStatus(
        waiting=len(people),
        next_due=min((p.due for p in people), default=None),
        in_flight=in_flight(conn, campaign.id),
        unknown=unknown(conn, campaign.id),
    )


def issue_history(engine: Engine, name: str, number: int | None = None) -> History:
    """The audit trail of a campaign's issue (every move: when, who, from, to, why), or of the
    whole campaign (its approvals too) without `number`."""
    with read(engine) as conn:
        campaign = find_campaign(conn, name)
        if number is None:
            entries = audit.history(conn, campaign_id=campaign.id)
        else:
            issue = find_issue(conn, campaign, number)
            # By campaign too: SQLite may give a removed issue's id to a new one.
            entries = audit.history(conn, campaign_id=campaign.id, issue_id=issue.id)
    return History(campaign.name, campaign.timezone, number, tuple(entries))


def history_json(history: History) -> dict[str, Any]:
    """The `status NAME --history --json` document."""
    return {
        "campaign": history.campaign,
        "issue": history.number,
        "history": [
            {
                "at": entry.at.isoformat(),
                "actor": entry.actor.name,
                "actor_kind": entry.actor.kind,
                "action": entry.action,
                "subject": entry.subject,
                "from": entry.from_state,
                "to": entry.to_state,
                "reason": entry.reason,
                "details": dict(entry.details) if entry.details else None,
            }
            for entry in history.entries
        ],
    }


def status_json(campaigns: list[CampaignStatus]) -> dict[str, Any]:
    """The `status --json` document: times in ISO 8601 with their UTC offset."""
    return {
        "campaigns": [
            {
                "name": campaign.name,
                "title": campaign.title,
                "timezone": campaign.timezone,
                "approved_by": campaign.approved_by,
                "approved_at": campaign.approved_at.isoformat(),
                "issues": [
                    {
                        "number": issue.number,
                        "title": issue.title,
                        "subject": issue.subject,
                        "state": issue.state.value,
                        "planned_at": issue.planned_at.isoformat(),
                        "counts": issue.counts,
                        "expected_finish": _iso(issue.expected_finish),
                        "reason": issue.reason,
                    }
                    for issue in campaign.issues
                ],
                **(
                    {"catch_ups": _catch_ups_json(campaign.catch_ups)} if campaign.catch_ups else {}
                ),
            }
            for campaign in campaigns
        ]
    }


def _catch_ups_json(catch_ups: CatchUpStatus) -> dict[str, Any]:
    return {
        "waiting": catch_ups.waiting,
        "next_due": _iso(catch_ups.next_due),
        "in_flight": catch_ups.in_flight,
        "unknown": catch_ups.unknown,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
