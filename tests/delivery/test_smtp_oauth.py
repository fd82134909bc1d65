"""The smtp transport logging in with XOAUTH2, and what a relay that wants OAuth says.

Real components: the relay is aiosmtpd in another process (tests/smtp_server.py) that checks the
SASL XOAUTH2 exchange and the token itself (signature, audience, role, mailbox), as Exchange
Online does; the tokens come from the HTTP token endpoint of tests/m365_server.py.
"""

from __future__ import annotations

import pytest
from ledger_rows import add_issue_for, add_list, add_people
from m365_server import MAILBOX, TOKEN_KEY, Clock
from smtp_server import ALWAYS, Faults, XOAuth2
from sqlalchemy import select

from briefcast.delivery.oauth import GRAPH_SCOPE, SMTP_SCOPE, TokenSource
from briefcast.delivery.sender import PAUSED_BY_LOOP, send_issue
from briefcast.delivery.transports import (
    Envelope,
    TemporaryFailure,
    TransportUnavailable,
)
from briefcast.delivery.transports.smtp import SmtpTransport
from briefcast.settings import Settings
from briefcast.store.ledger import DeliveryCounts
from briefcast.store.schema import issues

ANN, BOB = "ann@example.org", "bob@example.org"
PEOPLE = [f"{name}@example.org" for name in ("ann", "bob", "cat")]
BASIC_AUTH_OFF = "550 5.7.30 Basic authentication is not supported for Client Submission"


def message(to: str) -> bytes:
    return f"From: {MAILBOX}\r\nTo: {to}\r\nSubject: Part 1 of 6\r\n\r\nHello.\r\n".encode()


def send(transport: SmtpTransport, recipient: str) -> None:
    transport.send(Envelope(MAILBOX, recipient), message(recipient))


@pytest.fixture
def relay(faulty_smtp_server):
    """An OAuth-only relay for MAILBOX, trusting the stand-in token endpoint's tokens."""
    return faulty_smtp_server(xoauth2=XOAuth2(TOKEN_KEY, MAILBOX))


def transport_for(relay, cloud, scope: str = SMTP_SCOPE, **options) -> SmtpTransport:
    return SmtpTransport(relay.settings(), tokens=TokenSource(cloud.oauth(), scope, **options))


def test_logs_in_with_xoauth2_and_sends(relay, cloud):
    with transport_for(relay, cloud) as transport:
        send(transport, ANN)
        send(transport, BOB)
    assert [received.rcpt_tos for received in relay.messages()] == [(ANN,), (BOB,)]
    [login] = relay.logins()
    assert login["user"] == MAILBOX and login["jti"] == cloud.tokens[0]["jti"]
    assert transport.tokens.requests == 1


def test_a_token_for_another_resource_is_refused_by_the_relay(relay, cloud):
    # A Graph token has the wrong audience for SMTP: the relay's own check refuses it.
    transport = transport_for(relay, cloud, GRAPH_SCOPE)
    with pytest.raises(TransportUnavailable) as caught:
        send(transport, ANN)
    message = str(caught.value)
    assert message.startswith("535 5.7.3 Authentication unsuccessful: ")
    assert message.count("535") == 1 and "SMTP.SendAsApp" in message and "\n" not in message
    assert transport.tokens.requests == 2  # one new token was tried before giving up
    assert relay.connections() == 2 and relay.messages() == [] and relay.logins() == []


def test_a_535_gets_one_new_token_on_a_new_connection(faulty_smtp_server, cloud):
    relay = faulty_smtp_server(Faults(reject_auth=1), xoauth2=XOAuth2(TOKEN_KEY, MAILBOX))
    with transport_for(relay, cloud) as transport:
        send(transport, ANN)
    assert [received.rcpt_tos for received in relay.messages()] == [(ANN,)]
    assert len(cloud.tokens) == 2 and relay.connections() == 2
    assert [login["jti"] for login in relay.logins()] == [cloud.tokens[1]["jti"]]


def test_a_token_near_its_end_is_renewed_for_the_next_connection(relay, cloud):
    clock = Clock()
    transport = transport_for(relay, cloud, clock=clock)
    send(transport, ANN)
    transport.close()
    clock.now += 3599 - 300  # five minutes left: renewed before the relay could refuse it
    send(transport, BOB)
    transport.close()
    assert [login["jti"] for login in relay.logins()] == [t["jti"] for t in cloud.tokens]
    assert len(cloud.tokens) == 2 and len(relay.messages()) == 2


def test_a_relay_without_xoauth2_says_so(faulty_smtp_server, cloud):
    relay = faulty_smtp_server(credentials=("relay-user", "secret"))  # LOGIN and PLAIN only
    settings = relay.settings(username=MAILBOX, password=None, auth="oauth2")
    transport = SmtpTransport(settings, tokens=TokenSource(cloud.oauth(), SMTP_SCOPE))
    with pytest.raises(TransportUnavailable, match="does not offer AUTH XOAUTH2"):
        send(transport, ANN)
    assert cloud.tokens == []  # no token asked for a relay that cannot take it


def test_a_token_endpoint_that_is_down_is_temporary(relay, cloud):
    cloud.token_failures.append((503, {"error": "temporarily_unavailable"}))
    transport = transport_for(relay, cloud)
    with pytest.raises(TemporaryFailure, match="token endpoint"):
        send(transport, ANN)
    send(transport, ANN)  # the endpoint is back
    transport.close()
    assert len(relay.messages()) == 1


# -- the send loop: what pauses an issue, and how it reads -------------------------------------


@pytest.fixture
def issue_id(engine):
    add_list(engine, "police")
    add_people(engine, "police", PEOPLE)
    return add_issue_for(engine, ["police"])


def run(engine, issue_id, transport: SmtpTransport, tmp_path):
    settings = Settings(
        database_url=str(engine.url),
        outbox=tmp_path / "outbox",
        base_url="https://briefcast.example.org",
        transport="smtp",
        smtp=transport.settings,
    )
    return send_issue(engine, issue_id, transport, settings, worker_id="w1")


def state(engine) -> tuple[str, str]:
    with engine.connect() as conn:
        return tuple(conn.execute(select(issues.c.state, issues.c.state_reason)).one())


def test_the_send_loop_sends_the_issue_over_xoauth2(engine, issue_id, relay, cloud, tmp_path):
    report = run(engine, issue_id, transport_for(relay, cloud), tmp_path)
    assert report.counts == DeliveryCounts(sent=3)
    assert sorted(received.rcpt_tos[0] for received in relay.messages()) == PEOPLE


def test_a_token_refused_twice_pauses_the_issue_saying_what_to_configure(
    engine, issue_id, faulty_smtp_server, cloud, tmp_path
):
    relay = faulty_smtp_server(Faults(reject_auth=ALWAYS), xoauth2=XOAuth2(TOKEN_KEY, MAILBOX))
    report = run(engine, issue_id, transport_for(relay, cloud), tmp_path)
    assert report.counts == DeliveryCounts(queued=3) and relay.messages() == []
    assert len(cloud.tokens) == 2  # renewed once, then paused
    reason = report.paused_reason
    assert reason.startswith(PAUSED_BY_LOOP + "535 ") and reason.count("535") == 1
    assert "SMTP.SendAsApp" in reason and "docs/microsoft365.md" in reason
    assert state(engine) == ("paused", reason)


def test_basic_authentication_refused_pauses_with_how_to_switch(
    engine, issue_id, faulty_smtp_server, tmp_path
):
    relay = faulty_smtp_server(Faults(auth_reply=BASIC_AUTH_OFF), credentials=("u", "p"))
    report = run(engine, issue_id, SmtpTransport(relay.settings()), tmp_path)
    assert report.counts == DeliveryCounts(queued=3) and relay.messages() == []
    reason = report.paused_reason
    assert reason == (
        f"{PAUSED_BY_LOOP}{BASIC_AUTH_OFF}: the relay no longer accepts a password; set "
        "BRIEFCAST_SMTP_AUTH=oauth2 with the BRIEFCAST_OAUTH_* settings, or "
        "BRIEFCAST_TRANSPORT=graph (see docs/microsoft365.md)"
    )
    assert "PASSWORD" not in reason  # not the wrong fix
    assert state(engine) == ("paused", reason)


def test_basic_authentication_refused_after_the_login_pauses_too(
    engine, issue_id, faulty_smtp_server, tmp_path
):
    # Where a relay takes the password but refuses the message with 5.7.30 instead.
    relay = faulty_smtp_server(Faults(data_replies={"*": BASIC_AUTH_OFF}), credentials=("u", "p"))
    report = run(engine, issue_id, SmtpTransport(relay.settings()), tmp_path)
    assert report.counts == DeliveryCounts(queued=3)  # not failed: nothing is wrong with them
    assert "BRIEFCAST_SMTP_AUTH=oauth2" in report.paused_reason
    assert report.paused_reason.count("550") == 1
