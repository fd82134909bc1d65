"""Reading a campaign file: YAML -> Campaign, naming the file and line of every mistake."""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from email.utils import parseaddr
from pathlib import Path
from typing import NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml

from briefcast.campaigns.calendar import parse_cadence
from briefcast.campaigns.model import CATCH_UP_MODES, Campaign, CatchUp, IssuePlan, Schedule
from briefcast.errors import BriefcastError


class CampaignFileError(BriefcastError):
    """A campaign file that cannot be used as written: "FILE:LINE: what is wrong"."""

    def __init__(self, message: str, *, line: int | None = None, problem: str | None = None):
        super().__init__(message)
        self.line = line  # where it is, and what is wrong there, apart: for a form's fields
        self.problem = problem


class CatchUpValueError(CampaignFileError):
    """A catch-up value refused by the campaign file's own rules; `key` names it."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}", problem=problem)
        self.key = key


# Text a person must still write is marked "TODO: write …" (by `briefcast plan`, or by hand).
# The file loads, so it can be previewed and edited, but `check_campaign` reports every one as an
# error with its line, so nothing unwritten is checked clean, scheduled or sent.
UNWRITTEN_MARK = "TODO:"


def unwritten(what: str) -> str:
    """The marker for text still to write: unwritten("a question") -> "TODO: write a question"."""
    return f"{UNWRITTEN_MARK} write {what}"


def is_unwritten(text: str) -> bool:
    return text.lstrip().upper().startswith(UNWRITTEN_MARK)


PREHEADER_MAX_CHARS = 90
_SENTENCE_END = re.compile(r"[.!?][’”\"')]?$")


def preheader_problem(text: str) -> str | None:
    """Why `text` cannot be an issue's preheader (one sentence an inbox shows whole), or None."""
    if len(text) > PREHEADER_MAX_CHARS:
        return (
            f"{len(text)} characters; at most {PREHEADER_MAX_CHARS} show in an inbox, "
            "so write one short sentence"
        )
    if not _SENTENCE_END.search(text):
        return "write a whole sentence, ending with . ! or ?"
    return None


# The keys each part of the file may hold, and whether it must. A misspelt key is an error,
# never silently ignored: "skip_weekend: false" must not leave weekends switched on.
TOP_KEYS = {
    "name": False,
    "title": True,
    "partnership": True,
    "briefing": True,
    "sender": True,
    "reply_to": False,
    "lists": True,
    "schedule": True,
    "issues": True,
    "catch_up": False,
    "catch_up_until": False,
    "catch_up_note": False,
    "replay_every": False,
    "replay_cap": False,
}
SCHEDULE_KEYS = {
    "start": False,  # required unless `dates` is given
    "every": False,
    "dates": False,
    "time": False,
    "timezone": False,
    "skip_weekends": False,
    "skip_bank_holidays": False,
    "blackout": False,
}
BLACKOUT_KEYS = {"from": True, "to": False, "reason": False}
ISSUE_KEYS = {
    "themes": True,
    "title": False,
    "subject": False,
    "intro": False,
    "preheader": False,
    "questions": False,
    "include_introduction": False,
    "extra_lists": False,
    "exclude_lists": False,
    "send_at": False,
}

MAX_FILE_BYTES = 256 * 1024  # the example is 4 KB; a bigger one is a mistake or an attack
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_STR = "tag:yaml.org,2002:str"
_LIST_SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
_CLOCK = re.compile(r"(?P<hour>[01]?[0-9]|2[0-3])[:.](?P<minute>[0-5][0-9])")
_KINDS = {yaml.ScalarNode: "a single value", yaml.SequenceNode: "a list", yaml.MappingNode: "keys"}


def load_campaign(path: Path) -> Campaign:
    """Read and validate a campaign file; raise CampaignFileError naming the line of any mistake."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CampaignFileError(
                f"{path}: the campaign file is over {MAX_FILE_BYTES // 1024} KB; a campaign file "
                "holds the plan, the briefing holds the text"
            )
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise CampaignFileError(f"{path}: cannot read the campaign file: {error}") from None
    return load_campaign_text(text, path)


def load_campaign_text(text: str, path: Path) -> Campaign:
    """The same for a campaign file's text already in hand (the console keeps it in the
    database): `path` names it in messages, and `briefing:` is relative to its folder."""
    if len(text) > MAX_FILE_BYTES:
        raise CampaignFileError(
            f"{path}: the campaign file is over {MAX_FILE_BYTES // 1024} KB; a campaign file "
            "holds the plan, the briefing holds the text"
        )
    return _Reader(path).campaign(_compose(text, path))


CATCH_UP_KEYS = ("catch_up", "catch_up_until", "replay_every", "replay_cap", "catch_up_note")


def read_catch_up(values: Mapping[str, str]) -> CatchUp:
    """The catch-up keys given as text (the console's form), read by the very rules that read
    them in a campaign file; an empty value is a key left out. A mistake raises
    CatchUpValueError naming the key and what is wrong with its value."""
    given = {key: value.strip() for key, value in values.items() if value.strip()}
    if unknown := sorted(set(given) - set(CATCH_UP_KEYS)):
        raise ValueError(f"not catch-up keys: {', '.join(unknown)}")
    source = Path("catch-up")
    reader = _Reader(source)
    # Written as a campaign file's keys, one to a line (a long note stays on its key's line).
    text = yaml.safe_dump(given, sort_keys=False, allow_unicode=True, width=1 << 30)
    keys = reader.mapping(_compose(text, source), "", dict.fromkeys(CATCH_UP_KEYS, False))
    try:
        return reader.catch_up(keys)
    except CampaignFileError as error:
        key = next(k for k, line in reader.lines.items() if line == error.line)
        raise CatchUpValueError(key, (error.problem or "").removeprefix(f"{key}: ")) from None


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader without anchors and aliases (`&x` ... `*x`): nested aliases make a few KB of
    YAML expand to gigabytes (a 93 KB file became a 161 MB issue), and a campaign file never
    needs them: each value is written out."""

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(
                None,
                None,
                "anchors and aliases (& and *) are not allowed in a campaign file; "
                "write each value out",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def _compose(text: str, path: Path) -> yaml.Node:
    try:
        # Composing (not loading) keeps every value's position for line numbers in messages.
        root = yaml.compose(text, Loader=_NoAliasLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise CampaignFileError(f"{path}:{line}: not valid YAML: {error.problem}") from None
    except yaml.YAMLError as error:
        raise CampaignFileError(f"{path}: not valid YAML: {error}") from None
    if root is None:
        raise CampaignFileError(f"{path}:1: the campaign file is empty (see docs/campaign-file.md)")
    return root


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _closest(word: str, choices: list[str]) -> str:
    """' (did you mean 'x'?)' when a choice is close to `word`, else ''."""
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


@dataclass
class _Reader:
    """Turns composed YAML nodes into model values, recording each entry's line as it goes."""

    path: Path
    lines: dict[str, int] = field(default_factory=dict)

    def fail(self, node: yaml.Node, message: str) -> NoReturn:
        self.fail_at(_line(node), message)

    def fail_at(self, line: int, message: str) -> NoReturn:
        raise CampaignFileError(f"{self.path}:{line}: {message}", line=line, problem=message)

    def entry_line(self, where: str, node: yaml.Node) -> int:
        """The line of the key that opens an entry ("schedule:"), else the entry's first line."""
        return self.lines.get(where, _line(node))

    # -- the parts of the file --------------------------------------------------------------

    def campaign(self, root: yaml.Node) -> Campaign:
        keys = self.mapping(root, "", TOP_KEYS)
        schedule = self.schedule(keys["schedule"])
        zone = ZoneInfo(schedule.timezone)
        issues = self.issues(keys["issues"], schedule, zone)
        if schedule.dates and len(schedule.dates) != len(issues):
            self.fail_at(
                self.lines["schedule.dates"],
                f"schedule.dates: {len(schedule.dates)} date(s) for {len(issues)} issue(s); "
                "give one date per issue",
            )
        name = self.optional_text(keys.get("name"), "name")
        return Campaign(
            name=name or self.path.stem,
            title=self.text(keys["title"], "title"),
            partnership=self.text(keys["partnership"], "partnership"),
            briefing_path=self.path.parent / self.text(keys["briefing"], "briefing"),
            sender=self.address(keys["sender"], "sender"),
            reply_to=self.address(keys["reply_to"], "reply_to") if "reply_to" in keys else None,
            lists=self.list_slugs(keys["lists"], "lists"),
            schedule=schedule,
            issues=issues,
            catch_up=self.catch_up(keys),
            source=self.path,
            source_lines=dict(self.lines),
        )

    def catch_up(self, keys: dict[str, yaml.Node]) -> CatchUp:
        """The catch-up keys, each optional: new starters get one digest by default."""
        mode = "digest"
        if "catch_up" in keys:
            node = keys["catch_up"]
            # YAML reads a bare `off` as false: take the word as written.
            mode = node.value.strip().lower() if isinstance(node, yaml.ScalarNode) else ""
            if mode not in CATCH_UP_MODES:
                self.fail(node, "catch_up: expected one of " + ", ".join(CATCH_UP_MODES))
        until = keys.get("catch_up_until")
        every, cap = keys.get("replay_every"), keys.get("replay_cap")
        return CatchUp(
            mode=mode,
            until=self.day(until, "catch_up_until") if until else None,
            replay_every_days=self.days(every, "replay_every") if every else 2,
            replay_cap=self.count(cap, "replay_cap") if cap else 3,
            note=self.optional_text(keys.get("catch_up_note"), "catch_up_note"),
        )

    def days(self, node: yaml.Node, where: str) -> int:
        """A number of days ("2") or a cadence ("3d", "1w")."""
        if isinstance(node, yaml.ScalarNode) and node.value.strip().isdigit():
            return self.count(node, where)
        return self.cadence(node, where)

    def count(self, node: yaml.Node, where: str) -> int:
        text = self.text(node, where)
        if not text.isdigit() or int(text) < 1:
            self.fail(node, f"{where}: expected a whole number of at least 1, found {text!r}")
        return int(text)

    def schedule(self, node: yaml.Node) -> Schedule:
        keys = self.mapping(node, "schedule", SCHEDULE_KEYS)
        if "dates" in keys and ("start" in keys or "every" in keys):
            self.fail_at(
                self.entry_line("schedule", node),
                "schedule: give either start and every, or a list of dates, not both",
            )
        if "dates" in keys:
            dates = self.dates(keys["dates"], "schedule.dates")
            start = dates[0]
        elif "start" in keys:
            dates = ()
            start = self.day(keys["start"], "schedule.start")
        else:
            self.fail_at(
                self.entry_line("schedule", node),
                "schedule: missing key 'start' (the first send date, e.g. 2027-04-13)",
            )
        every = keys.get("every")
        return Schedule(
            start=start,
            dates=dates,
            every_days=self.cadence(every, "schedule.every") if every else 7,
            send_time=self.clock(keys["time"], "schedule.time") if "time" in keys else time(9, 30),
            timezone=self.timezone(keys.get("timezone"), "schedule.timezone"),
            skip_weekends=self.flag(keys.get("skip_weekends"), "schedule.skip_weekends", True),
            skip_bank_holidays=self.flag(
                keys.get("skip_bank_holidays"), "schedule.skip_bank_holidays", True
            ),
            blackouts=tuple(self.blackouts(keys.get("blackout"))),
        )

    def blackouts(self, node: yaml.Node | None) -> Iterator[tuple[date, date]]:
        for position, item in self.items(node, "schedule.blackout"):
            where = f"schedule.blackout[{position}]"
            keys = self.mapping(item, where, BLACKOUT_KEYS)
            first = self.day(keys["from"], f"{where}.from")
            last = self.day(keys["to"], f"{where}.to") if "to" in keys else first
            if last < first:
                self.fail(item, f"{where}: 'to' ({last}) is before 'from' ({first})")
            yield first, last

    def issues(self, node: yaml.Node, schedule: Schedule, zone: ZoneInfo) -> tuple[IssuePlan, ...]:
        issues = tuple(
            self.issue(item, number, schedule, zone) for number, item in self.items(node, "issues")
        )
        if not issues:
            self.fail(node, "issues: the list is empty; add at least one issue with its themes")
        return issues

    def issue(self, node: yaml.Node, number: int, schedule: Schedule, zone: ZoneInfo) -> IssuePlan:
        where = f"issues[{number}]"
        keys = self.mapping(node, where, ISSUE_KEYS)
        themes = self.texts(keys["themes"], f"{where}.themes")
        if not themes:
            self.fail(keys["themes"], f"{where}.themes: list at least one theme slug")
        send_at = keys.get("send_at")
        return IssuePlan(
            number=number,
            themes=themes,
            title=self.optional_text(keys.get("title"), f"{where}.title"),
            subject=self.optional_text(keys.get("subject"), f"{where}.subject"),
            intro=self.optional_text(keys.get("intro"), f"{where}.intro"),
            preheader=self.preheader(keys.get("preheader"), f"{where}.preheader"),
            questions=self.texts(keys.get("questions"), f"{where}.questions"),
            include_introduction=self.flag(
                keys.get("include_introduction"), f"{where}.include_introduction", False
            ),
            extra_lists=self.list_slugs(keys.get("extra_lists"), f"{where}.extra_lists"),
            exclude_lists=self.list_slugs(keys.get("exclude_lists"), f"{where}.exclude_lists"),
            send_at=self.moment(send_at, f"{where}.send_at", schedule, zone) if send_at else None,
        )

    # -- shapes -----------------------------------------------------------------------------

    def mapping(
        self, node: yaml.Node, where: str, allowed: Mapping[str, bool]
    ) -> dict[str, yaml.Node]:
        """A mapping node's keys (null values dropped), each checked against `allowed`."""
        label = where or "the campaign file"
        if not isinstance(node, yaml.MappingNode):
            self.fail(
                node,
                f"{label}: expected keys such as {', '.join(allowed)}, found {_KINDS[type(node)]}",
            )
        found: dict[str, yaml.Node] = {}
        seen: set[str] = set()
        for key_node, value in node.value:
            key = str(key_node.value)
            if key not in allowed:
                self.fail(key_node, f"{label}: unknown key {key!r}{_closest(key, list(allowed))}")
            if key in seen:  # YAML itself lets a later duplicate silently win
                self.fail(key_node, f"{label}: the key {key!r} is given twice")
            seen.add(key)
            self.lines[f"{where}.{key}" if where else key] = _line(key_node)
            if value.tag != _NULL:
                found[key] = value
        for key, required in allowed.items():
            if required and key not in found:
                self.fail_at(self.entry_line(where, node), f"{label}: missing key {key!r}")
        return found

    def items(self, node: yaml.Node | None, where: str) -> Iterator[tuple[int, yaml.Node]]:
        """(position from 1, node) for each entry of a list node; nothing for a missing one."""
        if node is None:
            return
        if not isinstance(node, yaml.SequenceNode):
            self.fail(
                node, f"{where}: expected a list (lines starting '- '), found {_KINDS[type(node)]}"
            )
        for position, item in enumerate(node.value, 1):
            self.lines[f"{where}[{position}]"] = _line(item)
            yield position, item

    def text(self, node: yaml.Node, where: str) -> str:
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, f"{where}: expected text, found {_KINDS[type(node)]}")
        # The text as written, not as YAML would type it: a subject "Yes" stays "Yes", not True.
        value = node.value.strip()
        if not value:
            self.fail(node, f"{where}: the value is empty")
        return value

    def optional_text(self, node: yaml.Node | None, where: str) -> str | None:
        return None if node is None else self.text(node, where)

    def preheader(self, node: yaml.Node | None, where: str) -> str | None:
        """At most 90 characters and a whole sentence: inbox previews cut the rest mid-word."""
        text = self.optional_text(node, where)
        if text is None or is_unwritten(text):
            return text  # an unwritten one is reported by the check, with the others
        if problem := preheader_problem(text):
            self.fail(node, f"{where}: {problem}")
        return text

    def texts(self, node: yaml.Node | None, where: str) -> tuple[str, ...]:
        if isinstance(node, yaml.ScalarNode):  # a single value where a list was meant is fine
            self.lines[f"{where}[1]"] = _line(node)
            return (self.text(node, f"{where}[1]"),)
        return tuple(self.text(item, f"{where}[{n}]") for n, item in self.items(node, where))

    def list_slugs(self, node: yaml.Node | None, where: str) -> tuple[str, ...]:
        # `lists: 42` is a number, not a list of list names (no list can be called 42 by mistake).
        for item in node.value if isinstance(node, yaml.SequenceNode) else [node] if node else []:
            if isinstance(item, yaml.ScalarNode) and item.tag != _STR:
                self.fail(
                    item,
                    f"{where}: expected list names such as children-social-care, "
                    f"found {item.value!r}",
                )
        slugs = self.texts(node, where)
        for position, slug in enumerate(slugs, 1):
            if not _LIST_SLUG.fullmatch(slug):
                item = node.value[position - 1] if isinstance(node, yaml.SequenceNode) else node
                self.fail(
                    item,
                    f"{where}: {slug!r} is not a list name; list names are lower-case words "
                    "joined by hyphens, such as children-social-care",
                )
        return slugs

    # -- typed values -----------------------------------------------------------------------

    def flag(self, node: yaml.Node | None, where: str, default: bool) -> bool:
        if node is None:
            return default
        if node.tag != _BOOL:
            self.fail(node, f"{where}: expected true or false, found {node.value!r}")
        return yaml.constructor.SafeConstructor.bool_values[node.value.lower()]

    def day(self, node: yaml.Node, where: str) -> date:
        text = self.text(node, where)
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.fail(
                node, f"{where}: {text!r} is not a date; write it as YYYY-MM-DD, e.g. 2027-04-13"
            )

    def dates(self, node: yaml.Node, where: str) -> tuple[date, ...]:
        days = [self.day(item, f"{where}[{n}]") for n, item in self.items(node, where)]
        if not days:
            self.fail(node, f"{where}: the list is empty")
        for position, (before, after) in enumerate(itertools.pairwise(days), 2):
            if after <= before:
                self.fail(
                    node.value[position - 1],
                    f"{where}: {after} is not after {before}; list dates in order",
                )
        return tuple(days)

    def clock(self, node: yaml.Node, where: str) -> time:
        text = self.text(node, where)
        match = _CLOCK.fullmatch(text)
        if not match:
            self.fail(
                node, f'{where}: {text!r} is not a time of day; write it as HH:MM, e.g. "09:30"'
            )
        return time(int(match["hour"]), int(match["minute"]))

    def cadence(self, node: yaml.Node, where: str) -> int:
        try:
            return parse_cadence(self.text(node, where))
        except ValueError as error:
            self.fail(node, f"{where}: {error}")

    def timezone(self, node: yaml.Node | None, where: str) -> str:
        if node is None:
            return "Europe/London"
        name = self.text(node, where)
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            hint = _closest(name, sorted(available_timezones())) or " (e.g. Europe/London)"
            self.fail(node, f"{where}: {name!r} is not a time zone{hint}")
        return name

    def moment(self, node: yaml.Node, where: str, schedule: Schedule, zone: ZoneInfo) -> datetime:
        """A date (sent at the schedule's time) or a local date and time, in the schedule's zone."""
        text = self.text(node, where)
        try:
            return datetime.combine(date.fromisoformat(text), schedule.send_time, tzinfo=zone)
        except ValueError:
            pass
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            self.fail(
                node, f"{where}: {text!r} is not a date and time; write e.g. 2027-04-13 09:30"
            )
        return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)

    def address(self, node: yaml.Node, where: str) -> str:
        text = self.text(node, where)
        _, address = parseaddr(text)
        local, _, domain = address.rpartition("@")
        if not local or "." not in domain:
            self.fail(
                node,
                f"{where}: {text!r} is not an email address; write it as "
                "Name <address>, e.g. Safeguarding Partnership <learning@example.org>",
            )
        return text
