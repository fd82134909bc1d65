"""The graph transport against a stand-in for Graph's sendMail and the token endpoint (127.0.0.1).

The stand-in (tests/m365_server.py) takes only the documented MIME request and gives the
documented answers; canned answers play throttling and refusals. The contract itself is in
test_transports.py, with the other transports.
"""

from __future__ import annotations

import time
from email import policy
from email.parser import BytesParser

import pytest
from ledger_rows import add_issue_for, add_list, add_people
from m365_server import MAILBOX, Canned, M365Server, Waits
from sqlalchemy import select

from briefcast.delivery.oauth import GRAPH_SCOPE, TokenSource
from briefcast.delivery.sender import PAUSED_BY_LOOP, send_issue
from briefcast.delivery.transports import (
    Envelope,
    GraphTransport,
    PermanentFailure,
    TemporaryFailure,
    TransportUnavailable,
)
from briefcast.settings import GraphSettings, Settings
from briefcast.store.ledger import DeliveryCounts
from briefcast.store.schema import deliveries, issues, recipients

ANN = "ann@example.org"
PEOPLE = [f"{name}@example.org" for name in ("ann", "bob", "cat", "dan")]
UNSUBSCRIBE = "<https://briefcast.example.org/u/abc>"


def message(to: str = ANN, extra: str = "") -> bytes:
    return (
        f"From: Safeguarding Partnership <{MAILBOX}>\r\nTo: Ann Example <{to}>\r\n{extra}"
        f"Subject: Part 1 of 6\r\nList-Unsubscribe: {UNSUBSCRIBE}\r\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\nHello.\r\n"
    ).encode()


def graph(cloud: M365Server, mailbox: str = MAILBOX, **options) -> GraphTransport:
    tokens = TokenSource(cloud.oauth(), GRAPH_SCOPE, timeout=5)
    return GraphTransport(GraphSettings(mailbox, cloud.graph_url, timeout=5), tokens, **options)


def test_every_header_arrives_as_written(cloud):
    data = message()
    graph(cloud).send(Envelope(MAILBOX, ANN), data)
    [(recipient, received)] = cloud.sent
    assert (recipient, received) == (ANN, data)
    parsed = BytesParser(policy=policy.default).parsebytes(received)
    assert parsed["List-Unsubscribe"] == UNSUBSCRIBE
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_throttled_send_waits_as_retry_after_asks(cloud):
    cloud.answers.append(Canned(429, {"Retry-After": "1"}, ("ApplicationThrottled", "slow down")))
    transport = graph(cloud)
    started = time.monotonic()
    transport.send(Envelope(MAILBOX, ANN), message())
    assert time.monotonic() - started >= 1.0
    assert [recipient for recipient, _ in cloud.sent] == [ANN]
    assert cloud.sendmail_requests == 2


def test_throttling_that_goes_on_is_temporary_after_a_few_tries(cloud):
    cloud.answers.extend([Canned(503, {"Retry-After": "2"})] * 4)
    waits = Waits()
    with pytest.raises(TemporaryFailure, match="503") as caught:
        graph(cloud, sleep=waits).send(Envelope(MAILBOX, ANN), message())
    assert waits == [2, 2, 2] and cloud.sendmail_requests == 4 and cloud.sent == []
    assert "asked to wait 2 s" in str(caught.value)


def test_a_long_retry_after_is_left_to_the_send_loop(cloud):
    cloud.answers.append(Canned(429, {"Retry-After": "3600"}))
    waits = Waits()
    with pytest.raises(TemporaryFailure, match="asked to wait 3600 s"):
        graph(cloud, sleep=waits).send(Envelope(MAILBOX, ANN), message())
    assert waits == [] and cloud.sendmail_requests == 1


def test_a_revoked_token_is_renewed_once(cloud):
    transport = graph(cloud)
    transport.send(Envelope(MAILBOX, ANN), message())
    cloud.revoke()
    transport.send(Envelope(MAILBOX, "bob@example.org"), message("bob@example.org"))
    assert len(cloud.tokens) == 2 and len(cloud.sent) == 2


def test_a_token_refused_twice_makes_the_transport_unavailable(cloud):
    refused = Canned(401, error=("InvalidAuthenticationToken", "Access token is invalid."))
    cloud.answers.extend([refused, refused])
    with pytest.raises(TransportUnavailable, match=r"Mail\.Send") as caught:
        graph(cloud).send(Envelope(MAILBOX, ANN), message())
    assert "401 InvalidAuthenticationToken: Access token is invalid." in str(caught.value)
    assert len(cloud.tokens) == 2 and cloud.sent == []


@pytest.mark.parametrize(
    ("answer", "failure", "expected"),
    [
        (
            Canned(403, error=("ErrorAccessDenied", "Access is denied.")),
            TransportUnavailable,
            "access policy lets it send as learning@example.org",
        ),
        (
            Canned(400, error=("ErrorMimeContentInvalid", "The MIME content is invalid.")),
            PermanentFailure,
            "ann@example.org: Graph answered 400 ErrorMimeContentInvalid",
        ),
        (Canned(413), PermanentFailure, "Graph answered 413"),
        (Canned(500, error=("ErrorInternalServerError", "oops")), TemporaryFailure, "500"),
    ],
)
def test_answers_become_the_contract_failures(cloud, answer, failure, expected):
    cloud.answers.append(answer)
    with pytest.raises(failure, match=expected) as caught:
        graph(cloud).send(Envelope(MAILBOX, ANN), message())
    assert type(caught.value) is failure
    assert "\n" not in str(caught.value) and cloud.sent == []


def test_another_mailbox_is_not_found(cloud):
    with pytest.raises(TransportUnavailable, match="BRIEFCAST_GRAPH_MAILBOX") as caught:
        graph(cloud, "someone.else@example.org").send(Envelope(MAILBOX, ANN), message())
    assert "404 ErrorInvalidUser" in str(caught.value)


def test_a_copy_to_anyone_else_is_refused_before_sending(cloud):
    data = message(extra="Cc: everyone@example.net\r\n")
    with pytest.raises(PermanentFailure, match=r"everyone@example\.net"):
        graph(cloud).send(Envelope(MAILBOX, ANN), data)
    assert cloud.sendmail_requests == 0


def test_a_wrong_client_secret_sends_nothing(cloud):
    tokens = TokenSource(cloud.oauth(client_secret="wrong"), GRAPH_SCOPE, timeout=5)
    transport = GraphTransport(GraphSettings(MAILBOX, cloud.graph_url, timeout=5), tokens)
    with pytest.raises(TransportUnavailable, match="AADSTS7000215"):
        transport.send(Envelope(MAILBOX, ANN), message(), meanwhile=pytest.fail)
    assert cloud.sendmail_requests == 0


def test_graph_unreachable_is_temporary(cloud):
    transport = graph(cloud)
    transport.tokens.token()
    cloud.__exit__()  # Graph goes away (the token is kept)
    with pytest.raises(TemporaryFailure, match="refused the connection"):
        transport.send(Envelope(MAILBOX, ANN), message())


# -- the send loop over Graph ------------------------------------------------------------------


@pytest.fixture
def issue_id(engine):
    add_list(engine, "police")
    add_people(engine, "police", PEOPLE)
    return add_issue_for(engine, ["police"])


def run(engine, issue_id, transport: GraphTransport, tmp_path):
    settings = Settings(
        database_url=str(engine.url),
        outbox=tmp_path / "outbox",
        base_url="https://briefcast.example.org",
        transport="graph",
        graph=transport.settings,
    )
    return send_issue(engine, issue_id, transport, settings, worker_id="w1")


def test_the_send_loop_sends_an_issue_through_graph(engine, issue_id, cloud, tmp_path):
    report = run(engine, issue_id, graph(cloud), tmp_path)
    assert report.counts == DeliveryCounts(sent=4)
    assert sorted(recipient for recipient, _ in cloud.sent) == PEOPLE
    for recipient, data in cloud.sent:
        parsed = BytesParser(policy=policy.default).parsebytes(data)
        assert parsed["To"].addresses[0].addr_spec == recipient
        assert parsed["List-Unsubscribe"] and parsed["List-Unsubscribe-Post"]
    assert len(cloud.tokens) == 1  # one token for the whole issue


def test_access_denied_pauses_the_issue(engine, issue_id, cloud, tmp_path):
    cloud.answers.append(Canned(403, error=("ErrorAccessDenied", "Access is denied.")))
    report = run(engine, issue_id, graph(cloud), tmp_path)
    assert report.counts == DeliveryCounts(queued=4) and cloud.sent == []
    assert report.paused_reason.startswith(PAUSED_BY_LOOP + "Graph answered 403 ErrorAccessDenied")
    with engine.connect() as conn:
        assert conn.execute(select(issues.c.state)).scalar_one() == "paused"


def test_no_answer_to_a_whole_sendmail_leaves_that_row_unknown_and_unsent_again(
    engine, issue_id, cloud, tmp_path
):
    # Graph took Bob's request whole and the connection dropped before its 202: perhaps sent.
    cloud.unanswered.add("bob@example.org")
    report = run(engine, issue_id, graph(cloud), tmp_path)
    assert report.counts == DeliveryCounts(sent=3, unknown=1)
    with engine.connect() as conn:
        state = conn.execute(select(issues.c.state)).scalar_one()
        status, error = conn.execute(
            select(deliveries.c.status, deliveries.c.last_error)
            .join(recipients)
            .where(recipients.c.address == "bob@example.org")
        ).one()
    assert state == "sent"  # only an unknown outcome left: the issue is finished
    assert status == "unknown" and "may have been sent" in error
    cloud.unanswered.clear()
    again = run(engine, issue_id, graph(cloud), tmp_path)  # a re-run sends nobody again
    assert again.counts == DeliveryCounts(sent=3, unknown=1)
    assert sorted(recipient for recipient, _ in cloud.sent) == PEOPLE  # Bob's once
