"""Writing a Campaign back out as a campaign file, and the plan edits the console offers.

    campaign_text(campaign, briefing="briefing.txt") -> YAML that load_campaign_text reads back
    move_theme(campaign, "domestic-abuse", to_issue=3) -> Campaign (and add_issue, remove_issue)

The campaign file stays the interchange format: what the console plans can be downloaded, edited
by hand and uploaded again. Edits return a new Campaign with its issues numbered from 1 again.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Any

import yaml

from briefcast.campaigns.calendar import describe_cadence
from briefcast.campaigns.model import Campaign, CatchUp, IssuePlan, Schedule
from briefcast.errors import BriefcastError

PART_LABEL = re.compile(r"Part \d+ of \d+: ")  # how drafted subjects open: "Part 2 of 6: "


class PlanEditError(BriefcastError):
    """A change to the plan that cannot be made as asked."""


def campaign_text(campaign: Campaign, *, briefing: str) -> str:
    """The campaign as a campaign file; `briefing` is written as the file's `briefing:`."""
    document: dict[str, Any] = {
        "name": campaign.name,
        "title": campaign.title,
        "partnership": campaign.partnership,
        "briefing": briefing,
        "sender": campaign.sender,
        **({"reply_to": campaign.reply_to} if campaign.reply_to else {}),
        "lists": list(campaign.lists),
        "schedule": _schedule(campaign.schedule),
        "issues": [_issue(issue, campaign.schedule) for issue in campaign.issues],
        **_catch_up(campaign.catch_up),
    }
    # Every value is written as text or true/false; the reader takes text as written, so a
    # subject such as "Yes" or "2027" survives the round trip.
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def _schedule(schedule: Schedule) -> dict[str, Any]:
    timing: dict[str, Any] = (
        {"dates": [day.isoformat() for day in schedule.dates]}
        if schedule.dates
        else {"start": schedule.start.isoformat(), "every": describe_cadence(schedule.every_days)}
    )
    return {
        **timing,
        "time": f"{schedule.send_time:%H:%M}",
        "timezone": schedule.timezone,
        "skip_weekends": schedule.skip_weekends,
        "skip_bank_holidays": schedule.skip_bank_holidays,
        "blackout": [
            {"from": first.isoformat(), "to": last.isoformat()}
            for first, last in schedule.blackouts
        ],
    }


def _catch_up(catch_up: CatchUp) -> dict[str, Any]:
    """The catch-up keys that differ from their defaults (campaign_file.py reads them)."""
    default = CatchUp()
    keys = {
        "catch_up": catch_up.mode if catch_up.mode != default.mode else None,
        "catch_up_until": catch_up.until.isoformat() if catch_up.until else None,
        "replay_every": str(catch_up.replay_every_days)
        if catch_up.replay_every_days != default.replay_every_days
        else None,
        "replay_cap": str(catch_up.replay_cap)
        if catch_up.replay_cap != default.replay_cap
        else None,
        "catch_up_note": catch_up.note,
    }
    return {key: value for key, value in keys.items() if value is not None}


def _issue(issue: IssuePlan, schedule: Schedule) -> dict[str, Any]:
    entry: dict[str, Any] = {"themes": list(issue.themes)}
    optional = {
        "title": issue.title,
        "subject": issue.subject,
        "intro": issue.intro,
        "preheader": issue.preheader,
        "questions": list(issue.questions),
        "include_introduction": issue.include_introduction,
        "extra_lists": list(issue.extra_lists),
        "exclude_lists": list(issue.exclude_lists),
        "send_at": _moment(issue.send_at, schedule) if issue.send_at else None,
    }
    entry.update({key: value for key, value in optional.items() if value})
    return entry


def _moment(moment: datetime, schedule: Schedule) -> str:
    from zoneinfo import ZoneInfo

    return f"{moment.astimezone(ZoneInfo(schedule.timezone)):%Y-%m-%d %H:%M}"


# -- the plan edits ---------------------------------------------------------------------------


def move_theme(campaign: Campaign, slug: str, to_issue: int) -> Campaign:
    """Move a theme to the end of another issue; an issue left without themes is removed."""
    source = next((i for i in campaign.issues if slug in i.themes), None)
    if source is None:
        raise PlanEditError(f"no issue has the theme {slug!r}")
    _issue_at(campaign, to_issue)
    if source.number == to_issue:
        return campaign
    issues = []
    for issue in campaign.issues:
        themes = tuple(t for t in issue.themes if t != slug)
        if issue.number == to_issue:
            themes = (*themes, slug)
        issues.append(replace(issue, themes=themes))
    return _renumbered(campaign, [issue for issue in issues if issue.themes])


def add_issue(campaign: Campaign, slug: str) -> Campaign:
    """A new last issue holding one theme taken from the issue it was in."""
    source = next((i for i in campaign.issues if slug in i.themes), None)
    if source is None:
        raise PlanEditError(f"no issue has the theme {slug!r}")
    if source.themes == (slug,):
        raise PlanEditError(f"the theme {slug!r} is already an issue on its own")
    issues = [replace(i, themes=tuple(t for t in i.themes if t != slug)) for i in campaign.issues]
    return _renumbered(campaign, [*issues, IssuePlan(number=0, themes=(slug,))])


def remove_issue(campaign: Campaign, number: int) -> Campaign:
    """Remove an issue; its themes join the issue before it (the next one for the first)."""
    issue = _issue_at(campaign, number)
    if len(campaign.issues) == 1:
        raise PlanEditError("a series needs at least one issue")
    neighbour = number - 1 if number > 1 else 2
    issues = [
        replace(i, themes=(*i.themes, *issue.themes) if number > 1 else (*issue.themes, *i.themes))
        if i.number == neighbour
        else i
        for i in campaign.issues
        if i.number != number
    ]
    return _renumbered(campaign, issues)


def keep_themes(campaign: Campaign, slugs: set[str]) -> Campaign:
    """The plan without themes not in `slugs` (merged into another, or made a section)."""
    issues = [replace(i, themes=tuple(t for t in i.themes if t in slugs)) for i in campaign.issues]
    return _renumbered(campaign, [issue for issue in issues if issue.themes])


def _issue_at(campaign: Campaign, number: int) -> IssuePlan:
    for issue in campaign.issues:
        if issue.number == number:
            return issue
    raise PlanEditError(f"the series has no issue {number} (it has 1 to {len(campaign.issues)})")


def _renumbered(campaign: Campaign, issues: list[IssuePlan]) -> Campaign:
    # A subject written as "Part N of M: ..." would now be wrong; any other subject is the
    # author's own words and stays.
    total = len(issues)
    renumbered = []
    for number, issue in enumerate(issues, 1):
        subject = issue.subject
        if subject and PART_LABEL.match(subject):
            subject = PART_LABEL.sub(f"Part {number} of {total}: ", subject, count=1)
        renumbered.append(replace(issue, number=number, subject=subject))
    return replace(campaign, issues=tuple(renumbered), source_lines={})
