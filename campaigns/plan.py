"""Planning a series: check a campaign against its briefing, assemble its digests, draft one."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

import yaml
from briefcast.campaigns.calendar import describe_cadence, send_dates
from briefcast.campaigns.campaign_file import CampaignFileError, load_campaign
from briefcast.campaigns.model import (
    Briefing,
    Campaign,
    Digest,
    IssuePlan,
    NextIssue,
    Schedule,
    Theme,
    slugify,
)

__all__ = [
    "CampaignFileError",
    "Problem",
    "assemble",
    "check_campaign",
    "draft_campaign",
    "group_themes",
    "issue_title",
    "load_campaign",
]

LONG_ISSUE_WORDS = 600  # about three minutes' reading: beyond it, a weekly digest gets skimmed
WORKING_HOURS = (time(7, 0), time(19, 0))  # out-of-hours emails are read less, and look urgent
PREHEADER_CHARS = 100  # inbox previews show roughly this much

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
    campaign: Campaign, briefing: Briefing, *, today: date | None = None
) -> list[Problem]:
    """Everything wrong with the campaign, errors and warnings, in the order of the file's lines."""
    findings = [
        *_theme_findings(campaign, briefing),
        *_schedule_findings(campaign, today),
        *_length_findings(campaign, briefing),
        *_list_findings(campaign),
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
    """The inbox preview line: the issue's intro, else the opening sentence of its first theme."""
    text = issue.intro or next((p for theme in themes for p in theme.paragraphs), "")
    sentence = re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)[0]
    # Theme text often starts mid-sentence, after its title: "Domestic Abuse-this was ...".
    sentence = sentence[:1].upper() + sentence[1:]
    if len(sentence) <= PREHEADER_CHARS:
        return sentence
    return sentence[: PREHEADER_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _short_slug(title: str, limit: int = 48) -> str:
    slug = slugify(title)
    return slug if len(slug) <= limit else slug[: limit + 1].rsplit("-", 1)[0]


# -- titles ------------------------------------------------------------------------------------

_SMALL_WORDS = frozenset("a an and as at by for from in into of on or the to with".split())  # noqa: SIM905


def issue_title(theme_titles: Iterable[str]) -> str:
    """Theme titles joined as a phrase: "Domestic Abuse", "Written agreements" ->
    "Domestic abuse and written agreements"."""
    parts = [sentence_case(title) for title in theme_titles]
    joined = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    return joined[:1].upper() + joined[1:]


def sentence_case(title: str) -> str:
    """A title as it reads mid-sentence: "Health Plans for Children" -> "health plans for children".

    Capitals that carry meaning stay: acronyms ("MAPPA arrangements"), and the capitals of a
    title already in sentence case, which can only be names ("Working with Ofsted").
    """
    words = title.split()
    if _is_title_case(words):
        words = [word if _is_acronym(word) else word.lower() for word in words]
    if words and not _is_acronym(words[0]):
        words[0] = words[0].lower()
    return " ".join(words)


def _is_title_case(words: Sequence[str]) -> bool:
    later = [w for w in words[1:] if w[0].isalpha() and w.lower().strip(",;:") not in _SMALL_WORDS]
    return bool(later) and all(word[0].isupper() for word in later)


def _is_acronym(word: str) -> bool:
    return sum(char.isupper() for char in word) >= 2


# -- drafting ----------------------------------------------------------------------------------

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
