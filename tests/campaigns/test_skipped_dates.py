"""Why an issue moved off its planned date: weekend, bank holiday (named) or blackout."""

from __future__ import annotations

from datetime import date

from briefcast.campaigns.calendar import send_days
from briefcast.campaigns.model import Schedule
from briefcast.campaigns.skipped_dates import Skipped, skipped_dates


def test_a_bank_holiday_monday_is_named_and_the_issue_moves_to_tuesday():
    # Mondays from 29 March 2027: Easter Monday is 29 March 2027.
    schedule = Schedule(start=date(2027, 3, 22), every_days=7)
    assert skipped_dates(schedule, 3) == [
        Skipped(2, date(2027, 3, 29), "bank holiday (Easter Monday)", date(2027, 3, 30))
    ]


def test_a_weekend_and_a_blackout_are_told_apart():
    schedule = Schedule(
        start=date(2027, 6, 5),  # a Saturday
        every_days=7,
        blackouts=((date(2027, 6, 14), date(2027, 6, 18)),),
    )
    found = skipped_dates(schedule, 2)
    assert [(s.issue, s.why) for s in found] == [(1, "weekend"), (2, "weekend, blackout")]
    assert [s.moved_to for s in found] == send_days(schedule, 2)


def test_nothing_skipped_says_nothing():
    assert skipped_dates(Schedule(start=date(2027, 6, 1), every_days=7), 4) == []
