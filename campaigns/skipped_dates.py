"""Why an issue does not go on its planned date: the days campaigns/calendar.py skipped, named.

    skipped_dates(schedule, count) -> [Skipped(issue=2, day=2027-04-05, why="bank holiday
                                        (Easter Monday)", moved_to=2027-04-06), ...]

The decision stays calendar.py's (`is_send_day`, `send_days`); this only says which rule it was,
so the people planning a series see why a date moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from briefcast.campaigns.calendar import _bank_holidays, is_bank_holiday, is_send_day, send_days
from briefcast.campaigns.model import Schedule

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Skipped:
    issue: int  # the issue whose planned date this was
    day: date
    why: str  # "weekend", "bank holiday (Easter Monday)", "blackout"; several: "weekend, blackout"
    moved_to: date


def skipped_dates(schedule: Schedule, count: int) -> list[Skipped]:
    """Each issue's planned date that was not a send day, with the rule that skipped it."""
    chosen = send_days(schedule, count)
    planned = (
        list(schedule.dates[:count])
        if schedule.dates
        else [schedule.start + timedelta(days=n * schedule.every_days) for n in range(count)]
    )
    found = []
    for number, (day, moved_to) in enumerate(zip(planned, chosen, strict=True), 1):
        if day != moved_to and not is_send_day(day, schedule):
            found.append(Skipped(number, day, _reasons(day, moved_to, schedule), moved_to))
    return found


def _reasons(day: date, moved_to: date, schedule: Schedule) -> str:
    """Every rule that kept the issue off the days from `day` to `moved_to`, in order."""
    reasons: dict[str, None] = {}
    while day < moved_to:
        if not is_send_day(day, schedule):
            reasons[_why(day, schedule)] = None
        day += ONE_DAY
    return ", ".join(reasons)


def _why(day: date, schedule: Schedule) -> str:
    if schedule.skip_weekends and day.weekday() >= 5:
        return "weekend"
    if schedule.skip_bank_holidays and is_bank_holiday(day):
        return f"bank holiday ({_bank_holidays().get(day)})"
    return "blackout"
