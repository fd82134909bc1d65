"""Where every issue stands: state, ledger counts and, under a rate limit, the expected finish."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from briefcast.delivery.control import find_campaign
from briefcast.settings import RateLimits
from briefcast.store import campaigns as store
from briefcast.store.engine import read
from briefcast.store.schema import IssueState

COUNTED = ("queued", "sending", "sent", "failed", "bounced", "skipped")


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


@dataclass(frozen=True)
class CampaignStatus:
    name: str
    title: str
    timezone: str
    approved_by: str
    approved_at: datetime
    issues: tuple[IssueStatus, ...]


def campaign_status(
    engine: Engine, limits: RateLimits, name: str | None = None, *, now: datetime | None = None
) -> list[CampaignStatus]:
    """Every campaign (or the one named), each issue with its counts from the ledger."""
    from briefcast.delivery.limits import expected_finish
    from briefcast.store.bounces import returned_counts
    from briefcast.store.ledger import delivery_counts

    now = now or datetime.now(UTC)
    with read(engine) as conn:  # never queues behind a long import
        chosen = [find_campaign(conn, name)] if name else store.all_campaigns(conn)
        result = []
        for campaign in chosen:
            issues = []
            for issue in store.campaign_issues(conn, campaign.id):
                counts = delivery_counts(conn, issue.id)
                came_back = sum(returned_counts(conn, issue.id).values())
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
                )
            )
    return result


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
            }
            for campaign in campaigns
        ]
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
