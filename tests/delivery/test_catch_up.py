"""New starters catch up (issue 15): one digest of what they missed, or the missed issues replayed,
each exactly once, through the ledger and the ordinary send loop."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from scheduling import import_people, make_lists, outbox_messages, outbox_settings, write_campaign
from sqlalchemy import select, update
from starlette.testclient import TestClient

from briefcast.delivery.catch_up import pending, plan_due
from briefcast.delivery.control import pause, resume
from briefcast.delivery.schedule import ScheduleRequest, schedule_campaign
from briefcast.delivery.sender import send_issue
from briefcast.delivery.tokens import Signer, signing_key
from briefcast.delivery.transports.memory import MemoryTransport
from briefcast.delivery.windows import LatePolicy
from briefcast.links import Purpose
from briefcast.recipients.csv_import import import_list
from briefcast.recipients.suppression import suppress
from briefcast.reports.build import build_report
from briefcast.settings import Settings
from briefcast.store import campaigns as store
from briefcast.store import web as web_store
from briefcast.store.audit import Actor
from briefcast.store.engine import read, write
from briefcast.store.schema import IssueKind, deliveries, issues, memberships, recipients
from briefcast.web import create_app
from briefcast.worker import Worker

WORKER = Actor.process("worker test")
POLICY = LatePolicy(grace=timedelta(hours=6), hours=(time(7), time(19)))
NOTE = "You joined partway through this series, so here is what went out before you arrived."
# The series' issues started going out at these moments; new starters join later.
PART_1 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
PART_2 = datetime(2026, 11, 9, 9, 30, tzinfo=UTC)
JOINED = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        outbox=tmp_path / "outbox",
        base_url="https://briefcast.example.org",
        transport="memory",
        sending_hours=(time(0), time(23, 59)),
    )


def _schedule(engine, tmp_path, **keys):
    issues_ = [{"themes": [t]} for t in ("optimistic-thinking", "domestic-abuse", "including-men")]
    issues_.append({"themes": ["written-agreements"]})
    path = write_campaign(tmp_path, issues=issues_)
    text = path.read_text(encoding="utf-8")
    extra = {"catch_up_note": NOTE, **keys}
    path.write_text(text + "".join(f"{k}: {v}\n" for k, v in extra.items()), encoding="utf-8")
    make_lists(engine)
    import_people(engine, tmp_path, per_list=2)
    schedule_campaign(
        engine, path, ScheduleRequest("Alex Example", POLICY, now=datetime(2026, 10, 1, tzinfo=UTC))
    )
    with read(engine) as conn:
        campaign = store.find_campaign(conn, "spring-briefing")
        return {i.number: i.id for i in store.campaign_issues(conn, campaign.id)}


def _send(engine, settings, issue_id, at):
    transport = MemoryTransport()
    send_issue(engine, issue_id, transport, settings, worker_id="w1", clock=lambda: at)
    return transport.outbox


def _join(engine, tmp_path, slug, addresses, at):
    """These people join list `slug` at `at` (the import stamps the real time; set it back)."""
    path = tmp_path / f"join-{slug}-{at:%H%M%S}.csv"
    path.write_text("email\n" + "\n".join(addresses) + "\n", encoding="utf-8")
    import_list(engine, path, slug)
    with write(engine) as conn:
        ids = select(recipients.c.id).where(recipients.c.address.in_(addresses))
        conn.execute(
            update(memberships).where(memberships.c.recipient_id.in_(ids)).values(added_at=at)
        )


def _catch_ups(engine):
    with read(engine) as conn:
        rows = conn.execute(
            select(issues.c.id, issues.c.covers, issues.c.number).where(
                issues.c.kind == IssueKind.CATCH_UP.value
            )
        )
        return list(rows)


def _to(outbox):
    return sorted(sent.envelope.recipient for sent in outbox)


NEW = ["new1@example.org", "new2@example.org", "new3@example.net"]


def test_new_starters_get_one_digest_of_parts_1_and_2_then_part_3_with_everyone(
    engine, settings, tmp_path
):
    ids = _schedule(engine, tmp_path)
    assert len(_send(engine, settings, ids[1], PART_1)) == 4
    assert len(_send(engine, settings, ids[2], PART_2)) == 4
    _join(engine, tmp_path, "police", NEW[:2], JOINED)
    _join(engine, tmp_path, "health", NEW[2:], JOINED)

    due = JOINED + timedelta(days=1)
    waiting = pending(engine, "spring-briefing", due - timedelta(hours=1))
    assert [(p.address, p.numbers, p.due) for p in waiting] == [(a, (1, 2), due) for a in NEW]
    assert plan_due(engine, settings, due - timedelta(hours=1), actor=WORKER) == []

    (catch_up,) = plan_due(engine, settings, due, actor=WORKER)
    assert plan_due(engine, settings, due + timedelta(hours=1), actor=WORKER) == []
    outbox = _send(engine, settings, catch_up, due)
    assert _to(outbox) == NEW
    for sent in outbox:
        message = sent.message
        assert message["Subject"] == "Catch up: Learning from the National Panel"
        text = message.get_body(("plain",)).get_content()
        assert NOTE.split(",")[0] in text
        assert "Part 1 of 4: " in text and "Part 2 of 4: " in text and "Part 3" not in text
        assert "/archive/" in text  # each missed issue's page, from links.py

    everyone = _send(engine, settings, ids[3], due + timedelta(days=7))
    assert len(everyone) == 7 and set(NEW) <= set(_to(everyone))
    # Sent once: neither planning again nor running the catch-up again sends a second copy.
    assert plan_due(engine, settings, due + timedelta(days=8), actor=WORKER) == []
    assert _send(engine, settings, catch_up, due + timedelta(days=8)) == []
    assert pending(engine, "spring-briefing", due + timedelta(days=8)) == []

    # The report: reached on time and by catch-up per issue; an acknowledgement pressed in the
    # catch-up counts for the issues it names; the catch-up is not an issue of the totals.
    with write(engine) as conn:
        delivery = conn.execute(
            select(deliveries.c.id).where(deliveries.c.issue_id == catch_up).limit(1)
        ).scalar_one()
        assert web_store.record_acknowledgement(conn, web_store.link_target(conn, delivery), None)
    # Its "I've read this" page names the catch-up, not a part of the series.
    with write(engine) as conn:
        token = Signer(signing_key(conn, settings.secret_key)).make(Purpose.ACKNOWLEDGE, delivery)
    with TestClient(create_app(settings, engine)) as client:
        page = client.get(f"/a/{token}")
    assert page.status_code == 200 and "catching up: <strong>What you missed" in page.text
    report = build_report(engine, "spring-briefing")
    lines = {
        i.number: (i.on_time, i.by_catch_up, i.acknowledged_by_catch_up) for i in report.issues
    }
    assert lines == {1: (4, 3, 1), 2: (4, 3, 1), 3: (7, 0, 0), 4: (0, 0, 0)}
    assert report.totals.audience == 15 and report.totals.acknowledged == 0


def test_the_digest_goes_with_the_next_issue_when_that_is_sooner(engine, settings, tmp_path):
    ids = _schedule(engine, tmp_path)
    _send(engine, settings, ids[1], PART_1)
    with read(engine) as conn:
        part_2 = store.issue_by_id(conn, ids[2]).planned_at
    joined = part_2 - timedelta(hours=2)
    _join(engine, tmp_path, "police", NEW[:1], joined)
    (waiting,) = pending(engine, "spring-briefing", joined)
    assert waiting.numbers == (1,) and waiting.due == part_2
    # Still due then once part 2 has gone (a worker may plan it a moment after part 2 started).
    went = part_2 + timedelta(seconds=30)
    _send(engine, settings, ids[2], went)
    (waiting,) = pending(engine, "spring-briefing", went)
    assert waiting.due == went
    assert len(plan_due(engine, settings, went, actor=WORKER)) == 1


def test_nobody_who_joins_after_catch_up_until_gets_anything_old(engine, settings, tmp_path):
    ids = _schedule(engine, tmp_path, catch_up_until="2026-11-09")
    _send(engine, settings, ids[1], PART_1)
    _send(engine, settings, ids[2], PART_2)
    _join(engine, tmp_path, "police", NEW[:1], datetime(2026, 11, 9, 20, 0, tzinfo=UTC))
    _join(engine, tmp_path, "health", NEW[2:], JOINED)  # the 10th: after the window
    later = JOINED + timedelta(days=3)
    assert [p.address for p in pending(engine, "spring-briefing", later)] == NEW[:1]


def test_a_person_suppressed_or_gone_before_it_is_due_gets_nothing(engine, settings, tmp_path):
    ids = _schedule(engine, tmp_path)
    _send(engine, settings, ids[1], PART_1)
    _join(engine, tmp_path, "police", NEW[:2], JOINED)
    suppress(engine, NEW[0], "unsubscribed")
    assert [p.address for p in pending(engine, "spring-briefing", JOINED)] == NEW[1:2]
    remaining = [f"person{n}.police@example.org" for n in range(2)]
    import_list(engine, _csv(tmp_path, "police", remaining), "police", sync=True)  # new2 leaves
    assert pending(engine, "spring-briefing", JOINED + timedelta(days=2)) == []


def _csv(folder, slug, addresses):
    path = folder / f"sync-{slug}.csv"
    path.write_text("email\n" + "\n".join(addresses) + "\n", encoding="utf-8")
    return path


def test_replay_sends_the_missed_issues_oldest_first_capped_and_spaced(engine, settings, tmp_path):
    ids = _schedule(engine, tmp_path, catch_up="replay", replay_every=3, replay_cap=2)
    part_3 = PART_2 + timedelta(days=7)
    for number, at in ((1, PART_1), (2, PART_2), (3, part_3)):
        _send(engine, settings, ids[number], at)
    joined = part_3 + timedelta(hours=1)
    _join(engine, tmp_path, "police", NEW[:1], joined)

    first = joined + timedelta(days=1)
    (one,) = plan_due(engine, settings, first, actor=WORKER)
    (sent,) = _send(engine, settings, one, first)
    with read(engine) as conn:
        assert sent.message["Subject"] == store.issue_by_id(conn, ids[1]).subject
    assert plan_due(engine, settings, first + timedelta(days=2, hours=23), actor=WORKER) == []
    (two,) = plan_due(engine, settings, first + timedelta(days=3), actor=WORKER)
    _send(engine, settings, two, first + timedelta(days=3))
    assert plan_due(engine, settings, first + timedelta(days=30), actor=WORKER) == []
    covers = {row.id: tuple(row.covers) for row in _catch_ups(engine)}
    assert covers == {one: (ids[1],), two: (ids[2],)}  # part 3 is over the cap of 2


def test_nothing_is_planned_outside_the_sending_hours(engine, settings, tmp_path):
    ids = _schedule(engine, tmp_path)
    _send(engine, settings, ids[1], PART_1)
    _join(engine, tmp_path, "police", NEW[:1], JOINED)
    _join(engine, tmp_path, "health", NEW[2:], datetime(2026, 11, 10, 21, 0, tzinfo=UTC))
    day = replace(settings, sending_hours=(time(7), time(19)))
    late = datetime(2026, 11, 11, 21, 2, tzinfo=UTC)  # 21:02 in London
    # Due at 12:00, and out of hours now: waits. Due at 21:00: on time, so it goes (as an
    # issue planned at 21:00 would, and a digest due with it goes with it).
    (on_time,) = plan_due(engine, day, late, actor=WORKER)
    assert plan_due(engine, day, late + timedelta(hours=1), actor=WORKER) == []
    (morning,) = plan_due(engine, day, late + timedelta(hours=10), actor=WORKER)
    with read(engine) as conn:
        to = dict(
            conn.execute(select(deliveries.c.issue_id, recipients.c.address).join(recipients)).all()
        )
    assert (to[on_time], to[morning]) == (NEW[2], NEW[0])


def test_catch_up_off_or_without_a_note_sends_nothing(engine, settings, tmp_path):
    ids = _schedule(engine, tmp_path, catch_up="off")
    _send(engine, settings, ids[1], PART_1)
    _join(engine, tmp_path, "police", NEW[:1], JOINED)
    assert pending(engine, "spring-briefing", JOINED + timedelta(days=2)) == []


def test_the_worker_plans_and_sends_due_catch_ups_by_itself(engine, database_url, tmp_path):
    settings = outbox_settings(database_url, tmp_path)
    ids = _schedule(engine, tmp_path)
    _send(engine, settings, ids[1], PART_1)
    _join(engine, tmp_path, "police", NEW[:1], JOINED)
    due = JOINED + timedelta(days=1)

    Worker(settings, engine=engine, clock=lambda: due - timedelta(minutes=1)).run_once()
    assert outbox_messages(tmp_path) == []  # not due yet
    Worker(settings, engine=engine, clock=lambda: due).run_once()
    Worker(settings, engine=engine, clock=lambda: due + timedelta(minutes=1)).run_once()
    (message,) = outbox_messages(tmp_path)
    assert message["Delivered-To"] == NEW[0]
    assert message["Subject"] == "Catch up: Learning from the National Panel"


def test_a_paused_series_holds_its_catch_ups(engine, settings, tmp_path):
    ids = _schedule(engine, tmp_path)
    _send(engine, settings, ids[1], PART_1)
    _join(engine, tmp_path, "police", NEW[:1], JOINED)
    pause(engine, "spring-briefing", actor=Actor.person("Alex Example"))
    later = JOINED + timedelta(days=2)
    assert plan_due(engine, settings, later, actor=WORKER) == []
    assert [p.address for p in pending(engine, "spring-briefing", later)] == NEW[:1]
    resume(engine, "spring-briefing", actor=Actor.person("Alex Example"), now=later)
    assert len(plan_due(engine, settings, later, actor=WORKER)) == 1


def test_a_failing_catch_up_never_holds_up_the_series(engine, database_url, tmp_path, monkeypatch):
    settings = outbox_settings(database_url, tmp_path)
    ids = _schedule(engine, tmp_path)

    def broken(*_args, **_kwargs):
        raise RuntimeError("the catch-up planner is broken")

    monkeypatch.setattr("briefcast.delivery.catch_up.plan_due", broken)
    with read(engine) as conn:
        part_1 = store.issue_by_id(conn, ids[1]).planned_at
    Worker(settings, engine=engine, clock=lambda: part_1).run_once()
    assert len(outbox_messages(tmp_path)) == 4  # part 1 went to everyone all the same
