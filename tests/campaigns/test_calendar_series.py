"""A series as scheduled: the stored UTC times and job times across the end of British Summer
Time, over the Christmas bank holidays and around a blackout range."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from scheduling import make_lists, outbox_settings, write_campaign

from briefcast.delivery.schedule import ScheduleRequest, schedule_campaign
from briefcast.delivery.windows import LatePolicy
from briefcast.scheduler import ISSUES, job_id, job_store, sync_jobs
from briefcast.store import campaigns as store

NOW = datetime(2027, 9, 1, 12, 0, tzinfo=UTC)
ISSUES_4 = [
    {"themes": ["optimistic-thinking"]},
    {"themes": ["domestic-abuse"]},
    {"themes": ["including-men"]},
    {"themes": ["health-plans-for-children"]},
]


def _scheduled_times(engine, database_url, tmp_path, **campaign) -> list[datetime]:
    """Schedule the campaign; its issues' stored times, after checking the jobs agree."""
    path = write_campaign(tmp_path, issues=ISSUES_4, **campaign)
    make_lists(engine)
    policy = LatePolicy(grace=timedelta(hours=6), hours=(datetime.min.time(), datetime.max.time()))
    schedule_campaign(engine, path, ScheduleRequest("Alex Example", policy, now=NOW))
    settings = outbox_settings(database_url, tmp_path)
    sync_jobs(engine, settings)
    with engine.connect() as conn:
        campaign_id = store.find_campaign(conn, "spring-briefing").id
        issues = store.campaign_issues(conn, campaign_id)
    with job_store(engine, settings) as scheduler:
        jobs = {job.id: job.next_run_time for job in scheduler.get_jobs(jobstore=ISSUES)}
    assert jobs == {job_id(issue.id): issue.planned_at for issue in issues}
    return [issue.planned_at for issue in issues]


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_across_the_end_of_bst_0930_stays_0930_in_london(engine, database_url, tmp_path):
    # The clocks go back on Sunday 31 October 2027: 09:30 BST is 08:30 UTC, 09:30 GMT is 09:30.
    times = _scheduled_times(engine, database_url, tmp_path, start="2027-10-19")
    assert times == [
        _utc(2027, 10, 19, 8, 30),
        _utc(2027, 10, 26, 8, 30),
        _utc(2027, 11, 2, 9, 30),
        _utc(2027, 11, 9, 9, 30),
    ]


def test_over_christmas_the_bank_holidays_move_an_issue_a_day(engine, database_url, tmp_path):
    # 2027: Boxing Day falls on a Sunday, so Tuesday 28 December is its substitute bank holiday;
    # New Year's Day is a Saturday, observed on Monday 3 January: a Tuesday series keeps its day.
    times = _scheduled_times(engine, database_url, tmp_path, start="2027-12-14")
    assert times == [
        _utc(2027, 12, 14, 9, 30),
        _utc(2027, 12, 21, 9, 30),
        _utc(2027, 12, 29, 9, 30),
        _utc(2028, 1, 4, 9, 30),
    ]


def test_a_blackout_range_pauses_the_series_without_bunching(engine, database_url, tmp_path):
    closure = {"from": date(2027, 12, 20), "to": date(2028, 1, 3), "reason": "Christmas closure"}
    times = _scheduled_times(
        engine, database_url, tmp_path, start="2027-12-14", schedule={"blackout": [closure]}
    )
    assert times == [
        _utc(2027, 12, 14, 9, 30),
        _utc(2028, 1, 4, 9, 30),
        _utc(2028, 1, 11, 9, 30),
        _utc(2028, 1, 18, 9, 30),
    ]


@pytest.mark.parametrize("hour", ["07:00", "18:45"])
def test_a_series_in_another_zone_is_stored_in_utc(engine, database_url, tmp_path, hour):
    times = _scheduled_times(
        engine,
        database_url,
        tmp_path,
        start="2027-10-19",
        time=hour,
        schedule={"timezone": "America/New_York"},
    )
    # New York leaves summer time a week after London, on 7 November 2027.
    offsets = [4, 4, 4, 5]
    local_hour, minute = (int(part) for part in hour.split(":"))
    assert [t.hour for t in times] == [(local_hour + o) % 24 for o in offsets]
    assert {t.minute for t in times} == {minute}
