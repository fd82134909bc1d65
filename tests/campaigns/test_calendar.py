"""Send dates: cadence, local send time across BST, weekends, bank holidays, blackouts."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefcast.campaigns.calendar import (
    describe_cadence,
    is_send_day,
    parse_cadence,
    send_dates,
    send_days,
)
from briefcast.campaigns.model import Schedule

WEEKLY_FROM_TUESDAY = Schedule(start=date(2027, 4, 13))


def days(schedule: Schedule, count: int) -> list[date]:
    return [moment.date() for moment in send_dates(schedule, count)]


# -- properties for any schedule -----------------------------------------------------------------

blackouts = st.lists(
    st.tuples(
        st.dates(min_value=date(2025, 1, 1), max_value=date(2040, 12, 31)),
        st.integers(min_value=0, max_value=40),
    ).map(lambda pair: (pair[0], pair[0] + timedelta(days=pair[1]))),
    max_size=3,
)
schedules = st.builds(
    Schedule,
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2040, 12, 31)),
    every_days=st.sampled_from([7, 14]) | st.integers(min_value=1, max_value=31),
    skip_weekends=st.booleans(),
    skip_bank_holidays=st.booleans(),
    blackouts=blackouts.map(tuple),
)


@given(schedule=schedules, count=st.integers(min_value=0, max_value=30))
def test_every_date_is_an_allowed_day_in_order_at_the_local_send_time(schedule, count):
    moments = send_dates(schedule, count)

    assert len(moments) == count
    assert all(is_send_day(moment.date(), schedule) for moment in moments)
    assert moments == sorted(set(moments))
    assert all(moment.time() == time(9, 30) for moment in moments)
    assert all(moment.tzinfo is not None and moment.utcoffset() is not None for moment in moments)


@given(schedule=schedules, count=st.integers(min_value=1, max_value=30))
def test_no_issue_goes_before_its_planned_date(schedule, count):
    for number, day in enumerate(days(schedule, count)):
        assert day >= schedule.start + timedelta(days=number * schedule.every_days)


@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2040, 12, 31)),
    every_days=st.sampled_from([7, 14, 21, 28]),
    count=st.integers(min_value=1, max_value=30),
)
def test_without_blackouts_the_series_does_not_drift(start, every_days, count):
    # Christmas on a Saturday is the longest move: Sat, Sun and two substitute days -> Wednesday.
    schedule = Schedule(start=start, every_days=every_days)
    for number, day in enumerate(days(schedule, count)):
        planned = start + timedelta(days=number * every_days)
        assert timedelta(0) <= day - planned <= timedelta(days=4)


@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2040, 12, 31)),
    hour=st.integers(min_value=7, max_value=19),
    minute=st.integers(min_value=0, max_value=59),
)
def test_any_send_time_keeps_its_local_clock_time(start, hour, minute):
    schedule = Schedule(start=start, send_time=time(hour, minute))
    assert {moment.time() for moment in send_dates(schedule, 30)} == {time(hour, minute)}


# -- British Summer Time -------------------------------------------------------------------------


def test_spring_change_keeps_0930_local_and_moves_the_utc_offset():
    # BST starts on Sunday 28 March 2027.
    before, after = send_dates(Schedule(start=date(2027, 3, 23)), 2)

    assert (before.date(), after.date()) == (date(2027, 3, 23), date(2027, 3, 30))
    assert before.time() == after.time() == time(9, 30)
    assert before.utcoffset() == timedelta(0)
    assert after.utcoffset() == timedelta(hours=1)


def test_autumn_change_keeps_0930_local_and_moves_the_utc_offset():
    # BST ends on Sunday 31 October 2027.
    before, after = send_dates(Schedule(start=date(2027, 10, 26)), 2)

    assert before.time() == after.time() == time(9, 30)
    assert before.utcoffset() == timedelta(hours=1)
    assert after.utcoffset() == timedelta(0)


def test_other_time_zones_are_honoured():
    (moment,) = send_dates(Schedule(start=date(2027, 4, 13), timezone="America/New_York"), 1)
    assert moment.utcoffset() == timedelta(hours=-4)


# -- moving dates --------------------------------------------------------------------------------


def test_the_early_may_bank_holiday_moves_one_monday_issue_to_tuesday():
    # Monday 3 May 2027 is the early May bank holiday; the Monday after is back on the cadence.
    schedule = Schedule(start=date(2027, 4, 26))
    assert days(schedule, 3) == [date(2027, 4, 26), date(2027, 5, 4), date(2027, 5, 10)]


def test_christmas_boxing_day_and_new_year_are_skipped():
    # Christmas 2026 is a Friday and Boxing Day a Saturday, observed on Monday 28 December;
    # New Year's Day is the Friday after.
    schedule = Schedule(start=date(2026, 12, 18))
    assert days(schedule, 4) == [
        date(2026, 12, 18),
        date(2026, 12, 29),
        date(2027, 1, 4),
        date(2027, 1, 8),
    ]


def test_boxing_day_observed_on_a_tuesday_moves_a_tuesday_issue():
    # In 2027 Christmas and Boxing Day fall at the weekend: Monday 27 and Tuesday 28 are holidays.
    assert days(Schedule(start=date(2027, 12, 21)), 2) == [date(2027, 12, 21), date(2027, 12, 29)]


def test_bank_holidays_can_be_kept():
    schedule = Schedule(start=date(2027, 5, 3), skip_bank_holidays=False)
    assert days(schedule, 1) == [date(2027, 5, 3)]


def test_weekends_can_be_kept():
    schedule = Schedule(start=date(2027, 4, 17), skip_weekends=False)
    assert days(schedule, 2) == [date(2027, 4, 17), date(2027, 4, 24)]


def test_a_week_long_blackout_moves_its_issue_to_the_next_working_day():
    # Half-term Tuesday to Friday: that week's issue goes on the Monday after it.
    schedule = Schedule(start=date(2027, 2, 2), blackouts=((date(2027, 2, 16), date(2027, 2, 19)),))
    assert days(schedule, 4) == [
        date(2027, 2, 2),
        date(2027, 2, 9),
        date(2027, 2, 22),
        date(2027, 2, 23),
    ]


def test_a_long_blackout_pauses_the_series_instead_of_bunching_issues():
    christmas_closure = (date(2027, 12, 20), date(2028, 1, 3))
    schedule = Schedule(start=date(2027, 12, 14), blackouts=(christmas_closure,))
    assert days(schedule, 3) == [date(2027, 12, 14), date(2028, 1, 4), date(2028, 1, 11)]


def test_fortnightly():
    schedule = Schedule(start=date(2027, 4, 13), every_days=14)
    assert days(schedule, 3) == [date(2027, 4, 13), date(2027, 4, 27), date(2027, 5, 11)]


def test_explicit_dates_are_used_and_moved_off_holidays_and_weekends():
    planned = (date(2027, 4, 13), date(2027, 5, 3), date(2027, 5, 8))
    schedule = Schedule(start=planned[0], dates=planned)
    assert days(schedule, 3) == [date(2027, 4, 13), date(2027, 5, 4), date(2027, 5, 10)]


def test_explicit_dates_that_move_onto_one_day_go_on_consecutive_days():
    planned = (date(2027, 5, 8), date(2027, 5, 10))  # Saturday, Monday
    schedule = Schedule(start=planned[0], dates=planned)
    assert days(schedule, 2) == [date(2027, 5, 10), date(2027, 5, 11)]


def test_asking_for_more_dates_than_listed_is_an_error():
    schedule = Schedule(start=date(2027, 4, 13), dates=(date(2027, 4, 13),))
    with pytest.raises(ValueError, match=r"lists 1 date\(s\) but 2 are needed"):
        send_days(schedule, 2)


def test_is_send_day():
    assert is_send_day(date(2027, 4, 13), WEEKLY_FROM_TUESDAY)
    assert not is_send_day(date(2027, 4, 17), WEEKLY_FROM_TUESDAY)  # Saturday
    assert not is_send_day(date(2027, 3, 26), WEEKLY_FROM_TUESDAY)  # Good Friday


# -- cadence text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,every_days",
    [
        ("1w", 7),
        ("2w", 14),
        ("7d", 7),
        ("14d", 14),
        ("weekly", 7),
        ("Fortnightly", 14),
        ("3 w", 21),
    ],
)
def test_parse_cadence(text, every_days):
    assert parse_cadence(text) == every_days


@pytest.mark.parametrize("text", ["", "w", "0w", "1m", "every week", "-1w"])
def test_parse_cadence_rejects_other_text(text):
    with pytest.raises(ValueError, match="is not a cadence"):
        parse_cadence(text)


def test_describe_cadence():
    assert [describe_cadence(n) for n in (7, 14, 10)] == ["1w", "2w", "10d"]
