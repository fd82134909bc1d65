"""Several SMTP connections per worker: each person once, the limits shared, a pause stops all.

The server is aiosmtpd in another process (tests/smtp_server.py). The crash bound with several
connections is in test_crash.py.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from ledger_rows import add_issue_for, add_list, add_people, people
from smtp_server import ALWAYS, Faults
from sqlalchemy import select

from briefcast.delivery.sender import PAUSED_BY_LOOP, RetryPolicy, send_issue
from briefcast.delivery.transports.smtp import SmtpTransport
from briefcast.settings import RateLimits, Settings, SettingsError
from briefcast.store.ledger import DeliveryCounts, resolve_audience
from briefcast.store.schema import deliveries, utcnow

AUDIENCE = 120
# Small batches: every connection gets rows to send before the first ones have sent them all.
SMALL = RetryPolicy(batch_size=5, max_batch=5)


@pytest.fixture
def issue_id(engine):
    add_list(engine, "police")
    add_people(engine, "police", people(AUDIENCE))
    return add_issue_for(engine, ["police"])


def send(engine, issue_id, server, tmp_path: Path, connections: int, **changes):
    smtp = server.settings(connections=connections)
    settings = Settings(
        database_url=str(engine.url),
        outbox=tmp_path / "outbox",
        base_url="https://briefcast.example.org",
        transport="smtp",
        smtp=smtp,
        **changes,
    )
    transport = SmtpTransport(smtp)
    return send_issue(engine, issue_id, transport, settings, worker_id="w1", retry=SMALL)


def received(server) -> Counter[str]:
    return Counter(address for message in server.messages() for address in message.rcpt_tos)


def claimers(engine) -> set[str | None]:
    with engine.connect() as conn:
        return set(conn.execute(select(deliveries.c.claimed_by)).scalars())


def test_four_connections_send_each_person_once(engine, issue_id, faulty_smtp_server, tmp_path):
    server = faulty_smtp_server(Faults())
    report = send(engine, issue_id, server, tmp_path, connections=4)
    assert report.counts == DeliveryCounts(sent=AUDIENCE)
    assert received(server) == Counter(people(AUDIENCE))
    assert server.connections() == 4
    assert claimers(engine) == {None}  # every claim folded or given back


def test_the_days_cap_is_shared_by_the_connections(engine, issue_id, faulty_smtp_server, tmp_path):
    server = faulty_smtp_server(Faults())
    report = send(engine, issue_id, server, tmp_path, connections=4, limits=RateLimits(per_day=7))
    assert len(server.messages()) == 7
    assert report.counts == DeliveryCounts(sent=7, queued=AUDIENCE - 7)
    assert report.waiting_until is not None and report.paused_reason is None


def test_a_refused_login_pauses_once_and_stops_every_connection(
    engine, issue_id, faulty_smtp_server, tmp_path
):
    server = faulty_smtp_server(Faults(reject_auth=ALWAYS), credentials=("relay-user", "secret"))
    report = send(engine, issue_id, server, tmp_path, connections=3)
    assert report.paused_reason is not None and report.paused_reason.startswith(PAUSED_BY_LOOP)
    assert report.counts == DeliveryCounts(queued=AUDIENCE)
    assert server.messages() == [] and server.connections() <= 3
    assert claimers(engine) == {None}


def test_a_worker_restarted_takes_back_every_connections_claims(
    engine, issue_id, faulty_smtp_server, tmp_path
):
    # As a worker killed mid-send leaves them: rows claimed by its connections 1 and 3.
    with engine.begin() as conn:
        resolve_audience(conn, issue_id)
        ids = conn.execute(select(deliveries.c.id).order_by(deliveries.c.id)).scalars().all()
        for claimer, chunk in (("w1", ids[:5]), ("w1/3", ids[5:10]), ("w10", ids[10:15])):
            conn.execute(
                deliveries.update()
                .where(deliveries.c.id.in_(chunk))
                .values(status="sending", claimed_by=claimer, claimed_at=utcnow())
            )
    server = faulty_smtp_server(Faults())
    report = send(engine, issue_id, server, tmp_path, connections=2)
    # Another worker's ("w10") fresh claims are not ours to take: only its lease frees them.
    assert report.counts == DeliveryCounts(sent=AUDIENCE - 5, sending=5)
    assert claimers(engine) == {None, "w10"}


@pytest.mark.parametrize(
    ("environ", "connections"),
    [
        ({}, 4),
        ({"BRIEFCAST_RELAY_PRESET": "microsoft365"}, 1),
        ({"BRIEFCAST_SMTP_CONNECTIONS": "8"}, 8),
        ({"BRIEFCAST_RELAY_PRESET": "microsoft365", "BRIEFCAST_SMTP_CONNECTIONS": "2"}, 2),
    ],
)
def test_connections_default_from_the_relay_preset(environ, connections):
    base = {"BRIEFCAST_TRANSPORT": "smtp", "BRIEFCAST_SMTP_HOST": "relay.example.org"}
    assert Settings.from_env({**base, **environ}).smtp.connections == connections


@pytest.mark.parametrize("value", ["0", "many"])
def test_a_bad_connection_count_is_one_line(value):
    environ = {
        "BRIEFCAST_TRANSPORT": "smtp",
        "BRIEFCAST_SMTP_HOST": "relay.example.org",
        "BRIEFCAST_SMTP_CONNECTIONS": value,
    }
    with pytest.raises(SettingsError, match="BRIEFCAST_SMTP_CONNECTIONS must be") as error:
        Settings.from_env(environ)
    assert "\n" not in str(error.value)


def test_another_transport_has_its_own_connection(faulty_smtp_server):
    server = faulty_smtp_server(Faults())
    first = SmtpTransport(replace(server.settings(), connections=2))
    second = first.another()
    with first, second:
        pass
    assert second is not first and second.settings == first.settings
    assert server.connections() == 2
