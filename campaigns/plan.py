"""Planning a series: check a campaign against its briefing and assemble its digests."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from briefcast.campaigns.briefing_text import split_sentences
from briefcast.campaigns.calendar import send_dates
from briefcast.campaigns.campaign_file import (
    CampaignFileError,
    is_unwritten,
    load_campaign,
    preheader_problem,
)
from briefcast.campaigns.draft import preview_sentence
from briefcast.campaigns.model import (
    Briefing,
    Campaign,
    Digest,
    IssuePlan,
    NextIssue,
    Theme,
    slugify,
)
from briefcast.campaigns.titles import issue_title

__all__ = [
    "CampaignFileError",
    "Problem",
    "Unwritten",
    "assemble",
    "check_campaign",
    "issue_title",
    "load_campaign",
    "missing_list_problems",
    "named_lists",
    "problem_at",
    "unwritten_texts",
]

LONG_ISSUE_WORDS = 600  # about three minutes' reading: beyond it, a weekly digest gets skimmed
WORKING_HOURS = (time(7, 0), time(19, 0))  # out-of-hours emails are read less, and look urgent

# -- checking ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something wrong with a campaign, located in its file: "campaign.yaml:12: error: ..."."""

    level: Literal["error", "warning"]
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.level}: {self.message}"


class _Finding(NamedTuple):
    level: Literal["error", "warning"]
    key: str  # a Campaign.source_lines key, e.g. "issues[2].themes[1]"
    message: str


def check_campaign(
    campaign: Campaign, briefing: Briefing, *, today: date | None = None, unwritten: bool = True
) -> list[Problem]:
    """Everything wrong with the campaign, errors and warnings, in the order of the file's lines;
    `unwritten=False` leaves out the texts still to write (a page listing them at their fields)."""
    findings = [
        *_theme_findings(campaign, briefing),
        *_schedule_findings(campaign, today),
        *_length_findings(campaign, briefing),
        *_list_findings(campaign),
        *(_unwritten_findings(campaign) if unwritten else ()),
    ]
    located = [(_line_of(campaign, f.key), f) for f in findings]
    located.sort(key=lambda pair: pair[0] or 0)  # stable: same-line findings keep their order
    return [Problem(f.level, _where(campaign, line), f.message) for line, f in located]


def _theme_findings(campaign: Campaign, briefing: Briefing) -> Iterator[_Finding]:
    known = [theme.slug for theme in briefing.themes]
    placed: dict[str, int] = {}  # slug -> the issue it first appears in
    for issue in campaign.issues:
        for position, slug in enumerate(issue.themes, 1):
            key = f"issues[{issue.number}].themes[{position}]"
            if slug not in known:
                yield _Finding("error", key, _unknown_theme(slug, known))
            elif slug in placed:
                where = "this issue" if placed[slug] == issue.number else f"issue {placed[slug]}"
                yield _Finding("error", key, f"theme {slug!r} is already in {where}")
            else:
                placed[slug] = issue.number
    for theme in briefing.themes:
        if theme.slug not in placed:
            message = f"theme {theme.slug!r} ({theme.title}) is in no issue"
            yield _Finding("warning", "issues", message)


def _unknown_theme(slug: str, known: list[str]) -> str:
    match = difflib.get_close_matches(slug, known, n=1, cutoff=0.5)
    if match:
        return f"unknown theme {slug!r} (did you mean {match[0]!r}?)"
    return f"unknown theme {slug!r}; `briefcast briefing FILE` lists the briefing's theme slugs"


def _schedule_findings(campaign: Campaign, today: date | None) -> Iterator[_Finding]:
    schedule = campaign.schedule
    try:
        zone = ZoneInfo(schedule.timezone)
    except (ValueError, KeyError):  # an unknown zone is a KeyError
        yield _Finding("error", "schedule.timezone", f"{schedule.timezone!r} is not a time zone")
        return
    try:
        moments = _send_times(campaign)
    except ValueError as error:
        yield _Finding("error", "schedule.dates", f"cannot work out send dates: {error}")
        return
    today = today or datetime.now(zone).date()
    scheduled_in_past = []
    for issue, moment in zip(campaign.issues, moments, strict=True):
        if issue.send_at is None:
            if moment.date() < today:
                scheduled_in_past.append(issue.number)
            continue
        key = f"issues[{issue.number}].send_at"
        if moment.date() < today:
            yield _Finding(
                "error", key, f"issue {issue.number} is due on {moment:%Y-%m-%d}, in the past"
            )
        if not _in_working_hours(moment.timetz()):
            yield _Finding("warning", key, _out_of_hours(moment.timetz()))
    if scheduled_in_past:
        first = moments[scheduled_in_past[0] - 1]
        numbers = _count_issues(scheduled_in_past)
        key = "schedule.dates" if schedule.dates else "schedule.start"
        yield _Finding(
            "error",
            key,
            f"{numbers} would be sent in the past (the first on {first:%Y-%m-%d}); "
            "move the schedule to future dates",
        )
    if not _in_working_hours(schedule.send_time):
        yield _Finding("warning", "schedule.time", _out_of_hours(schedule.send_time))


def _count_issues(numbers: list[int]) -> str:
    """[3] -> "issue 3"; [1, 2, 3] -> "issues 1, 2 and 3"."""
    if len(numbers) == 1:
        return f"issue {numbers[0]}"
    return f"issues {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}"


def _in_working_hours(moment: time) -> bool:
    start, end = WORKING_HOURS
    return start <= moment.replace(tzinfo=None) <= end


def _out_of_hours(moment: time) -> str:
    start, end = WORKING_HOURS
    return (
        f"send time {moment:%H:%M} is outside {start:%H:%M}–{end:%H:%M}, when few people read email"
    )


def _length_findings(campaign: Campaign, briefing: Briefing) -> Iterator[_Finding]:
    for issue in campaign.issues:
        words = sum(theme.word_count for theme in _known_themes(issue, briefing))
        if words > LONG_ISSUE_WORDS:
            yield _Finding(
                "warning",
                f"issues[{issue.number}]",
                f"issue {issue.number} has {words} words of theme text (over {LONG_ISSUE_WORDS}, "
                "about three minutes' reading); consider moving a theme to another issue",
            )


def _list_findings(campaign: Campaign) -> Iterator[_Finding]:
    for issue in campaign.issues:
        for position, slug in enumerate(issue.exclude_lists, 1):
            if slug not in campaign.lists:
                key = f"issues[{issue.number}].exclude_lists[{position}]"
                yield _Finding("warning", key, f"list {slug!r} is not one of the campaign's lists")
        if not _issue_lists(campaign, issue):
            yield _Finding(
                "warning", f"issues[{issue.number}]", f"issue {issue.number} goes to no lists"
            )


class Unwritten(NamedTuple):
    """A text still marked "TODO: write …": issue `number`'s `key` ("intro", "questions[2]"), or
    with `number` None the series' own `key` ("catch_up_note", while catch-ups are on)."""

    number: int | None
    key: str
    text: str


def unwritten_texts(campaign: Campaign) -> list[Unwritten]:
    """Every text still marked "TODO: write …": the series' own (who it is from) first, then issue
    by issue in the order of an issue's keys, then the catch-up's note when catch-ups are on (off,
    nobody reads it)."""
    found = [
        Unwritten(None, key, value)
        for key, value in (("partnership", campaign.partnership), ("sender", campaign.sender))
        if is_unwritten(value)
    ]
    for issue in campaign.issues:
        texts = {key: getattr(issue, key) for key in ("title", "subject", "intro", "preheader")}
        texts |= {f"questions[{n}]": q for n, q in enumerate(issue.questions, 1)}
        found += [Unwritten(issue.number, k, t) for k, t in texts.items() if t and is_unwritten(t)]
    # An absent note is not one: catch-ups wait for it (`catch-up --dry-run` says so).
    note = campaign.catch_up.note
    if campaign.catch_up.mode != "off" and note is not None and is_unwritten(note):
        found.append(Unwritten(None, "catch_up_note", note))
    return found


def _unwritten_findings(campaign: Campaign) -> Iterator[_Finding]:
    """Every text still marked "TODO: write …": an error, so nothing unwritten goes out."""
    for item in unwritten_texts(campaign):
        if item.number is None:
            yield _Finding("error", item.key, f"{item.text!r} is still to be written")
            continue
        key = f"issues[{item.number}].{item.key}"
        yield _Finding("error", key, f"issue {item.number}: {item.text!r} is still to be written")


def problem_at(
    campaign: Campaign, level: Literal["error", "warning"], key: str, message: str
) -> Problem:
    """A problem found outside `check_campaign` (sending rules, the database), at its line."""
    return Problem(level, _where(campaign, _line_of(campaign, key)), message)


def named_lists(campaign: Campaign) -> Iterator[tuple[str, str]]:
    """(slug, where) for every list the campaign names: its lists, each issue's extra and
    excluded lists. The send path needs every one of them to exist."""
    for position, slug in enumerate(campaign.lists, 1):
        yield slug, f"lists[{position}]"
    for issue in campaign.issues:
        for kind in ("extra_lists", "exclude_lists"):
            for position, slug in enumerate(getattr(issue, kind), 1):
                yield slug, f"issues[{issue.number}].{kind}[{position}]"


def missing_list_problems(
    campaign: Campaign, missing: Iterable[str], level: Literal["error", "warning"]
) -> list[Problem]:
    """A problem at each place the campaign names one of the `missing` lists."""
    gone = set(missing)
    return [
        problem_at(
            campaign,
            level,
            where,
            f"the list {slug!r} does not exist: import it (briefcast lists import FILE "
            f"--list {slug}) or take it out of the campaign file",
        )
        for slug, where in named_lists(campaign)
        if slug in gone
    ]


def _line_of(campaign: Campaign, key: str) -> int | None:
    """The line of `key` in the campaign file, or of the nearest entry containing it."""
    while key:
        if key in campaign.source_lines:
            return campaign.source_lines[key]
        key = re.sub(r"(\.[a-z_]+|\[\d+\])$", "", key) if re.search(r"[.\[]", key) else ""
    return None


def _where(campaign: Campaign, line: int | None) -> str:
    source = str(campaign.source or campaign.name)
    return f"{source}:{line}" if line else source


# -- assembling --------------------------------------------------------------------------------


def assemble(campaign: Campaign, briefing: Briefing) -> tuple[Digest, ...]:
    """One Digest per issue, everything it shows in place. Run check_campaign first for a full
    report: this raises CampaignFileError at the first theme it cannot find."""
    themes = [_themes(campaign, issue, briefing) for issue in campaign.issues]
    try:
        moments = _send_times(campaign)
    except (ValueError, KeyError) as error:  # an unknown zone is a KeyError
        where = _where(campaign, _line_of(campaign, "schedule"))
        raise CampaignFileError(f"{where}: cannot work out send dates: {error}") from None
    titles = [
        issue.title or issue_title(theme.title for theme in issue_themes)
        for issue, issue_themes in zip(campaign.issues, themes, strict=True)
    ]
    following: list[NextIssue | None] = [
        NextIssue(title, moment) for title, moment in zip(titles[1:], moments[1:], strict=True)
    ]
    following.append(None)  # the last issue has no next one
    parts = zip(campaign.issues, themes, titles, moments, following, strict=True)
    return tuple(_digest(campaign, briefing, *part) for part in parts)


def _digest(
    campaign: Campaign,
    briefing: Briefing,
    issue: IssuePlan,
    themes: tuple[Theme, ...],
    title: str,
    send_at: datetime,
    next_issue: NextIssue | None,
) -> Digest:
    total = len(campaign.issues)
    return Digest(
        campaign=campaign.name,
        series_title=campaign.title,
        partnership=campaign.partnership,
        number=issue.number,
        total=total,
        title=title,
        subject=issue.subject or f"Part {issue.number} of {total}: {title}",
        preheader=_preheader(issue, themes),
        send_at=send_at,
        sender=campaign.sender,
        reply_to=campaign.reply_to,
        lists=_issue_lists(campaign, issue),
        intro=issue.intro,
        introduction=briefing.introduction if issue.include_introduction else None,
        themes=themes,
        questions=issue.questions,
        next_issue=next_issue,
        slug=f"{issue.number:02d}-{_short_slug(title)}",
    )


def _themes(campaign: Campaign, issue: IssuePlan, briefing: Briefing) -> tuple[Theme, ...]:
    known = [theme.slug for theme in briefing.themes]
    for position, slug in enumerate(issue.themes, 1):
        if slug not in known:
            line = _line_of(campaign, f"issues[{issue.number}].themes[{position}]")
            raise CampaignFileError(f"{_where(campaign, line)}: {_unknown_theme(slug, known)}")
    return tuple(briefing.theme(slug) for slug in issue.themes)


def _known_themes(issue: IssuePlan, briefing: Briefing) -> list[Theme]:
    return [theme for theme in briefing.themes if theme.slug in issue.themes]


def _send_times(campaign: Campaign) -> list[datetime]:
    """Each issue's send time: its own send_at, else its place in the schedule."""
    planned = send_dates(campaign.schedule, len(campaign.issues))
    return [issue.send_at or moment for issue, moment in zip(campaign.issues, planned, strict=True)]


def _issue_lists(campaign: Campaign, issue: IssuePlan) -> tuple[str, ...]:
    lists = dict.fromkeys((*campaign.lists, *issue.extra_lists))  # ordered and without repeats
    return tuple(name for name in lists if name not in issue.exclude_lists)


def _preheader(issue: IssuePlan, themes: Sequence[Theme]) -> str:
    """The inbox preview line: the issue's own, else the first whole sentence of its intro that
    fits, else the one `plan` would draft from its themes, else none. Never a sentence cut short:
    a preview ending "…" reads as a mistake, and an empty one lets the inbox show the greeting."""
    if issue.preheader:
        return issue.preheader
    for sentence in split_sentences(" ".join((issue.intro or "").split())):
        if preheader_problem(sentence) is None:
            return sentence
    return preview_sentence(themes) or ""


def _short_slug(title: str, limit: int = 48) -> str:
    slug = slugify(title)
    return slug if len(slug) <= limit else slug[: limit + 1].rsplit("-", 1)[0]
