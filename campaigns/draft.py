"""Drafting a campaign file: an opening issue, then themes grouped by reading time."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import yaml

from briefcast.campaigns.calendar import describe_cadence, send_dates
from briefcast.campaigns.campaign_file import CampaignFileError
from briefcast.campaigns.model import Briefing, Schedule, Theme
from briefcast.campaigns.titles import issue_title, sentence_case

READING_WORDS = 450  # theme text per drafted issue: two to three minutes at ~200 words a minute


def draft_campaign(
    briefing: Briefing,
    briefing_path: Path,
    *,
    start: date,
    every_days: int = 7,
    lists: Sequence[str] = (),
    name: str | None = None,
) -> str:
    """The text of a campaign file for comms staff to edit: the introduction and first theme,
    then the other themes in document order, a few minutes' reading per issue.

    `briefing_path` is written as given, so make it relative to where the file will be saved.
    """
    if not briefing.themes:
        raise CampaignFileError(
            f"{briefing_path}: the briefing has no themes to plan a series from"
        )
    groups = [[briefing.themes[0]], *group_themes(briefing.themes[1:])]
    schedule = Schedule(start=start, every_days=every_days)
    moments = send_dates(schedule, len(groups))
    lines = [
        f"# A draft series for {briefing.title!r}, written by `briefcast plan`.",
        "# Regroup the themes, reword subjects, intros and questions, then run `briefcast check`",
        "# on this file. Every key is explained in docs/campaign-file.md.",
        "",
        *([f"name: {_yaml_text(name)}"] if name else []),
        f"title: {_yaml_text(briefing.title)}",
        "partnership: Safeguarding Children Partnership  # the name in every header and footer",
        f"briefing: {_yaml_text(str(briefing_path))}",
        "sender: Safeguarding Children Partnership <learning@example.org>  # who emails are from",
        "reply_to: learning@example.org  # where replies go",
        *(
            ["lists:", *(f"  - {_yaml_text(slug)}" for slug in lists)]
            if lists
            else ["lists: []  # the distribution lists every issue goes to, e.g. [police, health]"]
        ),
        "",
        "schedule:",
        f"  start: {start.isoformat()}",
        f"  every: {describe_cadence(every_days)}  # 1w weekly, 2w fortnightly",
        '  time: "09:30"',
        "  timezone: Europe/London",
        "  skip_weekends: true",
        "  skip_bank_holidays: true  # England and Wales",
        "  blackout: []  # e.g. [{from: 2027-12-20, to: 2028-01-03, reason: Christmas closure}]",
        "",
        "issues:",
    ]
    for number, (themes, moment) in enumerate(zip(groups, moments, strict=True), 1):
        lines += _draft_issue(number, len(groups), themes, moment, briefing)
    return "\n".join(lines) + "\n"


def group_themes(themes: Sequence[Theme], limit: int = READING_WORDS) -> list[list[Theme]]:
    """Consecutive themes in groups of at most `limit` words (a longer theme stands alone)."""
    groups: list[list[Theme]] = []
    for theme in themes:
        if groups and sum(t.word_count for t in groups[-1]) + theme.word_count <= limit:
            groups[-1].append(theme)
        else:
            groups.append([theme])
    return groups


def _draft_issue(
    number: int, total: int, themes: list[Theme], moment: datetime, briefing: Briefing
) -> list[str]:
    words = sum(theme.word_count for theme in themes)
    title = _draft_title(themes)
    lines = [
        "",
        f"  # Part {number}: {moment:%A} {moment.day} {moment:%B %Y at %H:%M}, {words} words",
        "  - themes:",
        *(f"      - {theme.slug}  # {theme.title}, {theme.word_count} words" for theme in themes),
    ]
    if title != issue_title(theme.title for theme in themes):
        lines.append(f"    title: {_yaml_text(title)}")
    lines.append(f"    subject: {_yaml_text(f'Part {number} of {total}: {title}')}")
    if number == 1:
        lines += [
            "    include_introduction: true  # the briefing's introduction and its key figures",
            f"    intro: {_yaml_text(_opening_intro(total, briefing))}",
        ]
    lines.append("    questions:")
    lines += [f"      - {_yaml_text(question)}" for question in _draft_questions(number, themes)]
    return lines


def _draft_title(themes: list[Theme], limit: int = 60) -> str:
    """The themes' titles joined, or for a long join the first title "and other themes"."""
    title = issue_title(theme.title for theme in themes)
    if len(title) <= limit or len(themes) == 1:
        return title
    return f"{issue_title([themes[0].title])} and other themes"


def _opening_intro(total: int, briefing: Briefing) -> str:
    return f"The first of {total} short digests sharing the learning from {briefing.title}."


def _draft_questions(number: int, themes: list[Theme]) -> list[str]:
    first, last = sentence_case(themes[0].title), sentence_case(themes[-1].title)
    opening = (
        "Which figure in the introduction surprised you most, and why?"
        if number == 1
        else f"Where have you seen {first} in your team's current cases?"
    )
    closing = f"What is one thing your team will do differently about {last}?"
    return [opening, closing]


def _yaml_text(text: str) -> str:
    """`text` as a YAML scalar: plain when YAML reads it back unchanged, double-quoted otherwise."""
    try:
        if yaml.safe_load(f"key: {text}") == {"key": text}:
            return text
    except yaml.YAMLError:
        pass
    return json.dumps(
        text, ensure_ascii=False
    )  # a JSON string is a valid double-quoted YAML scalar
