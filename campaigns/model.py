"""The frozen data that flows between the content stages: briefing -> campaign -> digest."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path


def slugify(title: str) -> str:
    """A stable, URL- and file-safe slug.

    "Adolescents, Mental Health and Suicide" -> "adolescents-mental-health-and-suicide".

    Slugs are how a campaign file names themes, so they must not change when the
    briefing's punctuation, accents or capitalisation do.
    """
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    ascii_title = ascii_title.replace("&", " and ").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")


# -- what a briefing is understood to say ------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A key figure and its sentence: value "13%", text "13% (70) children were on a CP plan"."""

    value: str
    text: str


@dataclass(frozen=True)
class Section:
    """A part of the briefing that is not a practice theme (Foreword, Introduction...)."""

    title: str
    paragraphs: tuple[str, ...]
    figures: tuple[Figure, ...] = ()


@dataclass(frozen=True)
class Theme:
    """One practice theme: the unit a digest is built from."""

    slug: str
    title: str
    paragraphs: tuple[str, ...]
    figures: tuple[Figure, ...] = ()
    quotes: tuple[str, ...] = ()

    @property
    def word_count(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)


@dataclass(frozen=True)
class HeadingNote:
    """How the reader took one heading and how sure it is: shown by `briefcast briefing`."""

    line: int  # in the briefing file, from 1
    title: str
    role: str  # "theme", "section" or "left out"
    confidence: str  # "high", "medium" or "low"
    reason: str  # "Markdown heading", "numbered like 4 others", "question heading", ...


@dataclass(frozen=True)
class Briefing:
    """A briefing as read: its title, its non-theme sections and its themes, in document order."""

    title: str
    sections: tuple[Section, ...]
    themes: tuple[Theme, ...]
    warnings: tuple[str, ...] = ()
    source: Path | None = None
    headings: tuple[HeadingNote, ...] = ()  # why each heading was read as it was

    def theme(self, slug: str) -> Theme:
        for theme in self.themes:
            if theme.slug == slug:
                return theme
        raise KeyError(slug)

    @property
    def introduction(self) -> Section | None:
        """The section that opens the series: an introduction, else the first with figures."""
        for section in self.sections:
            if re.match(r"(introduction|summary|background|overview)\b", section.title, re.I):
                return section
        return next((s for s in self.sections if s.figures), None)


# -- what the comms team planned ---------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """When the issues go out. Dates are computed by campaigns.calendar.send_dates()."""

    start: date
    send_time: time = time(9, 30)
    timezone: str = "Europe/London"
    every_days: int = 7  # weekly; 14 for fortnightly. Ignored when `dates` is given.
    dates: tuple[date, ...] = ()  # explicit dates instead of a cadence
    skip_weekends: bool = True
    skip_bank_holidays: bool = True  # England and Wales, from the `holidays` package
    blackouts: tuple[tuple[date, date], ...] = ()  # inclusive ranges, e.g. the Christmas closure


CATCH_UP_MODES = ("off", "digest", "replay")


@dataclass(frozen=True)
class CatchUp:
    """What a person who joins a list mid-series gets of the issues they missed (issue 15)."""

    mode: str = "digest"  # off | digest (one email listing them) | replay (the issues themselves)
    until: date | None = None  # the last day someone can join and catch up; None: two weeks
    # after the last issue
    replay_every_days: int = 2  # replay: the days between two replayed issues
    replay_cap: int = 3  # replay: at most this many missed issues, oldest first
    # Why the reader is getting it, in a person's words (the product never writes it): without
    # it no catch-up goes out, and a "TODO: write ..." one fails `check`.
    note: str | None = None


@dataclass(frozen=True)
class IssuePlan:
    """One planned issue as the campaign file states it."""

    number: int
    themes: tuple[str, ...]  # theme slugs, in reading order
    title: str | None = None  # the issue's title; by default its theme titles joined
    subject: str | None = None
    intro: str | None = None
    preheader: str | None = None  # the inbox preview line; by default the intro's first sentence
    questions: tuple[str, ...] = ()
    include_introduction: bool = False  # carry the briefing's introduction and its key figures
    extra_lists: tuple[str, ...] = ()
    exclude_lists: tuple[str, ...] = ()
    send_at: datetime | None = None  # an explicit time overriding the schedule for this issue


@dataclass(frozen=True)
class Campaign:
    """A campaign file, parsed and validated (campaigns.plan.load_campaign)."""

    name: str  # the campaign file's name, e.g. "national-panel-2020"
    title: str  # the series title shown in every issue
    partnership: str  # who sends it, shown in the header and footer
    briefing_path: Path
    sender: str  # "Name <address>"
    reply_to: str | None
    lists: tuple[str, ...]  # list slugs every issue goes to
    schedule: Schedule
    issues: tuple[IssuePlan, ...]
    catch_up: CatchUp = CatchUp()
    source: Path | None = None
    # Where each entry sits in the campaign file, so problems can name the line: keys are the
    # entry's path with positions counted from 1 like issue numbers, e.g. "schedule.time",
    # "issues[2]", "issues[2].themes[1]" (issue 2's first theme). Not part of the campaign's value.
    source_lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)


# -- what one issue carries, ready to render ---------------------------------------------------


@dataclass(frozen=True)
class NextIssue:
    title: str
    send_at: datetime


@dataclass(frozen=True)
class Digest:
    """Everything one issue shows, from the campaign and the briefing (campaigns.plan.assemble)."""

    campaign: str  # campaign name
    series_title: str
    partnership: str
    number: int
    total: int
    title: str  # "Domestic abuse and written agreements"
    subject: str
    preheader: str
    send_at: datetime  # timezone-aware
    sender: str
    reply_to: str | None
    lists: tuple[str, ...]  # the lists this issue goes to (campaign lists + extra - excluded)
    intro: str | None
    introduction: Section | None  # the briefing's introduction, on the opening issue
    themes: tuple[Theme, ...]
    questions: tuple[str, ...]
    next_issue: NextIssue | None
    slug: str = field(default="")  # file-safe name: "02-domestic-abuse"

    @property
    def part_label(self) -> str:
        return f"Part {self.number} of {self.total}"
