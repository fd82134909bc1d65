"""The dissemination report: did the learning reach each agency, and was it read?

    build_report(engine, campaign_name, *, detail=False) -> Report

Counts come from the ledger (one row per issue x person), the suppressions made by the
unsubscribe link and the acknowledgements; store/report.py counts per (issue, list,
organisation) and this module adds those up per issue, list, organisation, theme and in total.
Per-person rows are read only when `detail` is asked for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from briefcast.campaigns.snapshot import digest_from_snapshot
from briefcast.errors import BriefcastError
from briefcast.store import bounces as bounce_store
from briefcast.store import campaigns
from briefcast.store import report as store
from briefcast.store.campaigns import IssueRecord
from briefcast.store.engine import read
from briefcast.store.report import GroupCounts

VERSION = 1  # of the JSON report's shape
ERASED = "(erased)"  # people erased since: their rows still count, their agency is unknown
NOT_GIVEN = "(not given)"
DELETED_LIST = "(deleted list)"


class ReportError(BriefcastError):
    pass


@dataclass(frozen=True)
class Counts:
    """What happened to a group of ledger rows. Percentages are None where nothing to divide."""

    audience: int = 0  # ledger rows: people the issue was for
    sent: int = 0  # accepted by the relay
    failed: int = 0  # refused for good, or out of attempts
    bounced: int = 0  # the address does not exist (now suppressed)
    skipped: int = 0  # suppressed or erased after the audience was resolved
    pending: int = 0  # still queued or being sent
    unsubscribed: int = 0  # used the unsubscribe link while this issue was the latest
    acknowledged: int = 0  # pressed "I've read this"
    # Accepted by the relay, then a delivery report came back (counted in bounced or failed
    # too), apart from refusals at send time: Microsoft 365 accepts everything and reports later.
    returned: int = 0
    # Taken whole by the relay, never answered: perhaps delivered, not sent again unless a
    # person resends them (send-now --resend-unknown).
    unknown: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def reached(self) -> float | None:
        """Sent as a percentage of the audience."""
        return _percent(self.sent, self.audience)

    @property
    def acknowledged_rate(self) -> float | None:
        """Acknowledged as a percentage of those sent."""
        return _percent(self.acknowledged, self.sent)

    def percentages(self) -> dict[str, float | None]:
        return {
            "sent": self.reached,
            "failed": _percent(self.failed, self.audience),
            "bounced": _percent(self.bounced, self.audience),
            "unsubscribed": _percent(self.unsubscribed, self.sent),
            "acknowledged": self.acknowledged_rate,
        }


@dataclass(frozen=True)
class Group:
    """A line of the report: an issue, list, organisation or theme, and its counts."""

    key: str  # stable: issue number, list slug, organisation, theme slug
    label: str
    counts: Counts


@dataclass(frozen=True)
class IssueLine:
    number: int
    title: str
    themes: tuple[str, ...]  # theme titles
    state: str
    started_at: datetime | None
    counts: Counts  # the issue's own sending: people on the lists when it went
    # New starters who got it later in a catch-up (a digest naming it, or it replayed), and how
    # many of them acknowledged it from there: an acknowledgement counts for the issue read.
    by_catch_up: int = 0
    acknowledged_by_catch_up: int = 0

    @property
    def on_time(self) -> int:
        """Reached when it went out."""
        return self.counts.sent


@dataclass(frozen=True)
class Person:
    issue: int
    address: str
    name: str
    organisation: str
    list: str
    status: str
    unsubscribed: bool
    acknowledged_at: datetime | None
    reflection: str | None


@dataclass(frozen=True)
class Flagged:
    """A list whose people at one organisation never get the emails: its mail server refuses
    our sender (a delivery report said so), so someone there must allow-list it."""

    list: str
    organisation: str
    domain: str
    code: str
    reports: int
    since: datetime


@dataclass(frozen=True)
class Report:
    campaign: str  # the campaign's name
    title: str
    generated_at: datetime
    totals: Counts
    issues: tuple[IssueLine, ...]
    lists: tuple[Group, ...]
    organisations: tuple[Group, ...]
    themes: tuple[Group, ...]
    people: tuple[Person, ...] | None = None  # only with detail=True
    flagged: tuple[Flagged, ...] = ()  # the campaign's lists flagged for allow-listing
    # Catch-up messages whose outcome is unknown: not in `totals` (catch-ups are counted by the
    # issues they cover, as reached by catch-up), so apart, as they are resent apart.
    catch_up_unknown: int = 0


def build_report(engine: Engine, campaign_name: str, *, detail: bool = False) -> Report:
    with read(engine) as conn:
        campaign = campaigns.find_campaign(conn, campaign_name)
        if campaign is None:
            names = ", ".join(c.name for c in campaigns.all_campaigns(conn)) or "none yet"
            raise ReportError(
                f"no scheduled campaign is named {campaign_name!r} (scheduled: {names})"
            )
        issues = campaigns.campaign_issues(conn, campaign.id)
        digests = campaigns.issue_digests(conn, campaign.id)
        groups = store.group_counts(conn, campaign.id)
        caught_up = store.catch_up_counts(conn, campaign.id)
        people = store.people(conn, campaign.id) if detail else None
        flags = bounce_store.open_flags(conn)
    themes = {issue.id: _themes(digests[issue.id]) for issue in issues}
    by_issue = _sum(groups, lambda g: g.issue_id)
    return Report(
        campaign=campaign.name,
        title=campaign.title,
        generated_at=datetime.now(UTC),
        totals=sum((_counts(g) for g in groups), Counts()),
        issues=tuple(_issue_line(issue, themes[issue.id], by_issue, caught_up) for issue in issues),
        lists=_groups(groups, _list_key),
        organisations=_groups(groups, _organisation_key),
        themes=_theme_groups(issues, themes, by_issue),
        people=tuple(_person(row) for row in people) if people is not None else None,
        flagged=_flagged(flags, {g.list_slug for g in groups}),
        catch_up_unknown=sum(c.unknown for c in caught_up),
    )


def _flagged(flags: list[bounce_store.Flag], slugs: set[str | None]) -> tuple[Flagged, ...]:
    return tuple(
        Flagged(
            list=flag.list_name or flag.list_slug or DELETED_LIST,
            organisation=(flag.organisation or "").strip() or NOT_GIVEN,
            domain=flag.domain,
            code=flag.status_code,
            reports=flag.reports,
            since=flag.first_seen_at,
        )
        for flag in flags
        if flag.list_slug in slugs
    )


def _themes(snapshot: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """(slug, title) of the issue's themes, from the digest it was approved with."""
    digest = digest_from_snapshot(snapshot)
    return tuple((theme.slug, theme.title) for theme in digest.themes)


def _counts(group: GroupCounts) -> Counts:
    return Counts(*(getattr(group, f.name) for f in fields(Counts)))


def _sum(groups: Iterable[GroupCounts], key) -> dict:  # type: ignore[no-untyped-def]
    totals: dict = defaultdict(Counts)
    for group in groups:
        totals[key(group)] += _counts(group)
    return totals


def _groups(groups: list[GroupCounts], key) -> tuple[Group, ...]:  # type: ignore[no-untyped-def]
    """Summed by (key, label), largest audience first, then by label."""
    totals = _sum(groups, key)
    lines = [Group(k, label, counts) for (k, label), counts in totals.items()]
    return tuple(sorted(lines, key=lambda g: (-g.counts.audience, g.label.lower())))


def _list_key(group: GroupCounts) -> tuple[str, str]:
    if group.list_slug is None:
        return "", DELETED_LIST
    return group.list_slug, group.list_name or group.list_slug


def _organisation_key(group: GroupCounts) -> tuple[str, str]:
    if group.erased:
        return ERASED, ERASED
    organisation = (group.organisation or "").strip() or NOT_GIVEN
    return organisation, organisation


def _issue_line(issue: IssueRecord, themes, by_issue, caught_up) -> IssueLine:  # type: ignore[no-untyped-def]
    covering = [c for c in caught_up if issue.id in c.covers]
    return IssueLine(
        by_catch_up=sum(c.sent for c in covering),
        acknowledged_by_catch_up=sum(c.acknowledged for c in covering),
        number=issue.number,
        title=issue.title,
        themes=tuple(title for _, title in themes),
        state=issue.state.value,
        started_at=issue.started_at,
        counts=by_issue.get(issue.id, Counts()),
    )


def _theme_groups(issues: list[IssueRecord], themes, by_issue) -> tuple[Group, ...]:  # type: ignore[no-untyped-def]
    """Each theme with the counts of the issues that carried it, in series order."""
    totals: dict[tuple[str, str], Counts] = {}
    for issue in issues:
        for slug, title in themes[issue.id]:
            totals[slug, title] = totals.get((slug, title), Counts()) + by_issue.get(
                issue.id, Counts()
            )
    return tuple(Group(slug, title, counts) for (slug, title), counts in totals.items())


def _person(row: store.PersonRow) -> Person:
    erased = row.address is None
    return Person(
        issue=row.issue_number,
        address=ERASED if erased else row.address,
        name="" if erased else (row.name or ""),
        organisation=ERASED if erased else ((row.organisation or "").strip() or NOT_GIVEN),
        list=row.list_name or DELETED_LIST,
        status=row.status,
        unsubscribed=row.unsubscribed,
        acknowledged_at=row.acknowledged_at,
        # Free text can name its writer: it goes with the person when they are erased.
        reflection=None if erased else row.reflection,
    )


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None
