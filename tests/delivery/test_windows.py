"""The sending hours are whole minutes: "00:00-23:59" is the whole day, also its last minute."""

from datetime import time

from briefcast.delivery.windows import within_hours

DAY = (time(0, 0), time(23, 59))
OFFICE = (time(7, 0), time(19, 0))


def test_the_last_minute_of_the_hours_is_inside_to_its_last_second():
    assert within_hours(DAY, time(23, 59, 59, 999_999))
    assert within_hours(OFFICE, time(19, 0, 59))
    assert within_hours(OFFICE, time(7, 0))


def test_outside_the_hours_is_outside():
    assert not within_hours(OFFICE, time(19, 1))
    assert not within_hours(OFFICE, time(6, 59, 59))
