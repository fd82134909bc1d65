"""The send loop against a real, misbehaving SMTP server: each fault ends in the right states.

The server is aiosmtpd in another process (tests/smtp_server.py); retries wait no time here
(RetryPolicy with zero delays) so a retried row is simply claimed again in the next batch.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from ledger_rows import add_issue_for, add_list, add_people
from smtp_server import ALWAYS, Faults
from sqlalchemy import select, update

from briefcast.delivery.outgoing import IssueMessages
from briefcast.delivery.sender import PAUSED_BY_LOOP, RetryPolicy, send_issue
from briefcast.delivery.transports.smtp import SmtpTransport
from briefcast.settings import Settings
from briefcast.store.ledger import DeliveryCounts
from briefcast.store.schema import deliveries, issues, recipients, suppressions

PEOPLE = [f"{name}@example.org" for name in ("ann", "bob", "cat", "dan", "eve")]
QUICK = RetryPolicy(delays=(timedelta(0),), max_attempts=4)


@pytest.fixture
def issue_id(engine):
    add_list(engine, "police")
    add_people(engine, "police", PEOPLE)
    return add_issue_for(engine, ["police"])


def send(engine, issue_id, server, tmp_path: Path, retry=QUICK, **smtp_changes):
    smtp = server.settings(**smtp_changes)
    settings = Settings(
        database_url=str(engine.url),
        outbox=tmp_path / "outbox",
        base_url="https://briefcast.example.org",
        transport="smtp",
        smtp=smtp,
    )
    transport = SmtpTransport(smtp)
    report = send_issue(engine, issue_id, transport, settings, worker_id="w1", retry=retry)
    return report, transport


def received(server) -> Counter[str]:
    return Counter(address for message in server.messages() for address in message.rcpt_tos)


def ledger(engine):
    query = select(recipients.c.address, deliveries).select_from(deliveries.join(recipients))
    with engine.connect() as conn:
        return {row.address: row for row in conn.execute(query)}


def test_421_at_connect_is_retried(engine, issue_id, faulty_smtp_server, tmp_path):
    server = faulty_smtp_server(Faults(refuse_connections=1))
    report, _ = send(engine, issue_id, server, tmp_path)
    assert report.counts == DeliveryCounts(sent=5)
    assert received(server) == Counter(PEOPLE)
    rows = ledger(engine)
    assert rows["ann@example.org"].attempts == 2  # the first attempt met the refusal
    assert all(rows[address].attempts == 1 for address in PEOPLE[1:])


def test_451_for_some_recipients_is_retried_then_sent(
    engine, issue_id, faulty_smtp_server, tmp_path
):
    faults = Faults(temporary={"bob@example.org": 2, "dan@example.org": 1})
    server = faulty_smtp_server(faults)
    report, _ = send(engine, issue_id, server, tmp_path)
    assert report.counts == DeliveryCounts(sent=5)
    assert received(server) == Counter(PEOPLE)
    rows = ledger(engine)
    assert (rows["bob@example.org"].attempts, rows["dan@example.org"].attempts) == (3, 2)
    assert rows["bob@example.org"].last_error is None  # cleared by the success


def test_retries_are_bounded(engine, issue_id, faulty_smtp_server, tmp_path):
    server = faulty_smtp_server(Faults(temporary={"bob@example.org": ALWAYS}))
    report, _ = send(engine, issue_id, server, tmp_path)
    assert report.counts == DeliveryCounts(sent=4, failed=1)
    bob = ledger(engine)["bob@example.org"]
    assert bob.status == "failed" and bob.attempts == 4
    assert bob.last_error.startswith("gave up after 4 attempts: ")
    assert "451" in bob.last_error


def test_unknown_user_bounces_and_is_suppressed(engine, issue_id, faulty_smtp_server, tmp_path):
    server = faulty_smtp_server(Faults(unknown=("cat@example.org",)))
    report, _ = send(engine, issue_id, server, tmp_path)
    assert report.counts == DeliveryCounts(sent=4, bounced=1)
    assert "cat@example.org" not in received(server)
    cat = ledger(engine)["cat@example.org"]
    assert cat.status == "bounced" and "5.1.1" in cat.last_error
    with engine.connect() as conn:
        suppression = conn.execute(select(suppressions)).one()
    assert (suppression.address, suppression.reason, suppression.list_id) == (
        "cat@example.org",
        "bounced",
        None,
    )


def test_a_run_of_unknown_users_bounces_each_and_never_pauses_the_issue(
    engine, faulty_smtp_server, tmp_path
):
    leavers = [f"leaver{n:02d}@example.org" for n in range(12)]
    add_list(engine, "police")
    add_people(engine, "police", [*leavers, "stayer@example.org"])
    issue_id = add_issue_for(engine, ["police"])
    server = faulty_smtp_server(Faults(unknown=tuple(leavers)))
    retry = replace(QUICK, pause_after=10)
    report, _ = send(engine, issue_id, server, tmp_path, retry=retry)
    assert report.paused_reason is None
    assert report.counts == DeliveryCounts(sent=1, bounced=12)
    assert set(received(server)) == {"stayer@example.org"}


def test_552_on_data_fails_that_row_only(engine, issue_id, faulty_smtp_server, tmp_path):
    faults = Faults(data_replies={"dan@example.org": "552 5.3.4 Message size exceeds limit"})
    server = faulty_smtp_server(faults)
    report, _ = send(engine, issue_id, server, tmp_path)
    assert report.counts == DeliveryCounts(sent=4, failed=1)
    dan = ledger(engine)["dan@example.org"]
    assert dan.status == "failed" and dan.attempts == 1 and "552" in dan.last_error
    with engine.connect() as conn:
        assert conn.execute(select(suppressions)).all() == []  # not an unknown user


def test_each_message_is_built_once_while_the_relay_reads_the_one_before(
    engine, issue_id, faulty_smtp_server, tmp_path, monkeypatch
):
    built = []
    build = IssueMessages.build

    def counting(self, row, now):
        built.append(row.address)
        return build(self, row, now)

    monkeypatch.setattr(IssueMessages, "build", counting)
    server = faulty_smtp_server(Faults())
    report, _ = send(engine, issue_id, server, tmp_path)
    assert report.counts == DeliveryCounts(sent=5)
    assert built == PEOPLE  # in order, each once: built ahead and used, never built twice


def test_a_message_that_cannot_be_built_fails_that_row_only(
    engine, issue_id, faulty_smtp_server, tmp_path
):
    # The loop builds each message while the relay reads the one before; a row whose message
    # cannot be built (a line break in a name, which no import lets in) fails in its own turn.
    with engine.begin() as conn:
        conn.execute(
            update(recipients)
            .where(recipients.c.address == "cat@example.org")
            .values(name="Cat\r\nBcc: everyone@example.net")
        )
    server = faulty_smtp_server(Faults())
    report, _ = send(engine, issue_id, server, tmp_path)
    assert report.counts == DeliveryCounts(sent=4, failed=1)
    assert received(server) == Counter({a: 1 for a in PEOPLE if a != "cat@example.org"})
    cat = ledger(engine)["cat@example.org"]
    assert cat.status == "failed" and "line break" in cat.last_error


def test_an_issue_whose_messages_cannot_be_built_is_paused_with_the_reason(
    engine, issue_id, faulty_smtp_server, tmp_path
):
    # `check` and `schedule` refuse such a sender; a database edited by hand could still hold
    # one. The issue must say why in `status`, not stay "scheduled" while the worker retries.
    with engine.begin() as conn:
        conn.execute(
            update(issues).values(sender="Comms <comms@example.org>\r\nBcc: x@example.net")
        )
    server = faulty_smtp_server(Faults())
    report, _ = send(engine, issue_id, server, tmp_path)
    assert report.paused_reason.startswith(PAUSED_BY_LOOP + "its messages cannot be built: ")
    assert server.messages() == []
    with engine.connect() as conn:
        state, reason = conn.execute(select(issues.c.state, issues.c.state_reason)).one()
    assert (state, reason) == ("paused", report.paused_reason)


def test_a_dropped_connection_during_data_loses_nothing(
    engine, issue_id, faulty_smtp_server, tmp_path
):
    server = faulty_smtp_server(Faults(drop_during_data=2))
    report, _ = send(engine, issue_id, server, tmp_path)
    assert report.counts == DeliveryCounts(sent=5)
    assert received(server) == Counter(PEOPLE)


def test_a_drop_after_the_message_arrived_is_an_unknown_outcome_not_a_duplicate(
    engine, issue_id, faulty_smtp_server, tmp_path
):
    # The server kept the message but the reply never came: the sender cannot know, so the row
    # is unknown and nobody gets a second copy; the others go on a new connection.
    server = faulty_smtp_server(Faults(drop_after_data=1))
    report, _ = send(engine, issue_id, server, tmp_path)
    assert report.counts == DeliveryCounts(sent=4, unknown=1)
    assert report.paused_reason is None
    assert received(server) == Counter(PEOPLE)
    (unknown,) = [row for row in ledger(engine).values() if row.status == "unknown"]
    assert unknown.attempts == 1 and "dropped the connection after the end" in unknown.last_error
    # Its Message-ID is kept: a delivery report naming it settles the row, a person can look it up
    (kept,) = [m for m in server.messages() if m.rcpt_tos[0] == unknown.address]
    assert kept.message["Message-ID"] == unknown.message_id


def test_a_stalled_server_times_out_and_is_retried(engine, issue_id, faulty_smtp_server, tmp_path):
    server = faulty_smtp_server(Faults(stall_on="MAIL", stall_seconds=1.5, stall_times=1))
    report, _ = send(engine, issue_id, server, tmp_path, timeout=0.5)
    assert report.counts == DeliveryCounts(sent=5)
    rows = ledger(engine)
    assert rows["ann@example.org"].attempts == 2
    assert received(server) == Counter(PEOPLE)


def test_a_server_stalled_after_the_message_leaves_it_unknown_and_sends_it_once(
    engine, issue_id, faulty_smtp_server, tmp_path
):
    # Stalled after the message text: the sender cannot know whether the relay keeps it (this
    # one drops it when the client hangs up), so it is not retried: nobody gets it twice.
    server = faulty_smtp_server(Faults(stall_on="DATA", stall_seconds=1.5, stall_times=1))
    report, _ = send(engine, issue_id, server, tmp_path, timeout=0.5)
    assert report.counts == DeliveryCounts(sent=4, unknown=1)
    rows = ledger(engine)
    assert rows["ann@example.org"].status == "unknown" and rows["ann@example.org"].attempts == 1
    counts = received(server)
    assert set(PEOPLE) - {"ann@example.org"} <= set(counts) and max(counts.values()) == 1


def test_a_refused_login_pauses_the_issue_and_sends_nothing(
    engine, issue_id, faulty_smtp_server, tmp_path
):
    server = faulty_smtp_server(Faults(reject_auth=ALWAYS), credentials=("relay-user", "secret"))
    report, _ = send(engine, issue_id, server, tmp_path)
    assert report.paused_reason.startswith(PAUSED_BY_LOOP)
    assert "535" in report.paused_reason
    assert report.counts == DeliveryCounts(queued=5)
    assert server.messages() == [] and server.connections() == 1  # nothing burned through
    assert all(row.attempts == 0 and row.claimed_by is None for row in ledger(engine).values())
    with engine.connect() as conn:
        issue = conn.execute(select(issues.c.state, issues.c.state_reason)).one()
    assert tuple(issue) == ("paused", report.paused_reason)

    # Once the login is fixed, the same call picks up where it stopped (resuming is the
    # caller's decision: send_issue starts a paused issue).
    server.set_faults(Faults())
    report, _ = send(engine, issue_id, server, tmp_path)
    assert report.counts == DeliveryCounts(sent=5) and received(server) == Counter(PEOPLE)


def test_a_run_of_failures_pauses_instead_of_burning_through_the_list(
    engine, faulty_smtp_server, tmp_path
):
    add_list(engine, "police")
    add_people(engine, "police", [f"person{n:02d}@example.org" for n in range(30)])
    issue_id = add_issue_for(engine, ["police"])
    server = faulty_smtp_server(Faults(temporary={"*": ALWAYS}))
    retry = replace(QUICK, delays=(timedelta(hours=1),), pause_after=10)
    report, _ = send(engine, issue_id, server, tmp_path, retry=retry)
    assert report.paused_reason.startswith(PAUSED_BY_LOOP + "10 failures in a row, the last: ")
    assert report.counts == DeliveryCounts(queued=30)  # 10 waiting for a retry, 20 untouched
    attempted = [row for row in ledger(engine).values() if row.attempts]
    assert len(attempted) == 10
