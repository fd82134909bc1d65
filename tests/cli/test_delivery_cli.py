"""The send-side commands through the CLI runner: each one's happy path and its bad inputs."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
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

from briefcast.cli import app
from briefcast.delivery.schedule import ScheduleRequest, schedule_campaign
from briefcast.delivery.windows import LatePolicy
from briefcast.scheduler import sync_jobs
from briefcast.store import campaigns as store
from briefcast.store import issue_states, open_database
from briefcast.store.audit import Actor
from briefcast.store.schema import IssueState, deliveries

NAME = "spring-briefing"
WORKER = Actor.process("worker test")


@pytest.fixture
def env(tmp_path):
    return outbox_environ(f"sqlite:///{tmp_path / 'briefcast.db'}", tmp_path)


@pytest.fixture
def engine(env):
    engine = open_database(env["BRIEFCAST_DATABASE_URL"])
    yield engine
    engine.dispose()


@pytest.fixture
def run(env):
    def invoke(*args: str, ok: bool = True):
        result = CliRunner().invoke(app, list(args), env=env)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return invoke


@pytest.fixture
def scheduled(run, tmp_path, engine):
    """The three-issue campaign scheduled by the command, with six people on its lists."""
    people = import_people(engine, tmp_path)
    run("schedule", str(write_campaign(tmp_path)), "--approved-by", "Alex Example")
    return people


def _issue(engine, number):
    with engine.connect() as conn:
        campaign = store.find_campaign(conn, NAME)
        return store.find_issue(conn, campaign.id, number)


def _due_now(engine, env, tmp_path):
    """Issue 1 rescheduled (by the library) to a moment ago, as the demo does."""
    now = datetime.now(UTC)
    settings = outbox_settings(env["BRIEFCAST_DATABASE_URL"], tmp_path)
    schedule_campaign(
        engine,
        tmp_path / f"{NAME}.yaml",
        ScheduleRequest(
            "Alex Example",
            LatePolicy.from_settings(settings),
            times={1: now - timedelta(seconds=1)},
        ),
    )
    sync_jobs(engine, settings)


# -- schedule ------------------------------------------------------------------------------------


def test_schedule_prints_what_it_did_and_then_what_an_edit_changed(run, tmp_path, engine):
    path = write_campaign(tmp_path)
    make_lists(engine)
    first = run("schedule", str(path), "--approved-by", "Alex Example")
    assert f"{NAME}: scheduled, approved by Alex Example" in first.output
    assert "issue 3: added" in first.output

    write_campaign(tmp_path, issues=[{"themes": ["optimistic-thinking"], "subject": "Optimism"}])
    second = run("schedule", str(path), "--approved-by", "Sam Example")
    assert f"{NAME}: updated, approved by Sam Example" in second.output
    assert "issue 1: updated" in second.output and "subject: " in second.output
    assert "issue 2: removed" in second.output and "issue 3: removed" in second.output


def test_schedule_refuses_a_campaign_with_errors_naming_the_line(run, tmp_path):
    path = write_campaign(tmp_path, issues=[{"themes": ["optimistic-thinkin"]}])
    result = run("schedule", str(path), "--approved-by", "Alex Example", ok=False)
    assert result.exit_code == 1
    assert "did you mean 'optimistic-thinking'" in result.output
    assert "error: " in result.output and "Traceback" not in result.output


def test_schedule_needs_an_approver(run, tmp_path):
    result = run("schedule", str(write_campaign(tmp_path)), ok=False)
    assert result.exit_code == 2 and "--approved-by" in result.output


def test_a_wrong_setting_is_one_line_before_anything_happens(tmp_path, env):
    result = CliRunner().invoke(
        app,
        ["schedule", str(write_campaign(tmp_path)), "--approved-by", "A"],
        env={**env, "BRIEFCAST_TRANSPORT": "pigeon"},
    )
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: BRIEFCAST_TRANSPORT must be one of outbox, smtp, graph, memory, not 'pigeon'"
    )


# -- status --------------------------------------------------------------------------------------


def test_status_json_has_every_issue_with_its_counts(run, scheduled):
    document = json.loads(run("status", "--json").output)
    (campaign,) = document["campaigns"]
    assert campaign["name"] == NAME
    assert [issue["number"] for issue in campaign["issues"]] == [1, 2, 3]
    first = campaign["issues"][0]
    assert first["state"] == "scheduled"
    assert first["planned_at"] == "2031-03-04T09:30:00+00:00"
    assert first["counts"] == {
        "queued": 0,
        "sending": 0,
        "sent": 0,
        "failed": 0,
        "bounced": 0,
        "skipped": 0,
        "unknown": 0,  # taken whole by the relay, never answered: perhaps delivered
        "came_back": 0,  # rows a delivery report changed after the relay accepted them
    }
    assert first["expected_finish"] is None and first["reason"] is None


def test_status_table_shows_local_times_and_reasons(run, scheduled):
    run("pause", NAME, "--issue", "2")
    output = run("status", NAME).output
    rows = [" ".join(line.split()) for line in output.splitlines()]
    assert "1 Tue 04 Mar 2031 09:30 scheduled 0 0 0 0" in rows
    assert "2 Tue 11 Mar 2031 09:30 paused 0 0 0 0" in rows
    assert "  issue 2: paused with `briefcast pause`" in output.splitlines()


def test_status_of_an_unknown_campaign(run, scheduled):
    result = run("status", "autumn-briefing", ok=False)
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: no campaign named 'autumn-briefing' (scheduled: spring-briefing)"
    )


# -- pause, resume, cancel, reschedule ----------------------------------------------------------


def test_pause_and_resume_one_issue(run, scheduled, engine):
    assert "paused" in run("pause", NAME, "--issue", "2").output
    assert _issue(engine, 2).state is IssueState.PAUSED
    assert _issue(engine, 1).state is IssueState.SCHEDULED

    output = run("resume", NAME, "--issue", "2").output
    assert "scheduled again for Tue 11 Mar 2031 09:30 GMT" in output
    assert _issue(engine, 2).state is IssueState.SCHEDULED


def test_pause_the_whole_campaign_leaves_a_sent_issue_alone(run, scheduled, engine):
    first = _issue(engine, 1)
    force_state(engine, first.id, IssueState.SENT)
    output = run("pause", NAME).output
    assert f"{NAME} issue 1: left as it is: it is sent" in output
    assert _issue(engine, 1).state is IssueState.SENT
    assert {_issue(engine, n).state for n in (2, 3)} == {IssueState.PAUSED}


def test_resuming_a_missed_issue_makes_it_due_now_and_says_so(run, scheduled, engine):
    issue = _issue(engine, 1)
    with engine.begin() as conn:
        past = datetime(2026, 1, 6, 9, 30, tzinfo=UTC)
        moved = issue_states.transition(
            conn, issue.id, IssueState.MISSED, actor=WORKER, reason="late", planned_at=past
        )
        assert moved
    output = run("resume", NAME, "--issue", "1").output
    assert "due now (it was planned for Tue 06 Jan 2026 09:30 GMT)" in output
    resumed = _issue(engine, 1)
    assert resumed.state is IssueState.SCHEDULED
    assert resumed.planned_at > datetime.now(UTC) - timedelta(minutes=1)


def test_cancel_one_issue(run, scheduled, engine):
    assert "cancelled; it will not be sent" in run("cancel", NAME, "--issue", "3").output
    assert _issue(engine, 3).state is IssueState.CANCELLED


@pytest.mark.parametrize("command", ["pause", "resume", "cancel"])
def test_steering_an_unknown_issue_or_campaign(run, scheduled, command):
    result = run(command, NAME, "--issue", "9", ok=False)
    assert result.output.strip() == (
        f"error: {NAME} has no issue 9 (its issues are numbered 1 to 3)"
    )
    result = run(command, "autumn-briefing", ok=False)
    assert result.exit_code == 1 and "no campaign named 'autumn-briefing'" in result.output


def test_reschedule_in_the_campaigns_time_zone(run, scheduled, engine):
    output = run("reschedule", NAME, "--issue", "2", "--at", "2031-04-15 10:00").output
    assert "moved to Tue 15 Apr 2031 10:00 BST" in output
    assert _issue(engine, 2).planned_at == datetime(2031, 4, 15, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "when,message",
    [
        ("2020-04-15 10:00", "is in the past"),
        ("next tuesday", "is not a date and time; write it like 2027-04-20 09:30"),
        ("2031-03-30 01:30", "does not exist in Europe/London"),
    ],
)
def test_reschedule_refuses_a_bad_time(run, scheduled, when, message):
    result = run("reschedule", NAME, "--issue", "2", "--at", when, ok=False)
    assert result.exit_code == 1 and message in result.output


def test_reschedule_refuses_a_sent_issue(run, scheduled, engine):
    first = _issue(engine, 1)
    force_state(engine, first.id, IssueState.SENT)
    result = run("reschedule", NAME, "--issue", "1", "--at", "2031-04-15 10:00", ok=False)
    assert "issue 1 is sent; it cannot move" in result.output


# -- sending -------------------------------------------------------------------------------------


def test_send_now_sends_everyone_once_and_again_sends_nothing(run, scheduled, engine, tmp_path):
    output = run("send-now", NAME, "--issue", "2").output
    assert f"{NAME} issue 2: done (sent {scheduled}, failed 0, bounced 0)" in output
    assert _issue(engine, 2).state is IssueState.SENT
    assert len(outbox_messages(tmp_path)) == scheduled

    again = run("send-now", NAME, "--issue", "2").output
    assert "already sent; nothing to send" in again
    assert len(outbox_messages(tmp_path)) == scheduled


def test_send_now_of_an_unknown_issue(run, scheduled):
    result = run("send-now", NAME, "--issue", "7", ok=False)
    assert result.exit_code == 1 and "has no issue 7" in result.output


def test_send_test_goes_through_the_transport_and_not_the_ledger(run, scheduled, engine, tmp_path):
    output = run("send-test", NAME, "--issue", "1", "--to", "Comms.Team@Example.org").output
    assert "test message sent to comms.team@example.org (outbox)" in output
    (message,) = outbox_messages(tmp_path)
    assert message["Subject"].startswith("[TEST] Part 1 of 3")
    assert "Test recipient" in message["To"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(deliveries)).scalar() == 0


def test_send_test_refuses_a_bad_address(run, scheduled):
    result = run("send-test", NAME, "--issue", "1", "--to", "not an address", ok=False)
    assert result.exit_code == 1 and "is not an email address" in result.output


def test_worker_once_sends_what_is_due(run, scheduled, engine, env, tmp_path):
    _due_now(engine, env, tmp_path)
    result = run("worker", "--once")
    assert _issue(engine, 1).state is IssueState.SENT
    assert _issue(engine, 2).state is IssueState.SCHEDULED
    assert len(outbox_messages(tmp_path)) == scheduled
    assert f"{NAME} issue 1: done (sent {scheduled}" in result.stderr


# -- history -------------------------------------------------------------------------------------


def _history(run, *args):
    return json.loads(run("status", NAME, *args, "--history", "--json").output)["history"]


def test_status_history_shows_each_move_of_an_issue_with_who_and_why(run, scheduled):
    run("pause", NAME, "--issue", "2")
    run("resume", NAME, "--issue", "2")
    run("send-now", NAME, "--issue", "2")
    moves = [
        (entry["action"], entry["from"], entry["to"], entry["actor_kind"])
        for entry in _history(run, "--issue", "2")
    ]
    assert moves == [
        ("issue.scheduled", None, "scheduled", "person"),
        ("issue.paused", "scheduled", "paused", "person"),
        ("issue.scheduled", "paused", "scheduled", "person"),
        ("issue.sending", "scheduled", "sending", "person"),
        ("issue.sent", "sending", "sent", "process"),
    ]
    entries = _history(run, "--issue", "2")
    assert {entry["actor"] for entry in entries[:4]} == {getpass.getuser()}
    assert entries[1]["reason"] == "paused with `briefcast pause`"
    assert entries[4]["actor"].startswith("worker ") and entries[4]["actor"].endswith(":send-now")
    assert all(datetime.fromisoformat(entry["at"]).tzinfo for entry in entries)

    table = run("status", NAME, "--issue", "2", "--history").output
    assert f"{NAME} issue 2" in table
    assert "scheduled -> paused" in table and "paused with `briefcast pause`" in table
    assert "sending -> sent" in table


def test_status_history_of_a_campaign_has_its_approvals_and_edits(run, scheduled, tmp_path):
    write_campaign(tmp_path, issues=[{"themes": ["optimistic-thinking"], "subject": "Optimism"}])
    run("schedule", str(tmp_path / f"{NAME}.yaml"), "--approved-by", "Sam Example")
    entries = _history(run)
    approvals = [e["reason"] for e in entries if e["action"] == "campaign.approved"]
    assert approvals == ["approved by Alex Example", "approved by Sam Example"]
    edited = [e for e in entries if e["action"] == "issue.edited"]
    assert [e["subject"] for e in edited] == [f"{NAME} #1"]
    assert "subject: " in edited[0]["reason"] and "'Optimism'" in edited[0]["reason"]
    removed = [e["subject"] for e in entries if e["action"] == "issue.removed"]
    assert removed == [f"{NAME} #2", f"{NAME} #3"]


def test_the_workers_moves_are_recorded_as_the_worker(run, scheduled, engine, env, tmp_path):
    _due_now(engine, env, tmp_path)
    env["BRIEFCAST_WORKER_ID"] = "mail-1"
    run("worker", "--once")
    moves = [(e["to"], e["actor"], e["actor_kind"]) for e in _history(run, "--issue", "1")]
    assert moves[-2:] == [
        ("sending", "worker mail-1", "process"),
        ("sent", "worker mail-1", "process"),
    ]


def test_status_history_needs_a_campaign_and_a_real_issue(run, scheduled):
    result = run("status", "--history", ok=False)
    assert result.exit_code == 2 and "need a campaign's name" in result.output
    result = run("status", NAME, "--issue", "9", "--history", ok=False)
    assert result.output.strip() == f"error: {NAME} has no issue 9 (its issues are numbered 1 to 3)"


def test_status_of_one_issue(run, scheduled):
    document = json.loads(run("status", NAME, "--issue", "2", "--json").output)
    (campaign,) = document["campaigns"]
    assert [issue["number"] for issue in campaign["issues"]] == [2]
