"""Scheduling and the worker: issues and jobs stored, re-runs that change only unsent issues,
reconciling the job store, the missed-window policy, and SIGTERM on a real worker process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import pytest
from scheduling import (
    force_state,
    import_people,
    make_lists,
    outbox_environ,
    outbox_messages,
    outbox_settings,
    write_campaign,
)
from sqlalchemy import func, select

from briefcast.campaigns.preview import CampaignProblemsError
from briefcast.delivery import control
from briefcast.delivery.schedule import ScheduleError, ScheduleRequest, schedule_campaign
from briefcast.delivery.windows import LatePolicy
from briefcast.scheduler import ISSUES, job_id, job_store, sync_jobs
from briefcast.store import audit, ledger
from briefcast.store import campaigns as store
from briefcast.store.audit import Actor
from briefcast.store.schema import DeliveryStatus, IssueState, deliveries
from briefcast.worker import Worker

PERSON = Actor.person("Alex Example")

REPO = Path(__file__).resolve().parents[1]
# 2031-03-04 09:30 in London is 09:30 UTC (before the clocks go forward).
FIRST = datetime(2031, 3, 4, 9, 30, tzinfo=UTC)
BEFORE = FIRST - timedelta(days=30)
POLICY = LatePolicy(grace=timedelta(hours=6), hours=(clock_time(7), clock_time(19)))


def _schedule(engine, path, now=BEFORE, **options):
    make_lists(engine)
    return schedule_campaign(
        engine, path, ScheduleRequest("Alex Example", POLICY, now=now, **options)
    )


def _issues(engine, name="spring-briefing"):
    with engine.connect() as conn:
        campaign = store.find_campaign(conn, name)
        return {issue.number: issue for issue in store.campaign_issues(conn, campaign.id)}


def _jobs(engine, settings):
    with job_store(engine, settings) as scheduler:
        return {job.id: job.next_run_time for job in scheduler.get_jobs(jobstore=ISSUES)}


def _worker(settings, engine, now):
    return Worker(settings, engine=engine, clock=lambda: now)


# -- schedule ------------------------------------------------------------------------------------


def test_schedule_stores_the_plan_its_issues_and_one_job_per_issue(engine, database_url, tmp_path):
    settings = outbox_settings(database_url, tmp_path)
    result = _schedule(engine, write_campaign(tmp_path))
    sync_jobs(engine, settings)

    assert result.created and [c.action for c in result.changes] == ["added"] * 3
    with engine.connect() as conn:
        campaign = store.find_campaign(conn, "spring-briefing")
    assert campaign.approved_by == "Alex Example"
    assert campaign.approved_at == BEFORE
    assert (
        campaign.plan["version"] == 1 and campaign.plan["schedule"]["timezone"] == "Europe/London"
    )
    issues = _issues(engine)
    assert [issues[n].planned_at for n in (1, 2, 3)] == [
        FIRST + timedelta(weeks=w) for w in range(3)
    ]
    assert {i.state for i in issues.values()} == {IssueState.SCHEDULED}
    assert issues[2].lists == ("police", "health")
    with engine.connect() as conn:
        content = store.issue_content(conn, issues[2].id)
    assert "[[recipient_name]]" in content.html and content.digest["version"] == 1

    jobs = _jobs(engine, settings)
    assert jobs == {job_id(issue.id): issue.planned_at for issue in issues.values()}

    again = _schedule(engine, write_campaign(tmp_path))  # the same file: nothing changes
    sync_jobs(engine, settings)
    assert not again.created and {c.action for c in again.changes} == {"unchanged"}
    assert _jobs(engine, settings) == jobs  # the same ids, the same times


def test_an_edited_file_updates_unsent_issues_and_never_a_sent_one(engine, database_url, tmp_path):
    settings = outbox_settings(database_url, tmp_path)
    _schedule(engine, write_campaign(tmp_path))
    sync_jobs(engine, settings)
    first = _issues(engine)[1]
    force_state(engine, first.id, IssueState.SENT)
    removed_id = _issues(engine)[3].id

    edited = write_campaign(
        tmp_path,
        issues=[
            {"themes": ["optimistic-thinking"], "subject": "An edit too late for issue 1"},
            {
                "themes": ["domestic-abuse"],
                "subject": "Domestic abuse",
                "send_at": "2031-03-12 10:00",
            },
        ],
    )
    result = _schedule(engine, edited)
    sync_jobs(engine, settings)

    changes = {change.number: change for change in result.changes}
    assert changes[1].action == "kept" and "it is sent" in changes[1].details[0]
    assert changes[2].action == "updated"
    assert "time: Tue 11 Mar 2031 09:30 -> Wed 12 Mar 2031 10:00" in changes[2].details
    assert any(d.startswith("subject: ") and "'Domestic abuse'" in d for d in changes[2].details)
    assert "themes: domestic-abuse, written-agreements -> domestic-abuse" in changes[2].details
    assert changes[3].action == "removed"
    issues = _issues(engine)
    assert issues[1].subject.startswith("Part 1 of 3")  # untouched
    assert issues[2].subject == "Domestic abuse"
    assert issues[2].planned_at == datetime(2031, 3, 12, 10, 0, tzinfo=UTC)
    assert 3 not in issues
    jobs = _jobs(engine, settings)
    assert jobs == {job_id(issues[2].id): issues[2].planned_at}  # none for sent or removed
    assert job_id(removed_id) not in jobs


def test_a_time_in_the_past_is_refused_and_nothing_is_stored(engine, tmp_path):
    with pytest.raises(ScheduleError, match=r"issue 1 would be due .* in the past.*send-now"):
        _schedule(engine, write_campaign(tmp_path), now=FIRST + timedelta(days=1))
    with engine.connect() as conn:
        assert store.find_campaign(conn, "spring-briefing") is None


def test_a_time_just_passed_is_within_the_grace_policy(engine, tmp_path):
    result = _schedule(engine, write_campaign(tmp_path), now=FIRST + timedelta(minutes=30))
    assert [c.action for c in result.changes] == ["added"] * 3


def test_a_failed_check_stops_it_before_anything_is_stored(engine, tmp_path):
    path = write_campaign(tmp_path, issues=[{"themes": ["no-such-theme"]}])
    with pytest.raises(CampaignProblemsError):
        _schedule(engine, path)
    with engine.connect() as conn:
        assert store.all_campaigns(conn) == []


# -- the worker ----------------------------------------------------------------------------------


def test_reconcile_recreates_a_lost_job(engine, database_url, tmp_path):
    settings = outbox_settings(database_url, tmp_path)
    _schedule(engine, write_campaign(tmp_path))
    sync_jobs(engine, settings)
    lost = _issues(engine)[2]
    with job_store(engine, settings) as scheduler:
        scheduler.remove_job(job_id(lost.id), jobstore=ISSUES)
    assert job_id(lost.id) not in _jobs(engine, settings)

    _worker(settings, engine, BEFORE).run_once()  # nothing is due yet

    assert _jobs(engine, settings)[job_id(lost.id)] == lost.planned_at
    assert outbox_messages(tmp_path) == []


def test_an_issue_left_sending_by_a_crash_resumes_and_each_person_gets_it_once(
    engine, database_url, tmp_path
):
    settings = outbox_settings(database_url, tmp_path)
    people = import_people(engine, tmp_path)
    _schedule(engine, write_campaign(tmp_path))
    issue = _issues(engine)[1]
    with engine.begin() as conn:  # the worker died after resolving the audience
        ledger.start_sending(conn, issue.id, FIRST, actor=Actor.process("worker test"))
        ledger.resolve_audience(conn, issue.id)

    _worker(settings, engine, FIRST + timedelta(days=3)).run_once()  # days late: it resumes

    assert _issues(engine)[1].state is IssueState.SENT
    messages = outbox_messages(tmp_path)
    assert len(messages) == people
    assert len({m["To"] for m in messages}) == people


@pytest.mark.parametrize(
    "late,state,reason",
    [
        (timedelta(hours=2), IssueState.SENT, None),
        (timedelta(hours=7), IssueState.MISSED, "7 h late (the grace period is 6 h)"),
    ],
)
def test_the_missed_window_policy_for_a_worker_that_was_not_running(
    engine, database_url, tmp_path, late, state, reason
):
    settings = outbox_settings(database_url, tmp_path)
    people = import_people(engine, tmp_path, per_list=2)
    _schedule(engine, write_campaign(tmp_path, issues=[{"themes": ["optimistic-thinking"]}]))
    sync_jobs(engine, settings)

    _worker(settings, engine, FIRST + late).run_once()

    issue = _issues(engine)[1]
    assert issue.state is state
    assert len(outbox_messages(tmp_path)) == (people if state is IssueState.SENT else 0)
    if reason:
        assert reason in issue.state_reason and "due Tue 04 Mar 2031 09:30" in issue.state_reason
        assert _jobs(engine, settings) == {}  # no job: it waits for a person


def test_outside_the_sending_hours_it_is_missed_and_resume_sends_it(engine, database_url, tmp_path):
    settings = outbox_settings(database_url, tmp_path)
    people = import_people(engine, tmp_path, per_list=2)
    path = write_campaign(tmp_path, time="18:30", issues=[{"themes": ["optimistic-thinking"]}])
    _schedule(engine, path)
    sync_jobs(engine, settings)
    evening = datetime(2031, 3, 4, 19, 45, tzinfo=UTC)  # 75 minutes late, after 19:00

    _worker(settings, engine, evening).run_once()
    issue = _issues(engine)[1]
    assert issue.state is IssueState.MISSED
    assert "outside the sending hours 07:00-19:00" in issue.state_reason

    (outcome,) = control.resume(engine, "spring-briefing", 1, actor=PERSON, now=evening)
    assert "due now" in outcome.message
    sync_jobs(engine, settings)
    _worker(settings, engine, evening).run_once()

    assert _issues(engine)[1].state is IssueState.SENT
    assert len(outbox_messages(tmp_path)) == people


def test_the_trail_has_the_workers_miss_and_the_persons_resume(
    engine, database_url, tmp_path, monkeypatch
):
    settings = replace(outbox_settings(database_url, tmp_path), worker_id="mail-1")
    _schedule(engine, write_campaign(tmp_path, issues=[{"themes": ["optimistic-thinking"]}]))
    sync_jobs(engine, settings)
    late = FIRST + timedelta(hours=7)
    _worker(settings, engine, late).run_once()
    control.resume(engine, "spring-briefing", 1, actor=PERSON, now=late)

    with engine.connect() as conn:
        entries = audit.history(conn, issue_id=_issues(engine)[1].id)
    assert [(e.action, e.from_state, e.to_state, e.actor) for e in entries] == [
        ("issue.scheduled", None, "scheduled", PERSON),  # the approver, by default
        ("issue.missed", "scheduled", "missed", Actor.process("worker mail-1")),
        ("issue.scheduled", "missed", "scheduled", PERSON),
    ]
    assert "7 h late (the grace period is 6 h)" in entries[1].reason
    assert entries[2].reason == "resumed with `briefcast resume`"


def test_a_job_that_runs_on_time_goes_even_outside_the_sending_hours():
    night = datetime(2031, 3, 4, 3, 0, tzinfo=UTC)
    assert POLICY.missed_reason(night, night + timedelta(minutes=1), "Europe/London") is None
    assert POLICY.missed_reason(night, night + timedelta(hours=1), "Europe/London")


def test_sending_hours_are_local_to_the_campaign():
    # 18:30 UTC in July is 19:30 in London (outside) but 14:30 in New York (inside).
    planned = datetime(2031, 7, 1, 17, 0, tzinfo=UTC)
    now = planned + timedelta(minutes=90)
    assert POLICY.missed_reason(planned, now, "Europe/London")
    assert POLICY.missed_reason(planned, now, "America/New_York") is None


# -- SIGTERM on a real worker process ------------------------------------------------------------


@pytest.mark.slow
def test_sigterm_lets_the_message_in_flight_finish_and_exits_0(engine, database_url, tmp_path):
    people = import_people(engine, tmp_path, per_list=10)
    now = datetime.now(UTC)
    path = write_campaign(tmp_path, issues=[{"themes": ["optimistic-thinking"]}])
    _schedule(engine, path, now=now, times={1: now + timedelta(seconds=1)})
    # Four a minute: four go at once, then the worker waits for the minute to pass.
    environ = outbox_environ(database_url, tmp_path, max_per_minute="4")
    sync_jobs(engine, outbox_settings(database_url, tmp_path, max_per_minute="4"))
    process = subprocess.Popen(
        [sys.executable, str(REPO / "scheduler.py")],
        env={**os.environ, **environ},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while len(outbox_messages(tmp_path)) < 4:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the worker sent nothing"
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == 0, err
    assert "SIGTERM: finishing messages in flight" in err and "Traceback" not in err
    with engine.connect() as conn:
        statuses = dict(
            conn.execute(
                select(deliveries.c.status, func.count()).group_by(deliveries.c.status)
            ).all()
        )
    assert statuses.get(DeliveryStatus.SENDING.value, 0) == 0  # nothing left in flight
    assert statuses[DeliveryStatus.SENT.value] == len(outbox_messages(tmp_path)) == 4
    assert statuses[DeliveryStatus.QUEUED.value] == people - 4


def test_a_spent_daily_cap_leaves_a_job_for_when_it_frees_and_status_shows_the_finish(
    engine, database_url, tmp_path
):
    from briefcast.delivery.status import campaign_status

    settings = outbox_settings(database_url, tmp_path, max_per_day="4")
    people = import_people(engine, tmp_path)  # 6 people, 4 a day
    now = datetime.now(UTC)
    path = write_campaign(tmp_path, issues=[{"themes": ["optimistic-thinking"]}])
    _schedule(engine, path, now=now, times={1: now - timedelta(seconds=1)})
    sync_jobs(engine, settings)

    Worker(settings, engine=engine).run_once()

    issue = _issues(engine)[1]
    assert issue.state is IssueState.SENDING
    assert len(outbox_messages(tmp_path)) == 4
    (follow_up,) = _jobs(engine, settings).items()
    assert follow_up[0] == job_id(issue.id)
    assert follow_up[1] > now + timedelta(hours=23)  # when the first of today's four frees
    (status,) = campaign_status(engine, settings.limits, "spring-briefing")
    (entry,) = status.issues
    assert entry.counts["sent"] == 4 and entry.counts["queued"] == people - 4
    assert entry.expected_finish is not None and entry.expected_finish > now + timedelta(hours=23)
