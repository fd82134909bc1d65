"""Reading a campaign file: YAML -> Campaign, naming the file and line of every mistake.

    load_campaign(path) -> Campaign; load_campaign_text(text, path) -> Campaign

The file's parts (top keys, schedule, issues) are read here; their values by campaign_values.py,
the catch-up keys by catch_up_keys.py, and text still to write is marked by unwritten.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from briefcast.campaigns.campaign_values import (
    PREHEADER_MAX_CHARS,
    CampaignFileError,
    Reader,
    compose,
    preheader_problem,
)
from briefcast.campaigns.catch_up_keys import (
    CATCH_UP_KEYS,
    CatchUpValueError,
    catch_up,
    read_catch_up,
)
from briefcast.campaigns.model import Campaign, IssuePlan, Schedule
from briefcast.campaigns.unwritten import UNWRITTEN_MARK, is_unwritten, unwritten
from briefcast.errors import os_reason

# Other modules and the tests import these from here, where they lived first.
__all__ = [
    "CATCH_UP_KEYS",
    "PREHEADER_MAX_CHARS",
    "UNWRITTEN_MARK",
    "CampaignFileError",
    "CatchUpValueError",
    "is_unwritten",
    "load_campaign",
    "load_campaign_text",
    "preheader_problem",
    "read_catch_up",
    "unwritten",
]

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
    **dict.fromkeys(CATCH_UP_KEYS, False),
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


def load_campaign(path: Path) -> Campaign:
    """Read and validate a campaign file; raise CampaignFileError naming the line of any mistake."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise _too_big(path)
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise CampaignFileError(
            f"{path}: cannot read the campaign file ({os_reason(error)})"
        ) from None
    except UnicodeDecodeError as error:
        raise CampaignFileError(f"{path}: cannot read the campaign file: {error}") from None
    return load_campaign_text(text, path)


def load_campaign_text(text: str, path: Path) -> Campaign:
    """The same for a campaign file's text already in hand (the console keeps it in the
    database): `path` names it in messages, and `briefing:` is relative to its folder."""
    if len(text) > MAX_FILE_BYTES:
        raise _too_big(path)
    return _CampaignReader(path).campaign(compose(text, path))


def _too_big(path: Path) -> CampaignFileError:
    return CampaignFileError(
        f"{path}: the campaign file is over {MAX_FILE_BYTES // 1024} KB; a campaign file "
        "holds the plan, the briefing holds the text"
    )


class _CampaignReader(Reader):
    """The parts of the file, each read into the model with its values checked."""

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
            catch_up=catch_up(self, keys),
            source=self.path,
            source_lines=dict(self.lines),
        )

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
