"""The smtp transport against a faulty relay: each fault becomes the right failure, or a retry.

Every server here is a real aiosmtpd process (tests/smtp_server.py) told what to get wrong.
"""

from __future__ import annotations

import smtplib
import ssl

import pytest
from smtp_server import ALWAYS, Faults

from briefcast.delivery.transports import (
    Envelope,
    OutcomeUnknown,
    PermanentFailure,
    TemporaryFailure,
    TransportUnavailable,
)
from briefcast.delivery.transports.smtp import (
    ConnectionLost,
    SmtpTransport,
    dot_stuffed,
    enhanced_status,
)

SENDER = "learning@example.org"
ANN, BOB, CAL = "ann@example.org", "bob@example.org", "cal@example.org"


def message(subject: str = "Part 1 of 6: Optimistic thinking", body: str = "Hello.") -> bytes:
    return (
        f"From: Safeguarding Partnership <{SENDER}>\r\nTo: someone@example.org\r\n"
        f"Subject: {subject}\r\nMessage-ID: <{abs(hash(subject + body))}@example.org>\r\n"
        f"\r\n{body}\r\n"
    ).encode()


def send(transport: SmtpTransport, recipient: str, data: bytes | None = None) -> None:
    transport.send(Envelope(SENDER, recipient), data or message())


def recipients(server) -> list[str]:
    return [received.rcpt_tos[0] for received in server.messages()]


# -- connection reuse and what arrives ---------------------------------------------------------


def test_one_connection_carries_many_messages(smtp_server):
    with SmtpTransport(smtp_server.settings()) as transport:
        for number in range(20):
            send(transport, f"reader{number}@example.org")
    received = smtp_server.messages()
    assert len(received) == 20
    assert smtp_server.connections() == 1
    assert len({message.connection for message in received}) == 1


def test_a_failing_idle_comes_out_unchanged_and_the_next_message_goes(smtp_server):
    failure = ValueError("a bug in the caller's idle work")

    def idle():
        raise failure

    with SmtpTransport(smtp_server.settings()) as transport:
        with pytest.raises(ValueError) as raised:
            transport.send(Envelope(SENDER, ANN), message(), idle=idle)
        assert raised.value is failure
        send(transport, BOB)  # on a new connection: the old one had a reply left unread
    assert smtp_server.connections() == 2
    assert BOB in recipients(smtp_server)


def test_crlf_dots_and_8bit_headers_arrive_intact(smtp_server):
    data = (
        "From: Zoë Ångström <learning@example.org>\r\nSubject: Café — «digest»\r\n"
        "\r\nFirst line\r\n.a line starting with a dot\r\n..two dots\r\n\r\nLast line\r\n"
    ).encode()
    with SmtpTransport(smtp_server.settings()) as transport:
        send(transport, ANN, data)
    [received] = smtp_server.messages()
    assert received.data == data
    assert received.message["Subject"] == "Café — «digest»"


def test_an_international_address_uses_smtputf8(smtp_server):
    with SmtpTransport(smtp_server.settings()) as transport:
        send(transport, "zoë@example.org")
    [received] = smtp_server.messages()
    assert received.rcpt_tos == ("zoë@example.org",)
    assert received.smtputf8


def test_an_international_address_without_smtputf8_is_refused_before_sending(
    faulty_smtp_server,
):
    server = faulty_smtp_server(smtputf8=False)
    with SmtpTransport(server.settings()) as transport:
        with pytest.raises(PermanentFailure, match="SMTPUTF8"):
            send(transport, "zoë@example.org")
        send(transport, ANN)  # the connection is still good
    assert recipients(server) == [ANN]


# -- 421 -----------------------------------------------------------------------------------------


def test_421_at_connect_is_temporary_and_the_next_try_succeeds(faulty_smtp_server):
    server = faulty_smtp_server(Faults(refuse_connections=1))
    transport = SmtpTransport(server.settings())
    with pytest.raises(TemporaryFailure) as caught:
        send(transport, ANN)
    assert caught.value.code == 421
    send(transport, ANN)
    transport.close()
    assert recipients(server) == [ANN]
    assert server.connections() == 2


def test_421_after_the_relays_per_connection_limit_reconnects_transparently(faulty_smtp_server):
    server = faulty_smtp_server(Faults(messages_per_connection=2))
    with SmtpTransport(server.settings()) as transport:
        for number in range(5):
            send(transport, f"reader{number}@example.org")
    assert recipients(server) == [f"reader{number}@example.org" for number in range(5)]
    assert [received.connection for received in server.messages()] == [1, 1, 2, 2, 3]


# -- replies to RCPT and DATA ------------------------------------------------------------------


def test_451_is_temporary_and_the_connection_stays_usable(faulty_smtp_server):
    server = faulty_smtp_server(Faults(temporary={BOB: 1}))
    with SmtpTransport(server.settings()) as transport:
        with pytest.raises(TemporaryFailure) as caught:
            send(transport, BOB)
        assert caught.value.code == 451
        assert not isinstance(caught.value, ConnectionLost)
        send(transport, BOB)
        send(transport, CAL)
    assert recipients(server) == [BOB, CAL]
    assert server.connections() == 1


def test_550_5_1_1_is_a_permanent_unknown_user(faulty_smtp_server):
    server = faulty_smtp_server(Faults(unknown=(BOB,)))
    with SmtpTransport(server.settings()) as transport:
        send(transport, ANN)
        with pytest.raises(PermanentFailure) as caught:
            send(transport, BOB)
        send(transport, CAL)
    failure = caught.value
    assert (failure.code, failure.enhanced, failure.unknown_user) == (550, "5.1.1", True)
    assert BOB in str(failure) and "\n" not in str(failure)
    assert recipients(server) == [ANN, CAL]
    assert server.connections() == 1


@pytest.mark.parametrize(
    ("reply", "kind", "enhanced"),
    [
        ("552 5.3.4 Message size exceeds fixed limit", PermanentFailure, "5.3.4"),
        ("554 5.6.0 Message content rejected", PermanentFailure, "5.6.0"),
        ("451 4.3.0 Queue full, try later", TemporaryFailure, None),
    ],
)
def test_a_refused_message_text(faulty_smtp_server, reply, kind, enhanced):
    server = faulty_smtp_server(Faults(data_replies={BOB: reply}))
    with SmtpTransport(server.settings()) as transport:
        with pytest.raises(kind) as caught:
            send(transport, BOB)
        send(transport, CAL)
    assert caught.value.code == int(reply[:3])
    assert getattr(caught.value, "enhanced", None) == enhanced
    assert not getattr(caught.value, "unknown_user", False)
    assert recipients(server) == [CAL]


# -- dropped connections and stalls --------------------------------------------------------------


def test_a_drop_during_data_reconnects_once_and_delivers(faulty_smtp_server):
    server = faulty_smtp_server(Faults(drop_during_data=1))
    with SmtpTransport(server.settings()) as transport:
        send(transport, ANN)
        send(transport, BOB)
    assert recipients(server) == [ANN, BOB]
    assert server.connections() == 2


def test_a_second_drop_is_reported_as_temporary(faulty_smtp_server):
    server = faulty_smtp_server(Faults(drop_during_data=2))
    with SmtpTransport(server.settings()) as transport:
        with pytest.raises(TemporaryFailure, match="dropped the connection"):
            send(transport, ANN)
        send(transport, ANN)  # the transport reconnects for the next message
    assert recipients(server) == [ANN]
    assert server.connections() == 3


def test_a_drop_after_the_end_of_the_message_is_an_unknown_outcome_not_retried(
    faulty_smtp_server,
):
    # The relay kept the message but the reply never came: the transport cannot know, so it
    # says so and does not retry (a retry would deliver a second copy).
    server = faulty_smtp_server(Faults(drop_after_data=ALWAYS))
    with SmtpTransport(server.settings()) as transport:
        with pytest.raises(OutcomeUnknown, match="dropped the connection after the end") as caught:
            send(transport, ANN)
        assert not isinstance(caught.value, TemporaryFailure)
        assert "\n" not in str(caught.value)
        server.set_faults(Faults())
        send(transport, BOB)  # a new connection for the next message
    assert recipients(server) == [ANN, BOB]
    assert server.connections() == 2


@pytest.mark.parametrize("point", ["connect", "EHLO", "MAIL", "RCPT", "DATA"])
def test_a_stalling_relay_is_temporary_and_not_retried_at_once(faulty_smtp_server, point):
    server = faulty_smtp_server(Faults(stall_on=point, stall_seconds=5))
    transport = SmtpTransport(server.settings(timeout=0.3))
    # After the message text (DATA) the relay may still keep it: that outcome is unknown.
    failure = OutcomeUnknown if point == "DATA" else TemporaryFailure
    with pytest.raises(failure, match=r"did not answer within 0\.3 s") as caught:
        send(transport, ANN)
    assert not isinstance(caught.value, ConnectionLost)
    assert server.connections() == 1
    assert server.messages() == []
    transport.close()


# -- login, TLS, the relay's address -------------------------------------------------------------


def test_a_wrong_password_makes_the_transport_unavailable(faulty_smtp_server):
    server = faulty_smtp_server(credentials=("briefcast", "right"))
    transport = SmtpTransport(server.settings(password="wrong"))
    with pytest.raises(TransportUnavailable, match="BRIEFCAST_SMTP_PASSWORD") as caught:
        send(transport, ANN)
    assert caught.value.code == 535
    assert server.messages() == []


def test_535_with_the_right_password_is_unavailable_too(faulty_smtp_server):
    server = faulty_smtp_server(Faults(reject_auth=1), credentials=("briefcast", "right"))
    transport = SmtpTransport(server.settings())
    with pytest.raises(TransportUnavailable):
        send(transport, ANN)
    send(transport, ANN)  # once the relay relents
    transport.close()
    assert recipients(server) == [ANN]


def test_sending_without_the_login_a_relay_requires_is_unavailable(faulty_smtp_server):
    server = faulty_smtp_server(credentials=("briefcast", "right"))
    transport = SmtpTransport(server.settings(username=None, password=None))
    with pytest.raises(TransportUnavailable) as caught:
        send(transport, ANN)
    assert caught.value.code == 530


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_for_real_with_a_login(faulty_smtp_server, security):
    server = faulty_smtp_server(tls=security, credentials=("briefcast", "right"))
    context = ssl.create_default_context(cafile=server.cafile)
    with SmtpTransport(server.settings(), ssl_context=context) as transport:
        send(transport, ANN)
        send(transport, BOB)
    assert recipients(server) == [ANN, BOB]
    assert server.connections() == 1


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_an_untrusted_certificate_makes_the_transport_unavailable(faulty_smtp_server, security):
    server = faulty_smtp_server(tls=security)
    transport = SmtpTransport(server.settings())  # the system's CAs do not know this one
    with pytest.raises(TransportUnavailable, match=r"TLS with the relay .* failed"):
        send(transport, ANN)
    assert server.messages() == []


def test_starttls_required_but_not_offered_is_unavailable(smtp_server):
    transport = SmtpTransport(smtp_server.settings(security="starttls"))
    with pytest.raises(TransportUnavailable, match="does not offer STARTTLS"):
        send(transport, ANN)


def test_implicit_tls_against_a_plain_relay_is_unavailable(smtp_server):
    transport = SmtpTransport(smtp_server.settings(security="tls"))
    with pytest.raises(TransportUnavailable, match="TLS"):
        send(transport, ANN)


def test_nothing_listening_is_unavailable(faulty_smtp_server):
    server = faulty_smtp_server()
    settings = server.settings()
    server.stop()
    with pytest.raises(TransportUnavailable, match="refused the connection"):
        send(SmtpTransport(settings), ANN)


@pytest.mark.parametrize(
    ("reply", "enhanced"),
    [
        ("5.1.1 <ann@example.org>: user unknown", "5.1.1"),
        ("  5.7.1 Relaying denied", "5.7.1"),
        ("4.2.2 Mailbox full", "4.2.2"),
        ("Requested action not taken", None),
        ("Error 5.1.1 later in the line", None),
    ],
)
def test_enhanced_status_codes_are_read_from_the_reply(reply, enhanced):
    assert enhanced_status(reply) == enhanced


@pytest.mark.parametrize(
    "message",
    [b"", b".", b"a\r\n.b\r\n", b"a\n.b", b".\r\n.\r\n", b"x\r\n..\r\n", b"no line end"],
)
def test_dot_stuffing_is_smtplibs(message):
    # The transport speaks DATA itself (smtplib's sendmail parses addresses and runs a regex
    # per message); what goes on the wire must be what smtplib.SMTP.data() would send.
    expected = smtplib._quote_periods(message)
    if expected[-2:] != b"\r\n":
        expected += b"\r\n"
    assert dot_stuffed(message) == expected + b".\r\n"
