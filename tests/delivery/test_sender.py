"""The send loop with the memory transport: everyone once, headers, tokens, re-runs, stop."""

from __future__ import annotations

import subprocess
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from ledger_rows import add_issue_for, add_list, add_people, people
from sqlalchemy import select

from briefcast.delivery.limits import RateLimiter
from briefcast.delivery.sender import RetryPolicy, send_issue
from briefcast.delivery.tokens import Purpose, Signer, signing_key
from briefcast.delivery.transports.base import TransportUnavailable
from briefcast.delivery.transports.memory import MemoryTransport
from briefcast.errors import BriefcastError
from briefcast.settings import DkimSettings, RateLimits, Settings
from briefcast.store.audit import Actor, history
from briefcast.store.engine import read
from briefcast.store.ledger import DeliveryCounts, delivery_counts
from briefcast.store.schema import IssueState, deliveries, issues, recipients


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        outbox=tmp_path / "outbox",
        base_url="https://briefcast.example.org",
        transport="memory",
    )


@pytest.fixture
def issue_id(engine):
    add_list(engine, "police", "Police and partners")
    add_list(engine, "schools", "Designated safeguarding leads", unsubscribe_offered=False)
    add_people(engine, "police", [("ann@example.org", "Ann Ávila"), ("bob@example.org", None)])
    add_people(engine, "schools", [("bob@example.org", None), ("cat@example.net", "Cat Chen")])
    return add_issue_for(engine, ["police", "schools"])


def send(engine, issue_id, settings, transport=None, **options):
    transport = transport or MemoryTransport()
    report = send_issue(engine, issue_id, transport, settings, worker_id="worker-1", **options)
    return report, transport


def ledger_rows(engine, issue_id):
    query = (
        select(recipients.c.address, deliveries)
        .select_from(deliveries.join(recipients))
        .where(deliveries.c.issue_id == issue_id)
        .order_by(recipients.c.address)
    )
    with engine.connect() as conn:
        return {row.address: row for row in conn.execute(query)}


def test_everyone_once_with_their_name_list_and_links(engine, settings, issue_id):
    report, transport = send(engine, issue_id, settings)

    assert report.counts == DeliveryCounts(sent=3)
    assert report.paused_reason is None and report.waiting_until is None
    by_address = {sent.envelope.recipient: sent for sent in transport.outbox}
    assert sorted(by_address) == ["ann@example.org", "bob@example.org", "cat@example.net"]
    assert {sent.envelope.sender for sent in transport.outbox} == {"learning@example.org"}

    ann = by_address["ann@example.org"].message
    assert str(ann["To"]) == "Ann Ávila <ann@example.org>"
    assert ann["Subject"] == "Part 1 of 6: Optimistic thinking"
    assert ann["Message-ID"].endswith("@example.org>")
    assert (
        ann["List-Id"].strip()
        == '"Learning from serious case reviews" <national-panel-2020.example.org>'
    )
    text = ann.get_body(("plain",)).get_content()
    assert "Dear Ann Ávila," in text and "through Police and partners." in text
    assert "Dear Ann Ávila," in ann.get_body(("html",)).get_content()
    # Bob is on both lists: reached through the first, and without a name: "colleague".
    assert (
        "Dear colleague,"
        in by_address["bob@example.org"].message.get_body(("plain",)).get_content()
    )

    rows = ledger_rows(engine, issue_id)
    with engine.begin() as conn:
        signer = Signer(signing_key(conn, settings.secret_key))
    for address, sent in by_address.items():
        row = rows[address]
        assert row.status == "sent" and row.attempts == 1 and row.sent_at is not None
        assert row.message_id == sent.message["Message-ID"]
        body = sent.message.get_body(("plain",)).get_content()
        for purpose, prefix in [
            (Purpose.UNSUBSCRIBE, "/u/"),
            (Purpose.ACKNOWLEDGE, "/a/"),
            (Purpose.VIEW, "/v/"),
        ]:
            url = next(line.split(": ", 1)[1] for line in body.splitlines() if prefix in line)
            assert url.startswith("https://briefcast.example.org" + prefix)
            assert signer.read(purpose, url.rsplit("/", 1)[1]) == row.id
            assert address not in url
    with engine.connect() as conn:
        issue = conn.execute(select(issues).where(issues.c.id == issue_id)).one()
    assert issue.state == IssueState.SENT.value and issue.audience_size == 3
    assert issue.started_at is not None and issue.finished_at is not None


def test_list_unsubscribe_only_where_the_list_offers_it(engine, settings, issue_id):
    _, transport = send(engine, issue_id, settings)
    by_address = {sent.envelope.recipient: sent.message for sent in transport.outbox}
    ann, cat = by_address["ann@example.org"], by_address["cat@example.net"]
    unsubscribe = " ".join(ann["List-Unsubscribe"].split())  # unfolded
    assert unsubscribe.startswith("<https://briefcast.example.org/u/")
    assert "mailto:" not in unsubscribe  # nothing reads that mailbox: only the one-click link
    assert ann["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert cat["List-Unsubscribe"] is None and cat["List-Unsubscribe-Post"] is None
    assert "through Designated safeguarding leads." in cat.get_body(("plain",)).get_content()


def test_running_again_sends_nothing_new(engine, settings, issue_id):
    send(engine, issue_id, settings)
    report, transport = send(engine, issue_id, settings)
    assert transport.outbox == [] and report.counts == DeliveryCounts(sent=3)
    # Even an issue put back to sending (a re-schedule, a resume) repeats no recorded row.
    with engine.begin() as conn:
        conn.execute(issues.update().values(state=IssueState.SENDING.value))
    report, transport = send(engine, issue_id, settings)
    assert transport.outbox == [] and report.counts == DeliveryCounts(sent=3)


def test_stop_lets_the_message_in_flight_finish_then_returns(engine, settings):
    add_list(engine, "police")
    add_people(engine, "police", people(120))
    issue_id = add_issue_for(engine, ["police"])
    stop = threading.Event()

    class StopAfterFive(MemoryTransport):
        def send(self, envelope, message, meanwhile=None, idle=None):
            super().send(envelope, message, meanwhile, idle)
            if len(self.outbox) == 5:
                stop.set()  # as SIGTERM would, while the fifth message is in flight

    report, transport = send(engine, issue_id, settings, StopAfterFive(), stop=stop)
    assert len(transport.outbox) == 5
    assert report.counts == DeliveryCounts(queued=115, sent=5)  # nothing left claimed
    with engine.connect() as conn:
        state = conn.execute(select(issues.c.state)).scalar_one()
    assert state == IssueState.SENDING.value

    report, transport = send(engine, issue_id, settings)
    assert len(transport.outbox) == 115 and report.counts == DeliveryCounts(sent=120)
    assert not {s.envelope.recipient for s in transport.outbox} & set(people(5))


def test_progress_is_reported(engine, settings):
    add_list(engine, "police")
    add_people(engine, "police", people(120))
    issue_id = add_issue_for(engine, ["police"])
    seen: list[DeliveryCounts] = []
    fixed = RetryPolicy(batch_size=50, max_batch=50)  # reported after each batch of 50
    send(engine, issue_id, settings, progress=seen.append, progress_every=0, retry=fixed)
    assert [counts.sent for counts in seen] == [50, 100, 120, 120]


def test_suppressed_or_erased_after_resolving_is_skipped(engine, settings, issue_id):
    from briefcast.recipients import suppress
    from briefcast.store.ledger import resolve_audience

    with engine.begin() as conn:
        resolve_audience(conn, issue_id)
    suppress(engine, "ann@example.org", "unsubscribed", list_slug="police")
    with engine.begin() as conn:  # erasure deletes the person; the ledger row stays, anonymous
        conn.execute(recipients.delete().where(recipients.c.address == "cat@example.net"))
    report, transport = send(engine, issue_id, settings)
    assert [s.envelope.recipient for s in transport.outbox] == ["bob@example.org"]
    assert report.counts == DeliveryCounts(sent=1, skipped=2)


def test_a_cancelled_issue_sends_nothing(engine, settings, issue_id):
    with engine.begin() as conn:
        conn.execute(issues.update().values(state="cancelled", state_reason="cancelled by Alex"))
    report, transport = send(engine, issue_id, settings)
    assert transport.outbox == [] and report.paused_reason == "cancelled by Alex"


def test_dkim_signs_each_message_over_the_list_headers(engine, settings, issue_id, tmp_path):
    key = tmp_path / "dkim.pem"
    subprocess.run(
        ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
        check=True,
        stdout=key.open("wb"),
        stderr=subprocess.DEVNULL,
    )
    signed = replace(settings, dkim=DkimSettings(key, "briefcast", "example.org"))
    report, transport = send(engine, issue_id, signed)
    assert report.counts == DeliveryCounts(sent=3)
    ann = next(s.message for s in transport.outbox if s.envelope.recipient == "ann@example.org")
    signature = " ".join(ann["DKIM-Signature"].split())
    assert "d=example.org" in signature and "s=briefcast" in signature
    assert "list-unsubscribe" in signature.lower() and "list-unsubscribe-post" in signature.lower()


def test_an_unusable_dkim_key_is_one_error_before_anything_is_sent(
    engine, settings, issue_id, tmp_path
):
    key = tmp_path / "dkim.pem"
    key.write_text("not a key")
    broken = replace(settings, dkim=DkimSettings(key, "briefcast", "example.org"))
    with pytest.raises(BriefcastError, match=r"dkim\.pem"):
        send(engine, issue_id, broken)
    with engine.connect() as conn:
        assert delivery_counts(conn, issue_id) == DeliveryCounts()  # not even resolved
        assert conn.execute(select(issues.c.state)).scalar_one() == IssueState.SCHEDULED.value


def test_a_batch_holds_about_a_second_of_sending_within_its_bounds():
    retry = RetryPolicy()
    assert retry.next_batch_size(50, 0.25) == 200  # a fast relay: a second's worth
    assert retry.next_batch_size(50, 0.001) == 500  # never more than max_batch
    assert retry.next_batch_size(50, 10.0) == 50  # a slow relay: never fewer than batch_size
    assert retry.next_batch_size(50, 0.0) == 500  # a clock that did not move: no division by 0
    limiter = RateLimiter(RateLimits(per_minute=30))
    assert limiter.batch_size(retry.next_batch_size(50, 0.25)) == 30  # a minute's allowance


def _moves(engine, issue_id):
    with read(engine) as conn:
        return [(e.from_state, e.to_state, e.actor) for e in history(conn, issue_id=issue_id)]


def test_the_start_is_the_callers_and_the_finish_the_loops(engine, settings, issue_id):
    person = Actor.person("Alex Example")
    send(engine, issue_id, settings, actor=person)
    assert _moves(engine, issue_id) == [
        ("scheduled", "sending", person),
        ("sending", "sent", Actor.process("worker worker-1")),
    ]


class _RelayRefusing(MemoryTransport):
    def send(self, envelope, message, meanwhile=None, idle=None):  # type: ignore[no-untyped-def]
        raise TransportUnavailable("535 authentication failed")


def test_a_pause_by_the_loop_is_recorded_as_the_loops_with_why(engine, settings, issue_id):
    report, _ = send(engine, issue_id, settings, transport=_RelayRefusing())
    worker = Actor.process("worker worker-1")
    assert _moves(engine, issue_id) == [
        ("scheduled", "sending", worker),
        ("sending", "paused", worker),
    ]
    with read(engine) as conn:
        assert history(conn, issue_id=issue_id)[-1].reason == report.paused_reason
    assert report.paused_reason.endswith("535 authentication failed")
