"""Drafting a campaign file: an opening issue, then related themes grouped by reading time.

Nothing in a draft is invented: subjects are the themes' own titles, shortened; the preview line
is a sentence of the issue's first theme; questions are the briefing's own. What only a person
can write is marked unwritten (`campaign_file.unwritten`), and `briefcast check` refuses it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import yaml

from briefcast.campaigns.briefing_text import split_sentences
from briefcast.campaigns.calendar import describe_cadence, send_dates
from briefcast.campaigns.campaign_file import (
    PREHEADER_MAX_CHARS,
    UNWRITTEN_MARK,
    CampaignFileError,
    preheader_problem,
    unwritten,
)
from briefcast.campaigns.grouping import (
    READING_WORDS,
    assign_questions,
    briefing_parts,
    briefing_questions,
    group_themes,
)
from briefcast.campaigns.model import Briefing, Schedule, Theme
from briefcast.campaigns.titles import issue_subject

__all__ = ["READING_WORDS", "draft_campaign", "group_themes", "preview_sentence"]


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
    then the other themes in document order, related ones together, a few minutes' reading per
    issue, each with a subject, a preview line and the briefing's own questions.

    `briefing_path` is written as given, so make it relative to where the file will be saved.
    """
    if not briefing.themes:
        raise CampaignFileError(
            f"{briefing_path}: the briefing has no themes to plan a series from"
        )
    parts = briefing_parts(briefing)[1:]
    groups = [[briefing.themes[0]], *group_themes(briefing.themes[1:], parts=parts)]
    schedule = Schedule(start=start, every_days=every_days)
    moments = send_dates(schedule, len(groups))
    lines = [
        f"# A draft series for {briefing.title!r}, written by `briefcast plan`.",
        "# Subjects, preview lines and questions are the briefing's own words. Write every",
        f"# {UNWRITTEN_MARK!r} line (or delete it), regroup the themes if you like, then run",
        "# `briefcast check` on this file. Every key is explained in docs/campaign-file.md.",
        "",
        *([f"name: {_yaml_text(name)}"] if name else []),
        f"title: {_yaml_text(briefing.title)}",
        # Who the series is from is the partnership's to say: the briefing does not say it in a
        # form the planner can trust, and a made-up name would go out in every header and footer.
        f"partnership: {_yaml_text(_UNWRITTEN_PARTNERSHIP)}  # in every header and footer",
        f"briefing: {_yaml_text(str(briefing_path))}",
        f"sender: {_yaml_text(_UNWRITTEN_SENDER)}",
        "# reply_to: where replies go, if not to the sender (an address)",
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
    questions = assign_questions(briefing_questions(briefing), groups)
    for number, (themes, moment) in enumerate(zip(groups, moments, strict=True), 1):
        lines += _draft_issue(number, len(groups), themes, moment, questions[number - 1])
    return "\n".join(lines) + "\n"


_UNWRITTEN_PARTNERSHIP = unwritten("the partnership's name, as its emails should show it")
_UNWRITTEN_SENDER = unwritten("who the emails are from, as Name <address>")
_UNWRITTEN_INTRO = unwritten("a sentence or two opening the series")
_UNWRITTEN_PREHEADER = unwritten(
    f"one sentence for the inbox preview, at most {PREHEADER_MAX_CHARS} characters"
)
_UNWRITTEN_QUESTION = unwritten("a question for team discussion, or delete this line")


def _draft_issue(
    number: int, total: int, themes: list[Theme], moment: datetime, questions: list[str]
) -> list[str]:
    words = sum(theme.word_count for theme in themes)
    subject = issue_subject(number, total, [theme.title for theme in themes])
    lines = [
        "",
        f"  # Part {number}: {moment:%A} {moment.day} {moment:%B %Y at %H:%M}, {words} words",
        "  - themes:",
        *(f"      - {theme.slug}  # {theme.title}, {theme.word_count} words" for theme in themes),
        f"    subject: {_yaml_text(subject)}",
        f"    preheader: {_yaml_text(preview_sentence(themes) or _UNWRITTEN_PREHEADER)}",
    ]
    if number == 1:
        lines += [
            "    include_introduction: true  # the briefing's introduction and its key figures",
            f"    intro: {_yaml_text(_UNWRITTEN_INTRO)}",
        ]
    if questions:
        lines.append("    questions:  # the briefing's own")
    else:
        lines.append("    questions:  # the briefing has none for these themes")
    lines += [f"      - {_yaml_text(question)}" for question in questions or [_UNWRITTEN_QUESTION]]
    return lines


_MIN_PREVIEW_WORDS = 5


def preview_sentence(themes: Sequence[Theme]) -> str | None:
    """The first whole sentence of the issue's themes that fits an inbox preview, if one does."""
    for paragraph in (paragraph for theme in themes for paragraph in theme.paragraphs):
        for sentence in split_sentences(paragraph):
            if (
                (sentence[:1].isupper() or sentence[:1].isdigit())
                and len(sentence.split()) >= _MIN_PREVIEW_WORDS
                and preheader_problem(sentence) is None
            ):
                return sentence
    return None


def _yaml_text(text: str) -> str:
    """`text` as a YAML scalar: plain when YAML reads it back unchanged, double-quoted otherwise."""
    try:
        if yaml.safe_load(f"key: {text}") == {"key": text}:
            return text
    except yaml.YAMLError:
        pass
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid double-quoted scalar
