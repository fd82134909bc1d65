"""The ledger: resolving an audience, claiming, requeueing, counting, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from ledger_rows import add_issue_for, add_list, add_people, people
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from briefcast.recipients import suppress
from briefcast.store import hot_path, ledger
from briefcast.store.audit import Actor
from briefcast.store.ledger import DeliveryCounts, LedgerError
from briefcast.store.schema import (
    IssueState,
    deliveries,
    issues,
    lists,
    read_utc,
    recipients,
)

NOW = datetime(2027, 4, 13, 8, 30, tzinfo=UTC)
WORKER = Actor.process("worker worker-1")


@pytest.fixture
def three_lists(engine):
    for slug in ("police", "health", "education"):
        add_list(engine, slug)
    add_people(engine, "police", ["a@example.org", "b@example.org"])
    add_people(engine, "health", ["b@example.org", "c@example.org"])
    add_people(engine, "education", ["c@example.org", "d@example.net"])
    return engine


def resolve(engine, issue_id):
    with engine.begin() as conn:
        return ledger.resolve_audience(conn, issue_id)


def reached(engine, issue_id):
    query = (
        select(recipients.c.address, lists.c.slug)
        .select_from(deliveries.join(recipients).join(lists))
        .where(deliveries.c.issue_id == issue_id)
        .order_by(recipients.c.address)
    )
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def start(engine, issue_id):
    with engine.begin() as conn:
        ledger.start_sending(conn, issue_id, NOW, actor=WORKER)


def claim(engine, issue_id, limit=10, now=NOW, worker="worker-1"):
    with engine.begin() as conn:
        return ledger.claim_batch(conn, issue_id, worker, limit, now)


def counts(engine, issue_id):
    with engine.connect() as conn:
        return ledger.delivery_counts(conn, issue_id)


def test_resolve_deduplicates_across_lists_through_the_first_list(three_lists):
    issue_id = add_issue_for(three_lists, ["health", "police"])
    assert resolve(three_lists, issue_id) == 3
    assert reached(three_lists, issue_id) == [
        ("a@example.org", "police"),
        ("b@example.org", "health"),
        ("c@example.org", "health"),
    ]
    with three_lists.connect() as conn:
        assert conn.execute(select(issues.c.audience_size)).scalar_one() == 3
    assert counts(three_lists, issue_id) == DeliveryCounts(queued=3)


def test_resolve_is_idempotent_and_only_adds_who_is_missing(three_lists):
    issue_id = add_issue_for(three_lists, ["police"])
    assert resolve(three_lists, issue_id) == 2
    assert resolve(three_lists, issue_id) == 2
    add_people(three_lists, "police", ["e@example.org"])
    assert resolve(three_lists, issue_id) == 3
    assert [address for address, _ in reached(three_lists, issue_id)] == [
        "a@example.org",
        "b@example.org",
        "e@example.org",
    ]


def test_suppressed_everywhere_or_on_the_list_and_excluded_lists_left_out(three_lists):
    suppress(three_lists, "a@example.org", "bounced")
    suppress(three_lists, "b@example.org", "unsubscribed", list_slug="police")
    issue_id = add_issue_for(three_lists, ["police", "health", "education"], exclude=["education"])
    resolve(three_lists, issue_id)
    # a: suppressed everywhere. b: unsubscribed from police only, so reached through health.
    # c and d: on the excluded list.
    assert reached(three_lists, issue_id) == [("b@example.org", "health")]


def test_an_unknown_list_is_a_one_line_error(three_lists):
    issue_id = add_issue_for(three_lists, ["police", "probation"])
    with pytest.raises(LedgerError, match="'probation', which does not exist"):
        resolve(three_lists, issue_id)


def test_one_row_per_issue_and_recipient(three_lists):
    issue_id = add_issue_for(three_lists, ["police"])
    resolve(three_lists, issue_id)
    with three_lists.connect() as conn:
        recipient_id = conn.execute(select(deliveries.c.recipient_id).limit(1)).scalar_one()
    with pytest.raises(IntegrityError), three_lists.begin() as conn:
        conn.execute(
            insert(deliveries).values(issue_id=issue_id, recipient_id=recipient_id, status="queued")
        )


def test_claim_takes_due_rows_in_order_and_only_while_sending(engine):
    add_list(engine, "police")
    add_people(engine, "police", people(5))
    issue_id = add_issue_for(engine, ["police"])
    resolve(engine, issue_id)
    assert claim(engine, issue_id) == []  # still scheduled: nothing may go
    start(engine, issue_id)
    with engine.begin() as conn:  # the first row waits for a retry
        first = conn.execute(select(deliveries.c.id).order_by(deliveries.c.id)).scalars().first()
        ledger.record_retry(conn, first, "451 try later", NOW + timedelta(minutes=5))

    batch = claim(engine, issue_id, limit=3)
    assert [row.address for row in batch] == [
        "person0002@example.org",
        "person0003@example.org",
        "person0004@example.org",
    ]
    assert counts(engine, issue_id) == DeliveryCounts(queued=2, sending=3)
    assert [row.address for row in claim(engine, issue_id)] == ["person0005@example.org"]
    assert claim(engine, issue_id) == []  # the retry is not due yet
    later = claim(engine, issue_id, now=NOW + timedelta(minutes=5))
    assert [(row.address, row.attempts) for row in later] == [("person0001@example.org", 1)]


def test_claim_skips_people_suppressed_or_erased_since_resolving(three_lists):
    issue_id = add_issue_for(three_lists, ["police", "health"])
    resolve(three_lists, issue_id)
    start(three_lists, issue_id)
    suppress(three_lists, "a@example.org", "unsubscribed", list_slug="police")
    with three_lists.begin() as conn:
        conn.execute(recipients.delete().where(recipients.c.address == "c@example.org"))
    assert [row.address for row in claim(three_lists, issue_id)] == ["b@example.org"]
    assert counts(three_lists, issue_id) == DeliveryCounts(sending=1, skipped=2)


def test_requeue_abandoned_by_worker_or_by_lapsed_lease(engine):
    add_list(engine, "police")
    add_people(engine, "police", people(6))
    issue_id = add_issue_for(engine, ["police"])
    resolve(engine, issue_id)
    start(engine, issue_id)
    claim(engine, issue_id, limit=2, worker="worker-1")
    claim(engine, issue_id, limit=2, worker="worker-2", now=NOW + timedelta(minutes=20))
    old = claim(engine, issue_id, limit=2, worker="worker-3")
    with engine.begin() as conn:  # worker-3 is sending its second row right now
        ledger.mark_attempted(conn, old[1].delivery_id, NOW + timedelta(minutes=20))

    with engine.begin() as conn:
        # worker-1 starts again after a crash: its own claims come back at once.
        assert ledger.requeue_abandoned(conn, issue_id, worker_id="worker-1") == 2
        # worker-3's lease lapsed for the row it never attempted; worker-2's claim is fresh.
        lease_start = NOW + timedelta(minutes=10)
        assert ledger.requeue_abandoned(conn, issue_id, claimed_before=lease_start) == 1
    assert counts(engine, issue_id) == DeliveryCounts(queued=3, sending=3)
    with engine.begin() as conn:  # a requeued row is no longer worker-3's to send
        assert not ledger.lock_for_attempt(conn, old[0].delivery_id, "worker-3")
        assert ledger.lock_for_attempt(conn, old[1].delivery_id, "worker-3")


def test_outcomes_count_attempts_and_release_does_not(engine):
    add_list(engine, "police")
    add_people(engine, "police", people(4))
    issue_id = add_issue_for(engine, ["police"])
    resolve(engine, issue_id)
    start(engine, issue_id)
    a, b, c, d = claim(engine, issue_id)
    with engine.connect() as conn:  # as the send loop records a message sent: on its own
        ledger.start_commit_sent(conn, a.delivery_id, "<1@example.org>", NOW).finish()
    with engine.begin() as conn:
        ledger.fold_sent(conn, issue_id, "worker-1")
        ledger.record_failed(conn, b.delivery_id, "552 too big")
        ledger.record_bounced(conn, c.delivery_id, "550 5.1.1 user unknown")
        assert ledger.release(conn, [d.delivery_id], "worker-2") == 0  # not worker-2's
        assert ledger.release(conn, [d.delivery_id], "worker-1") == 1
    assert counts(engine, issue_id) == DeliveryCounts(queued=1, sent=1, failed=1, bounced=1)
    with engine.connect() as conn:
        rows = {row.id: row for row in conn.execute(select(deliveries))}
    assert rows[a.delivery_id].message_id == "<1@example.org>"
    assert [rows[row.delivery_id].attempts for row in (a, b, c, d)] == [1, 1, 1, 0]
    assert rows[b.delivery_id].last_error == "552 too big"
    assert rows[d.delivery_id].claimed_by is None


def test_finish_only_when_no_row_is_open(engine):
    add_list(engine, "police")
    add_people(engine, "police", people(2))
    issue_id = add_issue_for(engine, ["police"])
    resolve(engine, issue_id)
    start(engine, issue_id)
    first, second = claim(engine, issue_id)
    with engine.connect() as conn:
        ledger.start_commit_sent(conn, first.delivery_id, "<1@example.org>", NOW).finish()
    with engine.begin() as conn:
        assert not ledger.finish_if_done(conn, issue_id, NOW, actor=WORKER)
        ledger.record_failed(conn, second.delivery_id, "552 too big")
        assert ledger.finish_if_done(conn, issue_id, NOW, actor=WORKER)
        assert ledger.issue_state(conn, issue_id) == (IssueState.SENT, None)
        # Sent is final: starting again is refused.
        assert not ledger.start_sending(conn, issue_id, NOW, actor=WORKER)


def test_attempts_since_counts_every_issue(engine):
    add_list(engine, "police")
    add_people(engine, "police", people(3))
    first, second = add_issue_for(engine, ["police"]), add_issue_for(engine, ["police"], number=2)
    for issue_id in (first, second):
        resolve(engine, issue_id)
    with engine.begin() as conn:
        conn.execute(update(deliveries).where(deliveries.c.id <= 4).values(attempted_at=NOW))
        assert ledger.attempts_since(conn, NOW - timedelta(seconds=1)) == 4
        assert ledger.attempts_since(conn, NOW) == 0  # the window is open at its start
        assert ledger.oldest_attempt_since(conn, NOW - timedelta(hours=1)) == NOW


# -- a message recorded sent in two steps: commit_sent per message, fold_sent per batch ----------


def sending(engine, issue_id, size):
    """The issue being sent to `size` people on the police list."""
    add_list(engine, "police")
    add_people(engine, "police", people(size))
    resolve(engine, issue_id)
    start(engine, issue_id)


def recorded_sent(engine, issue_id, count, worker="worker-1"):
    """`count` claimed rows recorded by commit_sent (as the send loop does), not yet folded."""
    sending(engine, issue_id, count + 1)
    claimed = claim(engine, issue_id, worker=worker)
    with engine.connect() as conn:
        for n, row in enumerate(claimed[:count]):
            ledger.start_commit_sent(
                conn, row.delivery_id, f"<{n}@example.org>", NOW + timedelta(n)
            ).finish()
    return claimed


def rows_by_id(engine):
    with engine.connect() as conn:
        return {row.id: row for row in conn.execute(select(deliveries))}


def test_a_message_committed_sent_counts_as_sent_before_it_is_folded(engine):
    issue_id = add_issue_for(engine, ["police"])
    first, unsent = recorded_sent(engine, issue_id, 1)
    row = rows_by_id(engine)[first.delivery_id]
    assert (row.status, row.message_id) == ("sending", "<0@example.org>")  # not folded yet
    assert counts(engine, issue_id) == DeliveryCounts(sent=1, sending=1)

    with engine.begin() as conn:
        assert ledger.fold_sent(conn, issue_id, "worker-2") == 0  # another worker's rows
        assert ledger.fold_sent(conn, issue_id, "worker-1") == 1
        assert ledger.fold_sent(conn, issue_id, "worker-1") == 0
    row = rows_by_id(engine)[first.delivery_id]
    assert (row.status, row.attempts, row.claimed_by, row.last_error) == ("sent", 1, None, None)
    # No reservation under a limit was made: the attempt is counted at the moment it was sent.
    assert read_utc(row.attempted_at) == read_utc(row.sent_at) == NOW
    assert counts(engine, issue_id) == DeliveryCounts(sent=1, sending=1)
    assert rows_by_id(engine)[unsent.delivery_id].status == "sending"


def test_folding_keeps_the_attempt_a_limit_reserved(engine):
    issue_id = add_issue_for(engine, ["police"])
    sending(engine, issue_id, 1)
    [row] = claim(engine, issue_id, now=NOW)
    reserved = NOW + timedelta(seconds=5)
    with engine.begin() as conn:
        assert ledger.reserve_attempt(conn, row.delivery_id, "worker-1", reserved)
    with engine.connect() as conn:
        ledger.start_commit_sent(
            conn, row.delivery_id, "<1@example.org>", reserved + timedelta(1)
        ).finish()
    with engine.begin() as conn:
        ledger.fold_sent(conn, issue_id, "worker-1")
        assert ledger.oldest_attempt_since(conn, NOW) == reserved


def test_a_dead_workers_messages_recorded_sent_are_folded_not_sent_again(engine):
    issue_id = add_issue_for(engine, ["police"])
    sent, unsent = recorded_sent(engine, issue_id, 1)
    with engine.begin() as conn:
        # It starts again after a kill -9: the row it recorded is SENT, the other goes back.
        assert ledger.requeue_abandoned(conn, issue_id, worker_id="worker-1") == 1
    assert counts(engine, issue_id) == DeliveryCounts(queued=1, sent=1)
    rows = rows_by_id(engine)
    assert (rows[sent.delivery_id].status, rows[unsent.delivery_id].status) == ("sent", "queued")
    assert [row.delivery_id for row in claim(engine, issue_id)] == [unsent.delivery_id]


def test_a_lapsed_lease_folds_what_was_recorded_sent(engine):
    issue_id = add_issue_for(engine, ["police"])
    sent, unsent = recorded_sent(engine, issue_id, 1, worker="worker-9")
    with engine.begin() as conn:
        later = NOW + timedelta(hours=1)
        assert ledger.requeue_abandoned(conn, issue_id, claimed_before=later) == 1
    rows = rows_by_id(engine)
    assert (rows[sent.delivery_id].status, rows[unsent.delivery_id].status) == ("sent", "queued")


def test_release_never_gives_back_a_message_recorded_sent(engine):
    issue_id = add_issue_for(engine, ["police"])
    sent, unsent = recorded_sent(engine, issue_id, 1)
    with engine.begin() as conn:
        ids = [sent.delivery_id, unsent.delivery_id]
        assert ledger.release(conn, ids, "worker-1") == 1
    assert counts(engine, issue_id) == DeliveryCounts(queued=1, sent=1)


def test_an_issue_whose_rows_are_all_recorded_sent_is_finished(engine):
    issue_id = add_issue_for(engine, ["police"])
    sending(engine, issue_id, 2)
    with engine.connect() as conn:
        for row in claim(engine, issue_id):
            ledger.start_commit_sent(
                conn, row.delivery_id, f"<{row.delivery_id}@example.org>", NOW
            ).finish()
    with engine.begin() as conn:
        assert ledger.finish_if_done(conn, issue_id, NOW, actor=WORKER)


def test_the_send_loops_time_text_is_sqlalchemys():
    from hypothesis import given
    from hypothesis import strategies as st
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    process = deliveries.c.sent_at.type.dialect_impl(dialect).bind_processor(dialect)
    assert hot_path.time_for(dialect) is hot_path.sqlite_time

    @given(st.datetimes(timezones=st.just(UTC)))
    def same(moment):
        assert hot_path.sqlite_time(moment) == process(moment)

    same()
