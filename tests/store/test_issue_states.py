"""The issue state machine (store/issue_states.py): every move the table allows is made and
audited, every other is refused and leaves no trace, and two writers at once cannot both win;
on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest
from ledger_rows import add_campaign, add_issue, add_list, add_member, add_person
from sqlalchemy import select, update

from briefcast.store import audit, issue_states, ledger
from briefcast.store.audit import Actor
from briefcast.store.engine import read, write
from briefcast.store.issue_states import TRANSITIONS, transition
from briefcast.store.schema import IssueState, issues

S = IssueState
PERSON = Actor.person("Alex Example", user_id=7)
WORKER = Actor.process("worker mail-1")
NOW = datetime(2031, 3, 4, 9, 30, tzinfo=UTC)


@pytest.fixture
def issue_id(engine):
    with write(engine) as conn:
        campaign_id = add_campaign(conn)
        return add_issue(conn, campaign_id, state=S.SCHEDULED, started_at=None)


def put(engine, issue_id, state):
    """Set-up: the issue in `state`, past the machine."""
    with write(engine) as conn:
        conn.execute(update(issues).where(issues.c.id == issue_id).values(state=state.value))


def state_of(engine, issue_id):
    with read(engine) as conn:
        return ledger.issue_state(conn, issue_id)


def trail(engine, issue_id):
    with read(engine) as conn:
        return audit.history(conn, issue_id=issue_id)


def test_every_pair_in_the_table_moves_and_every_other_is_refused(engine, issue_id):
    wrong = []
    for source, to in product(S, S):
        put(engine, issue_id, source)
        before = len(trail(engine, issue_id))
        # A final state is left only by a move that names it (the next test).
        named = (source,) if source in issue_states.FINAL else None
        with write(engine) as conn:
            moved = transition(
                conn, issue_id, to, actor=PERSON, reason=f"{source} to {to}", only_from=named
            )
        allowed = to in TRANSITIONS[source]
        state, _reason = state_of(engine, issue_id)
        entries = trail(engine, issue_id)[before:]
        if allowed:
            (entry,) = entries or [None]
            ok = (
                moved
                and state is to
                and entry is not None
                and (entry.from_state, entry.to_state) == (source.value, to.value)
                and entry.action == f"issue.{to.value}"
                and entry.reason == f"{source} to {to}"
            )
        else:
            ok = not moved and state is source and entries == []
        if not ok:
            wrong.append(f"{source} -> {to}: moved={moved}, now {state}, audit {entries}")
    assert wrong == []


def test_a_sent_issue_reopens_only_when_the_move_names_it(engine, issue_id):
    # A worker's start (ledger.start_sending) or any other move to sending must never reopen a
    # sent issue; only a person's resend of unknown outcomes does, naming SENT.
    put(engine, issue_id, S.SENT)
    with write(engine) as conn:
        assert not transition(conn, issue_id, S.SENDING, actor=WORKER, reason="started")
        assert not ledger.start_sending(conn, issue_id, NOW, actor=WORKER)
    assert state_of(engine, issue_id)[0] is S.SENT and trail(engine, issue_id) == []
    with write(engine) as conn:
        assert transition(
            conn, issue_id, S.SENDING, actor=PERSON, reason="resend", only_from=(S.SENT,)
        )
    assert state_of(engine, issue_id)[0] is S.SENDING


def test_the_table_has_no_dead_ends_but_the_final_states():
    final = issue_states.FINAL
    assert final == {S.SENT, S.CANCELLED}
    assert all(source not in targets for source, targets in TRANSITIONS.items())
    assert TRANSITIONS[S.CANCELLED] == {} and set(TRANSITIONS[S.SENT]) == {S.SENDING}
    reachable, frontier = {issue_states.INITIAL}, [issue_states.INITIAL]
    while frontier:
        for target in TRANSITIONS[frontier.pop()]:
            if target not in reachable:
                reachable.add(target)
                frontier.append(target)
    assert reachable == set(S)
    for source in S:
        if source not in (S.SENT, S.CANCELLED):
            assert S.CANCELLED in TRANSITIONS[source], f"{source} cannot be cancelled"


def test_the_audit_row_names_who_when_from_to_and_why(engine, issue_id):
    before = datetime.now(UTC) - timedelta(seconds=1)
    with write(engine) as conn:
        assert transition(conn, issue_id, S.PAUSED, actor=PERSON, reason="held for a re-read")
    (entry,) = trail(engine, issue_id)
    assert entry.actor == PERSON
    assert entry.action == "issue.paused"
    assert (entry.from_state, entry.to_state) == ("scheduled", "paused")
    assert entry.reason == "held for a re-read"
    assert entry.subject == "national-panel-2020 #1"
    assert before <= entry.at <= datetime.now(UTC) + timedelta(seconds=1)
    assert state_of(engine, issue_id) == (S.PAUSED, "held for a re-read")


def test_only_from_narrows_the_table(engine, issue_id):
    with write(engine) as conn:
        assert not transition(
            conn, issue_id, S.PAUSED, actor=PERSON, reason="x", only_from=(S.SENDING,)
        )
        assert transition(
            conn, issue_id, S.PAUSED, actor=PERSON, reason="x", only_from=(S.SCHEDULED,)
        )
    assert len(trail(engine, issue_id)) == 1


def test_a_move_keeps_the_first_start_sets_the_finish_and_clears_the_reason(engine, issue_id):
    later = NOW + timedelta(hours=2)
    with write(engine) as conn:
        assert transition(conn, issue_id, S.SENDING, actor=WORKER, reason="due", at=NOW)
        assert transition(conn, issue_id, S.PAUSED, actor=PERSON, reason="wait", at=later)
        assert transition(conn, issue_id, S.SENDING, actor=PERSON, reason="go", at=later)
        assert transition(conn, issue_id, S.SENT, actor=WORKER, reason="done", at=later)
        row = conn.execute(
            select(issues.c.started_at, issues.c.finished_at, issues.c.state_reason).where(
                issues.c.id == issue_id
            )
        ).one()
    assert row.started_at.replace(tzinfo=UTC) == NOW
    assert row.finished_at.replace(tzinfo=UTC) == later
    assert row.state_reason is None
    assert [e.actor.name for e in trail(engine, issue_id)] == [
        "worker mail-1",
        "Alex Example",
        "Alex Example",
        "worker mail-1",
    ]


def test_a_new_time_moves_with_the_state(engine, issue_id):
    put(engine, issue_id, S.MISSED)
    new_time = NOW + timedelta(days=3)
    with write(engine) as conn:
        assert transition(
            conn, issue_id, S.SCHEDULED, actor=PERSON, reason="new time", planned_at=new_time
        )
        planned = conn.execute(select(issues.c.planned_at).where(issues.c.id == issue_id))
        assert planned.scalar_one().replace(tzinfo=UTC) == new_time
    (entry,) = trail(engine, issue_id)
    assert entry.details == {"planned_at": new_time.isoformat()}


def test_a_failed_condition_moves_nothing_and_records_nothing(engine, issue_id):
    put(engine, issue_id, S.SENDING)
    with write(engine) as conn:
        assert not transition(
            conn, issue_id, S.SENT, actor=WORKER, reason="done", provided=issues.c.id < 0
        )
    assert state_of(engine, issue_id)[0] is S.SENDING
    assert trail(engine, issue_id) == []


def test_an_issue_that_does_not_exist_does_not_move(engine):
    with write(engine) as conn:
        assert not transition(conn, 999_999, S.PAUSED, actor=PERSON, reason="x")


def at_once(engine, moves):
    """Run each (name, move) in its own thread and write transaction, all released together;
    each holds its transaction a moment after moving, so the others must wait for it."""
    start = threading.Barrier(len(moves))
    results: dict[str, bool] = {}
    errors: list[BaseException] = []

    def act(name, move):  # type: ignore[no-untyped-def]
        try:
            start.wait(timeout=10)
            with write(engine) as conn:
                results[name] = move(conn)
                time.sleep(0.2)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=act, args=move) for move in moves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    return results


def test_a_person_pausing_and_a_worker_finishing_at_once_one_wins(engine, issue_id):
    """Both read SENDING at the same moment; the first to write wins, the other sees the change
    and is refused. PostgreSQL makes the loser's UPDATE wait on the row and then find the state
    changed (the compare-and-set at work); SQLite serialises the two on its write lock."""

    def pause(conn):  # type: ignore[no-untyped-def]
        return transition(conn, issue_id, S.PAUSED, actor=PERSON, reason="hold")

    def finish(conn):  # type: ignore[no-untyped-def]
        return ledger.finish_if_done(conn, issue_id, NOW, actor=WORKER)

    for moves in ([("pause", pause), ("finish", finish)], [("finish", finish), ("pause", pause)]):
        for _ in range(2):
            put(engine, issue_id, S.SENDING)
            before = len(trail(engine, issue_id))
            results = at_once(engine, moves)
            assert sorted(results.values()) == [False, True], results
            winner = S.PAUSED if results["pause"] else S.SENT
            assert state_of(engine, issue_id)[0] is winner
            (entry,) = trail(engine, issue_id)[before:]
            assert (entry.from_state, entry.to_state) == ("sending", winner.value)


def test_workers_joining_an_issue_being_sent_resolve_its_audience_once(engine, issue_id):
    """Several workers start an issue already SENDING whose audience is not resolved yet: each
    start waits for the one before to commit, so none inserts a ledger row twice."""
    with write(engine) as conn:
        list_id = add_list(conn, "health", "Health partners")
        for n in range(50):
            add_member(conn, list_id, add_person(conn, f"person{n}@example.org"))
    put(engine, issue_id, S.SENDING)

    def start(conn):  # type: ignore[no-untyped-def]
        joined = ledger.start_sending(conn, issue_id, NOW, actor=WORKER)
        ledger.resolve_audience(conn, issue_id)
        return joined

    results = at_once(engine, [(f"worker-{n}", start) for n in range(3)])
    assert list(results.values()) == [True, True, True]
    with read(engine) as conn:
        assert ledger.delivery_counts(conn, issue_id).queued == 50
    assert trail(engine, issue_id) == []  # joining is no move
