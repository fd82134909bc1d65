"""How the audit trail names a catch-up: as a catch-up, never by its internal number (-1, -2, ...
sort catch-ups apart from a series' parts), in the trail and in `status --history`."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from click.testing import CliRunner
from scheduling import import_people, make_lists, outbox_environ, write_campaign
from sqlalchemy import update

from briefcast.cli import app
from briefcast.delivery.catch_up import plan_due
from briefcast.delivery.schedule import ScheduleRequest, schedule_campaign
from briefcast.delivery.sender import send_issue
from briefcast.delivery.transports.memory import MemoryTransport
from briefcast.delivery.windows import LatePolicy
from briefcast.recipients.csv_import import import_list
from briefcast.settings import Settings
from briefcast.store import campaigns as store
from briefcast.store.audit import Actor, history
from briefcast.store.engine import read, write
from briefcast.store.schema import memberships

PART_1 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
JOINED = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
NOTE = "You joined partway through this series, so here is what went out before you arrived."


def test_a_catch_up_is_named_as_one_in_the_trail_and_the_history(engine, database_url, tmp_path):
    settings = Settings(
        database_url=database_url,
        outbox=tmp_path / "outbox",
        base_url="https://briefcast.example.org",
        transport="memory",
        sending_hours=(time(0), time(23, 59)),
    )
    path = write_campaign(tmp_path)
    path.write_text(path.read_text("utf-8") + f"catch_up_note: {NOTE}\n", encoding="utf-8")
    make_lists(engine)
    import_people(engine, tmp_path, per_list=1)
    policy = LatePolicy(grace=timedelta(hours=6), hours=(time(7), time(19)))
    before = datetime(2026, 10, 1, tzinfo=UTC)
    schedule_campaign(engine, path, ScheduleRequest("Alex Example", policy, now=before))
    with read(engine) as conn:
        campaign = store.find_campaign(conn, "spring-briefing")
        first = store.campaign_issues(conn, campaign.id)[0]
    send_issue(engine, first.id, MemoryTransport(), settings, worker_id="w1", clock=lambda: PART_1)
    joiner = tmp_path / "joiner.csv"
    joiner.write_text("email\nnoor.newstart@example.org\n", encoding="utf-8")
    import_list(engine, joiner, "police")
    with write(engine) as conn:  # the import stamps the real time: set it back to after part 1
        conn.execute(update(memberships).values(added_at=JOINED))
    assert plan_due(engine, settings, JOINED + timedelta(days=1), actor=Actor.process("w1"))

    with read(engine) as conn:
        (planned,) = history(conn, campaign_id=campaign.id, action_prefix="catch-up.planned")
    assert planned.subject == "spring-briefing catch-up 1"
    shown = CliRunner().invoke(
        app, ["status", "spring-briefing", "--history"], env=outbox_environ(database_url, tmp_path)
    )
    assert shown.exit_code == 0, shown.output
    assert "spring-briefing catch-up 1 catch-up.planned" in " ".join(shown.output.split())
    assert "#-" not in shown.output
    # Worded for people: not the mode's stored name ("digest"), no "(s)" plurals.
    assert planned.reason == "one email of part 1 for 1 new starter"
    assert "one email of part 1 for 1 new starter" in " ".join(shown.output.split())
