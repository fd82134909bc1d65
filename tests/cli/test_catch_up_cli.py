"""`briefcast catch-up` and the catch-ups in `status`, through the CLI runner."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest
from click.testing import CliRunner
from scheduling import import_people, outbox_environ, outbox_messages, outbox_settings
from scheduling import write_campaign as write_plain_campaign
from sqlalchemy import select, update

from briefcast.cli import app
from briefcast.delivery.catch_up import plan_due
from briefcast.delivery.sender import send_issue
from briefcast.delivery.transports.memory import MemoryTransport
from briefcast.recipients.csv_import import import_list
from briefcast.store import campaigns as store
from briefcast.store import issue_states, open_database
from briefcast.store.audit import Actor
from briefcast.store.engine import write
from briefcast.store.schema import IssueState, memberships, recipients

NAME = "spring-briefing"
NOTE = "You joined partway through this series; here is what went out before you arrived."


@pytest.fixture
def env(tmp_path):
    url = f"sqlite:///{tmp_path / 'briefcast.db'}"
    return outbox_environ(url, tmp_path, sending_hours="00:00-23:59")


@pytest.fixture
def engine(env):
    engine = open_database(env["BRIEFCAST_DATABASE_URL"])
    yield engine
    engine.dispose()


def run(env, *args: str, code: int = 0):
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == code, result.output
    return result


@pytest.fixture
def late_joiner(env, engine, tmp_path):
    """Issue 1 went three days ago; new@example.org joined the police list two days ago."""
    import_people(engine, tmp_path)
    path = write_plain_campaign(tmp_path)
    path.write_text(path.read_text() + f"catch_up_note: {NOTE}\n", encoding="utf-8")
    run(env, "schedule", str(path), "--approved-by", "Alex Example")
    with engine.connect() as conn:
        issue_1 = store.find_issue(conn, store.find_campaign(conn, NAME).id, 1).id
    went = datetime.now(UTC) - timedelta(days=3)
    settings = outbox_settings(env["BRIEFCAST_DATABASE_URL"], tmp_path)
    send_issue(engine, issue_1, MemoryTransport(), settings, worker_id="w", clock=lambda: went)
    joiner = tmp_path / "joiner.csv"
    joiner.write_text("email,name\nnew@example.org,Nia New\n", encoding="utf-8")
    import_list(engine, joiner, "police")
    with write(engine) as conn:
        person = select(recipients.c.id).where(recipients.c.address == "new@example.org")
        conn.execute(
            update(memberships)
            .where(memberships.c.recipient_id.in_(person))
            .values(added_at=went + timedelta(days=1))
        )


def test_dry_run_lists_who_gets_what_and_sends_nothing(env, tmp_path, late_joiner):
    result = run(env, "catch-up", NAME, "--dry-run")
    assert "new@example.org" in result.output and "a digest of parts 1" in result.output
    assert "now" in result.output
    document = json.loads(run(env, "catch-up", NAME, "--dry-run", "--json").output)
    assert document["version"] == 1
    assert [(c["address"], c["issues"]) for c in document["catch_ups"]] == [
        ("new@example.org", [1])
    ]
    assert outbox_messages(tmp_path) == []


def test_catch_up_sends_once_and_status_shows_it_until_then(env, tmp_path, late_joiner):
    status = json.loads(run(env, "status", NAME, "--json").output)
    assert status["campaigns"][0]["catch_ups"]["waiting"] == 1
    assert "1 new starter waiting" in run(env, "status", NAME).output  # no "(s)"

    assert f"{NAME}: 1 catch-up message(s) sent" in run(env, "catch-up", NAME).output
    (message,) = outbox_messages(tmp_path)
    assert message["To"].endswith("<new@example.org>")
    assert message["Subject"] == "Catch up: Learning from the National Panel"
    assert f"{NAME}: no catch-up is due now" in run(env, "catch-up", NAME).output
    assert len(outbox_messages(tmp_path)) == 1
    status = json.loads(run(env, "status", NAME, "--json").output)
    assert status["campaigns"][0]["catch_ups"] == {
        "waiting": 0,
        "next_due": None,
        "in_flight": 0,
        "unknown": 0,
    }
    # The series' own issues are as they were: the catch-up is not one of them.
    assert [i["number"] for i in status["campaigns"][0]["issues"]] == [1, 2, 3]


def test_an_unknown_campaign_is_one_line(env, engine):
    result = run(env, "catch-up", "no-such-campaign", "--dry-run", code=1)
    assert result.output.startswith("error: there is no campaign named 'no-such-campaign'")
    assert "Traceback" not in result.output


def test_an_unwritten_note_is_refused_by_check(env, engine, tmp_path):
    import_people(engine, tmp_path)
    path = write_plain_campaign(tmp_path)
    path.write_text(path.read_text() + "catch_up_note: 'TODO: write why'\n", encoding="utf-8")
    result = run(env, "check", str(path), code=1)
    assert "'TODO: write why' is still to be written" in result.output


def test_a_catch_up_the_worker_missed_is_sent_by_the_command(env, engine, tmp_path, late_joiner):
    settings = outbox_settings(env["BRIEFCAST_DATABASE_URL"], tmp_path)
    settings = replace(settings, sending_hours=(time(0), time(23, 59)))  # as `env` says
    worker = Actor.process("worker test")
    (catch_up,) = plan_due(engine, settings, datetime.now(UTC), actor=worker)
    with write(engine) as conn:  # what the reconcile does when a worker comes back too late
        assert issue_states.transition(
            conn, catch_up, IssueState.MISSED, actor=worker, reason="late"
        )
    assert f"{NAME}: 1 catch-up message(s) sent" in run(env, "catch-up", NAME).output
    assert len(outbox_messages(tmp_path)) == 1
