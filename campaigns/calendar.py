"""Send dates for a series: cadence, local send time, weekends, bank holidays and blackout dates."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from briefcast.campaigns.model import Schedule

ONE_DAY = timedelta(days=1)

_CADENCE_WORDS = {"weekly": 7, "fortnightly": 14}
_CADENCE = re.compile(r"(?P<count>[1-9][0-9]*)\s*(?P<unit>[dw])")
# A series is a run of digests; a gap longer than a year is a typo (and a number of days too big
# for a date would be an OverflowError, not a message).
MAX_CADENCE_DAYS = 366


def parse_cadence(text: str) -> int:
    """ "1w" -> 7, "2w" -> 14, "10d" -> 10, "weekly" -> 7, "fortnightly" -> 14.

    Raises ValueError with a message that can be shown to the person who wrote the value.
    """
    cleaned = text.strip().lower()
    if cleaned in _CADENCE_WORDS:
        return _CADENCE_WORDS[cleaned]
    match = _CADENCE.fullmatch(cleaned)
    if not match:
        raise ValueError(
            f"{text!r} is not a cadence; use weekly, fortnightly, or a number of weeks "
            "or days such as 1w, 2w, 7d or 14d"
        )
    count = int(match["count"][:6])  # anything longer is over the cap; int() of it is wasted
    days = count * 7 if match["unit"] == "w" else count
    if len(match["count"]) > 6 or days > MAX_CADENCE_DAYS:
        raise ValueError(f"{text!r} is too long a gap between issues; at most 52w or 366d")
    return days


def describe_cadence(every_days: int) -> str:
    """The short form a campaign file uses: 7 -> "1w", 14 -> "2w", 10 -> "10d"."""
    return f"{every_days // 7}w" if every_days % 7 == 0 else f"{every_days}d"


@cache
def _bank_holidays() -> holidays.HolidayBase:
    # England and Wales share bank holidays; the object fills in each year on first lookup.
    return holidays.country_holidays("GB", subdiv="ENG")


def is_bank_holiday(day: date) -> bool:
    """True on a bank holiday in England and Wales, including substitute ("observed") days."""
    return day in _bank_holidays()


def _blackout_end(day: date, schedule: Schedule) -> date | None:
    """The last day of the blackout containing `day`, if any (the latest, if ranges overlap)."""
    ends = [last for first, last in schedule.blackouts if first <= day <= last]
    return max(ends, default=None)


def is_send_day(day: date, schedule: Schedule) -> bool:
    """Whether an issue may go out on `day` under the schedule's rules."""
    if schedule.skip_weekends and day.weekday() >= 5:
        return False
    if schedule.skip_bank_holidays and is_bank_holiday(day):
        return False
    return _blackout_end(day, schedule) is None


def next_send_day(day: date, schedule: Schedule) -> date:
    """`day` itself if it is a send day, else the first send day after it."""
    while not is_send_day(day, schedule):
        # Jump over a blackout in one step: it may be months long.
        blackout_end = _blackout_end(day, schedule)
        day = (blackout_end or day) + ONE_DAY
    return day


def send_days(schedule: Schedule, count: int) -> list[date]:
    """The local dates of the first `count` issues (see send_dates)."""
    if count < 0:
        raise ValueError(f"count must not be negative, not {count}")
    if schedule.dates and count > len(schedule.dates):
        listed = len(schedule.dates)
        raise ValueError(f"the schedule lists {listed} date(s) but {count} are needed")
    if schedule.every_days < 1 and not schedule.dates:
        raise ValueError(f"every_days must be at least 1, not {schedule.every_days}")
    planned = iter(schedule.dates) if schedule.dates else _cadence(schedule)
    chosen: list[date] = []
    while len(chosen) < count:
        day = next(planned)
        if chosen and schedule.dates:
            # Explicit dates have no grid to keep to: just never send two issues on one day.
            day = max(day, chosen[-1] + ONE_DAY)
        moved = next_send_day(day, schedule)
        if chosen and moved <= chosen[-1]:
            # A long blackout pushed the previous issue onto or past this planned date, so that
            # issue used up this slot; carrying on from the next slot keeps the weekly rhythm
            # instead of sending issues on consecutive days.
            continue
        chosen.append(moved)
    return chosen


def _cadence(schedule: Schedule) -> Iterator[date]:
    # Planned dates are always counted from the start, never from a moved date, so a bank
    # holiday Monday moves one issue to Tuesday without shifting the rest of the series.
    number = 0
    while True:
        yield schedule.start + timedelta(days=number * schedule.every_days)
        number += 1


def send_dates(schedule: Schedule, count: int) -> list[datetime]:
    """When the first `count` issues go out: timezone-aware, at the schedule's local send time.

    Planned dates are `schedule.start` plus whole multiples of `every_days` (or the explicit
    `schedule.dates`). A planned date on a weekend, a bank holiday or inside a blackout moves to
    the next allowed day. The clock time is local, so 09:30 stays 09:30 on both sides of a change
    to or from British Summer Time while the UTC offset changes.
    """
    zone = ZoneInfo(schedule.timezone)
    return [
        datetime.combine(day, schedule.send_time, tzinfo=zone) for day in send_days(schedule, count)
    ]
