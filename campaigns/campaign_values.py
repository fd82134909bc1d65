"""The values of a campaign file: composed YAML read into typed values (text, dates, times,
addresses, list names, the preheader), each mistake raised as "FILE:LINE: what is wrong".

campaign_file.py reads the parts of the file with it, catch_up_keys.py the catch-up keys.
"""

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
from briefcast.campaigns.model import Schedule
from briefcast.campaigns.unwritten import is_unwritten
from briefcast.errors import BriefcastError


class CampaignFileError(BriefcastError):
    """A campaign file that cannot be used as written: "FILE:LINE: what is wrong"."""

    def __init__(self, message: str, *, line: int | None = None, problem: str | None = None):
        super().__init__(message)
        self.line = line  # where it is, and what is wrong there, apart: for a form's fields
        self.problem = problem


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


_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_STR = "tag:yaml.org,2002:str"
_LIST_SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
_CLOCK = re.compile(r"(?P<hour>[01]?[0-9]|2[0-3])[:.](?P<minute>[0-5][0-9])")
_KINDS = {yaml.ScalarNode: "a single value", yaml.SequenceNode: "a list", yaml.MappingNode: "keys"}


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


def compose(text: str, path: Path) -> yaml.Node:
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


def node_line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def closest(word: str, choices: list[str]) -> str:
    """' (did you mean 'x'?)' when a choice is close to `word`, else ''."""
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


@dataclass
class Reader:
    """Turns composed YAML nodes into model values, recording each entry's line as it goes."""

    path: Path
    lines: dict[str, int] = field(default_factory=dict)

    def fail(self, node: yaml.Node, message: str) -> NoReturn:
        self.fail_at(node_line(node), message)

    def fail_at(self, line: int, message: str) -> NoReturn:
        raise CampaignFileError(f"{self.path}:{line}: {message}", line=line, problem=message)

    def entry_line(self, where: str, node: yaml.Node) -> int:
        """The line of the key that opens an entry ("schedule:"), else the entry's first line."""
        return self.lines.get(where, node_line(node))

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
                self.fail(key_node, f"{label}: unknown key {key!r}{closest(key, list(allowed))}")
            if key in seen:  # YAML itself lets a later duplicate silently win
                self.fail(key_node, f"{label}: the key {key!r} is given twice")
            seen.add(key)
            self.lines[f"{where}.{key}" if where else key] = node_line(key_node)
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
            self.lines[f"{where}[{position}]"] = node_line(item)
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
            self.lines[f"{where}[1]"] = node_line(node)
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
            hint = closest(name, sorted(available_timezones())) or " (e.g. Europe/London)"
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
        if is_unwritten(text):  # still to write: `check` refuses it, like every such text
            return text
        _, address = parseaddr(text)
        local, _, domain = address.rpartition("@")
        if not local or "." not in domain:
            self.fail(
                node,
                f"{where}: {text!r} is not an email address; write it as "
                "Name <address>, e.g. Safeguarding Partnership <learning@example.org>",
            )
        return text
