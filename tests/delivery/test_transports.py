"""One contract, every transport: smtp (a real aiosmtpd server in another process), graph (a
stand-in for Microsoft's token endpoint and sendMail on 127.0.0.1), outbox, memory.

Each transport comes with a reader of what it delivered, as (envelope recipient, raw bytes):
the SMTP server's record, what sendMail accepted (Graph has no envelope: the To header), the
Maildir's files (less the Delivered-To line the outbox puts in front), the memory transport's
list. The same tests then run against all four; the transports with a far side that can fall
silent (smtp, graph) also run TestUnknownOutcome.

Contract choice, tested here: send() after close() reopens (a new connection, the folder again),
so a transport can be closed between batches and used again.
"""

from __future__ import annotations

import email.policy
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from digests import SAMPLE_FIELDS, make_digest
from m365_server import MAILBOX, M365Server
from smtp_server import Faults

from briefcast.campaigns.render import render_digest
from briefcast.delivery.message import Addressing, build_message, make_list_id
from briefcast.delivery.oauth import TokenSource
from briefcast.delivery.transports import (
    Envelope,
    GraphTransport,
    MemoryTransport,
    OutboxTransport,
    OutcomeUnknown,
    PermanentFailure,
    SmtpTransport,
    TemporaryFailure,
    Transport,
    TransportUnavailable,
    open_transport,
)
from briefcast.settings import GraphSettings, Settings

SENDER = MAILBOX  # Graph sends from its mailbox; the others take any sender
LIST_ID = make_list_id("Learning from serious case reviews", "national-panel-2020", "example.org")


@dataclass
class Harness:
    transport: Transport
    delivered: Callable[[], list[tuple[str, bytes]]]  # (envelope recipient, bytes) in any order
    # Whether the transport still holds what open() acquired (a connection, a prepared folder).
    # The contract has no public question for it, so this looks at each one's own state.
    holds_open: Callable[[], bool]
    # Makes the far side take this recipient's message whole, then fall silent (drop the
    # connection before its answer); None for a transport with nothing on the other side.
    go_silent_for: Callable[[str], None] | None = None


def outbox_delivered(folder: Path) -> list[tuple[str, bytes]]:
    delivered = []
    for path in (folder / "new").iterdir():
        header, _, data = path.read_bytes().partition(b"\r\n")
        name, _, recipient = header.decode().partition(": ")
        assert name == "Delivered-To"
        delivered.append((recipient, data))
    return delivered


def graph_transport(cloud: M365Server) -> GraphTransport:
    tokens = TokenSource(cloud.oauth(), "https://graph.microsoft.com/.default", timeout=5)
    return GraphTransport(GraphSettings(MAILBOX, cloud.graph_url, timeout=5), tokens)


@pytest.fixture(params=["smtp", "graph", "outbox", "memory"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    harness = make_harness(request.param, request, tmp_path)
    yield harness
    harness.transport.close()


@pytest.fixture(params=["smtp", "graph"])
def remote(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    """The harness of a transport whose far side can fall silent (the outbox cannot stall)."""
    harness = make_harness(request.param, request, tmp_path)
    yield harness
    harness.transport.close()


def make_harness(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Harness:
    if kind == "graph":
        cloud = request.getfixturevalue("cloud")
        # One HTTPS request per message: nothing is held between calls.
        harness = Harness(
            graph_transport(cloud), lambda: list(cloud.sent), lambda: False, cloud.unanswered.add
        )
    elif kind == "smtp":
        server = request.getfixturevalue("smtp_server")
        smtp = SmtpTransport(server.settings())
        harness = Harness(
            smtp,
            lambda: [(m.rcpt_tos[0], m.data) for m in server.messages()],
            lambda: smtp._client is not None,
            lambda recipient: server.set_faults(Faults(unanswered={recipient: "drop"})),
        )
    elif kind == "outbox":
        folder = tmp_path / "outbox"
        outbox = OutboxTransport(folder)
        harness = Harness(outbox, lambda: outbox_delivered(folder), lambda: outbox._opened)
    else:
        memory = MemoryTransport()
        harness = Harness(
            memory,
            lambda: [(s.envelope.recipient, s.data) for s in memory.outbox],
            lambda: False,  # holds nothing between calls
        )
    return harness


@pytest.fixture(scope="module")
def rendered():
    return render_digest(make_digest(subject="Part 2 of 6: Zoë’s café — «written agreements»"))


@pytest.fixture
def make_message(rendered) -> Callable[..., bytes]:
    def make(to: str = "sam.sample@example.org", to_name: str = "Sam Sample") -> bytes:
        addressing = Addressing(
            to=to,
            to_name=to_name,
            list_id=LIST_ID,
            unsubscribe_url=SAMPLE_FIELDS["unsubscribe_url"],
        )
        message = build_message(rendered, SAMPLE_FIELDS, addressing)
        return bytes(message)

    return make


def parse(data: bytes) -> EmailMessage:
    return BytesParser(policy=email.policy.default).parsebytes(data)


class TestContract:
    def test_context_manager_opens_and_closes(self, harness, make_message):
        with harness.transport as transport:
            assert transport is harness.transport
            transport.send(Envelope(SENDER, "sam.sample@example.org"), make_message())
        assert len(harness.delivered()) == 1

    def test_delivers_exactly_the_bytes_given(self, harness, make_message):
        data = make_message()
        with harness.transport as transport:
            transport.send(Envelope(SENDER, "sam.sample@example.org"), data)
        [(recipient, delivered)] = harness.delivered()
        assert recipient == "sam.sample@example.org"
        assert delivered == data
        assert b"\r\n" in delivered and b"\n" not in delivered.replace(b"\r\n", b"")
        sent, received = parse(data), parse(delivered)
        assert received.items() == sent.items()
        for part in ("plain", "html"):
            assert received.get_body((part,)).get_content() == sent.get_body((part,)).get_content()

    def test_several_messages_each_once(self, harness, make_message):
        recipients = [f"reader{number}@example.org" for number in range(5)]
        with harness.transport as transport:
            for recipient in recipients:
                transport.send(Envelope(SENDER, recipient), make_message(to=recipient))
        delivered = harness.delivered()
        assert sorted(recipient for recipient, _ in delivered) == recipients
        for recipient, data in delivered:
            assert parse(data)["To"].addresses[0].addr_spec == recipient

    def test_a_failing_open_leaves_nothing_half_open(self, harness, monkeypatch):
        # open() can fail after its first steps succeeded (connected, then the login refused);
        # a `with` block whose __enter__ raises never reaches __exit__, so __enter__ must close.
        transport, closes = harness.transport, []
        real_open, real_close = transport.open, transport.close

        def open_then_fail() -> None:
            real_open()
            assert harness.holds_open() or transport.name in ("memory", "graph")  # hold nothing
            raise TransportUnavailable("the relay refused the login")

        def counted_close() -> None:
            closes.append(transport.name)
            real_close()

        monkeypatch.setattr(transport, "open", open_then_fail)
        monkeypatch.setattr(transport, "close", counted_close)
        with pytest.raises(TransportUnavailable, match="refused the login"), transport:
            pytest.fail("the block ran although open() failed")
        assert closes == [transport.name]
        assert not harness.holds_open()

    def test_close_is_idempotent(self, harness, make_message):
        harness.transport.close()  # never opened
        with harness.transport as transport:
            transport.send(Envelope(SENDER, "sam.sample@example.org"), make_message())
        harness.transport.close()
        harness.transport.close()
        assert len(harness.delivered()) == 1

    def test_send_after_close_reopens(self, harness, make_message):
        with harness.transport as transport:
            transport.send(
                Envelope(SENDER, "first@example.org"), make_message(to="first@example.org")
            )
        harness.transport.send(
            Envelope(SENDER, "second@example.org"), make_message(to="second@example.org")
        )
        harness.transport.close()
        assert sorted(recipient for recipient, _ in harness.delivered()) == [
            "first@example.org",
            "second@example.org",
        ]

    def test_the_envelope_recipient_is_respected(self, harness, make_message):
        # The envelope decides where a message goes, whatever its To: header says.
        data = make_message(to="header.only@example.org")
        if harness.transport.name == "graph":
            # Graph has no envelope: it would send to the To header, so the message is refused.
            with harness.transport as transport, pytest.raises(PermanentFailure, match="nothing"):
                transport.send(Envelope(SENDER, "envelope.only@example.org"), data)
            assert harness.delivered() == []
            return
        with harness.transport as transport:
            transport.send(Envelope(SENDER, "envelope.only@example.org"), data)
        [(recipient, delivered)] = harness.delivered()
        assert recipient == "envelope.only@example.org"
        assert parse(delivered)["To"].addresses[0].addr_spec == "header.only@example.org"

    def test_non_ascii_subject_and_name_survive(self, harness, make_message):
        data = make_message(to="zoe@example.org", to_name="Zoë Ångström-Ó Dálaigh")
        assert data.isascii()  # RFC 2047 encoded words: nothing needs 8 bits on the wire
        with harness.transport as transport:
            transport.send(Envelope(SENDER, "zoe@example.org"), data)
        received = parse(harness.delivered()[0][1])
        assert received["Subject"] == "Part 2 of 6: Zoë’s café — «written agreements»"
        assert received["To"].addresses[0].display_name == "Zoë Ångström-Ó Dálaigh"

    @pytest.mark.parametrize(
        "recipient",
        [
            "sam@example.org\r\nBcc: everyone@example.net",
            "sam@example.org>\r\nRCPT TO:<everyone@example.net",
            "sam@example.org\nX-Injected: yes",
            "",
        ],
    )
    def test_a_recipient_that_would_inject_is_refused_before_sending(
        self, harness, make_message, recipient
    ):
        with harness.transport as transport, pytest.raises(PermanentFailure, match="nothing"):
            transport.send(Envelope(SENDER, recipient), make_message())
        assert harness.delivered() == []

    def test_a_sender_that_would_inject_stops_the_transport(self, harness, make_message):
        with harness.transport as transport, pytest.raises(TransportUnavailable):
            transport.send(Envelope("a@example.org\r\nDATA", "sam@example.org"), make_message())
        assert harness.delivered() == []


class TestMeanwhileAndIdle:
    """The callbacks the send loop uses to record the last outcome and build the next message
    while a transport waits (Transport.send's docstring)."""

    def test_meanwhile_runs_once_before_the_message_is_handed_over(self, harness, make_message):
        seen = []
        with harness.transport as transport:
            for recipient in ("first@example.org", "second@example.org"):
                transport.send(
                    Envelope(SENDER, recipient),
                    make_message(to=recipient),
                    meanwhile=lambda: seen.append(len(harness.delivered())),
                )
        assert seen == [0, 1]  # each time, the message being sent was not yet delivered
        assert len(harness.delivered()) == 2

    def test_a_failing_meanwhile_hands_nothing_over(self, harness, make_message, tmp_path):
        failure = RuntimeError("database is locked")

        def fail():
            raise failure

        with harness.transport as transport:
            with pytest.raises(RuntimeError) as raised:
                transport.send(
                    Envelope(SENDER, "first@example.org"),
                    make_message(to="first@example.org"),
                    fail,
                )
            assert raised.value is failure  # unchanged, not turned into a transport error
            assert harness.delivered() == []
            transport.send(
                Envelope(SENDER, "second@example.org"), make_message(to="second@example.org")
            )
        assert [recipient for recipient, _ in harness.delivered()] == ["second@example.org"]
        assert not any((tmp_path / "outbox" / "tmp").glob("*"))  # no half-written file left

    def test_idle_runs_at_most_once_and_after_meanwhile(self, harness, make_message):
        calls = []
        with harness.transport as transport:
            transport.send(
                Envelope(SENDER, "sam.sample@example.org"),
                make_message(),
                meanwhile=lambda: calls.append("meanwhile"),
                idle=lambda: calls.append("idle"),
            )
        assert calls in (["meanwhile"], ["meanwhile", "idle"])
        if harness.transport.name == "smtp":
            assert calls == ["meanwhile", "idle"]  # while the relay reads the message

    def test_lines_starting_with_a_dot_arrive_unchanged(self, harness):
        # SMTP ends the data with a lone dot, so the client doubles a dot that starts a line
        # and the server undoes it: the bytes must arrive exactly as given.
        data = (
            b"From: learning@example.org\r\nTo: sam.sample@example.org\r\nSubject: Dots\r\n"
            b"\r\n.\r\n..two\r\n.starts with a dot\r\nends with one.\r\n.\r\n"
        )
        with harness.transport as transport:
            transport.send(Envelope(SENDER, "sam.sample@example.org"), data)
        [(_, delivered)] = harness.delivered()
        assert delivered == data


class TestUnknownOutcome:
    """The message went whole and no answer came: perhaps delivered. The transport says
    OutcomeUnknown (never TemporaryFailure, which the send loop retries) and does not try again
    itself; the next message goes normally."""

    def test_no_answer_after_the_whole_message_is_an_unknown_outcome(self, remote, make_message):
        remote.go_silent_for("ann@example.org")
        with remote.transport as transport:
            with pytest.raises(OutcomeUnknown, match="may have been") as raised:
                transport.send(
                    Envelope(SENDER, "ann@example.org"), make_message(to="ann@example.org")
                )
            assert not isinstance(raised.value, TemporaryFailure)
            assert "\n" not in str(raised.value)
            transport.send(Envelope(SENDER, "bob@example.org"), make_message(to="bob@example.org"))
        # The far side kept Ann's message once (no retry behind the caller's back), and Bob's.
        assert sorted(recipient for recipient, _ in remote.delivered()) == [
            "ann@example.org",
            "bob@example.org",
        ]


@pytest.mark.parametrize(
    ("environ", "kind"),
    [
        ({}, OutboxTransport),
        ({"BRIEFCAST_TRANSPORT": "memory"}, MemoryTransport),
        (
            {"BRIEFCAST_TRANSPORT": "smtp", "BRIEFCAST_SMTP_HOST": "relay.example.org"},
            SmtpTransport,
        ),
        (
            {"BRIEFCAST_TRANSPORT": "smtp", "BRIEFCAST_SMTP_HOST": "relay.example.org",
             "BRIEFCAST_SMTP_AUTH": "oauth2", "BRIEFCAST_SMTP_USERNAME": MAILBOX,
             "BRIEFCAST_OAUTH_TENANT": "example.org", "BRIEFCAST_OAUTH_CLIENT_ID": "app",
             "BRIEFCAST_OAUTH_CLIENT_SECRET": "secret"},
            SmtpTransport,
        ),
        (
            {"BRIEFCAST_TRANSPORT": "graph", "BRIEFCAST_GRAPH_MAILBOX": MAILBOX,
             "BRIEFCAST_OAUTH_TENANT": "example.org", "BRIEFCAST_OAUTH_CLIENT_ID": "app",
             "BRIEFCAST_OAUTH_CLIENT_SECRET": "secret"},
            GraphTransport,
        ),
    ],
)  # fmt: skip
def test_open_transport_follows_the_settings(tmp_path, environ, kind):
    settings = Settings.from_env(environ, workdir=tmp_path)
    transport = open_transport(settings)
    assert isinstance(transport, kind)
    if isinstance(transport, OutboxTransport):
        assert transport.folder == tmp_path / "var" / "outbox"
    if isinstance(transport, SmtpTransport):
        assert (transport.settings.host, transport.settings.port) == ("relay.example.org", 587)
        if transport.settings.auth == "oauth2":
            assert transport.tokens.scope == "https://outlook.office365.com/.default"
            assert transport.tokens.settings.token_url == (
                "https://login.microsoftonline.com/example.org/oauth2/v2.0/token"
            )
    if isinstance(transport, GraphTransport):
        assert transport.url == f"https://graph.microsoft.com/v1.0/users/{MAILBOX}/sendMail"
        assert transport.tokens.scope == "https://graph.microsoft.com/.default"


def test_another_oauth_provider_gets_its_own_scope(tmp_path):
    environ = {"BRIEFCAST_TRANSPORT": "smtp", "BRIEFCAST_SMTP_HOST": "smtp.example.net",
               "BRIEFCAST_SMTP_AUTH": "oauth2", "BRIEFCAST_SMTP_USERNAME": MAILBOX,
               "BRIEFCAST_OAUTH_TOKEN_URL": "https://login.example.net/oauth2/token",
               "BRIEFCAST_OAUTH_CLIENT_ID": "app", "BRIEFCAST_OAUTH_CLIENT_SECRET": "secret",
               "BRIEFCAST_OAUTH_SCOPE": "https://mail.example.net/smtp"}  # fmt: skip
    transport = open_transport(Settings.from_env(environ, workdir=tmp_path))
    assert transport.tokens.scope == "https://mail.example.net/smtp"
    assert transport.tokens.settings.token_url == "https://login.example.net/oauth2/token"


WRITER = """
import sys
from pathlib import Path
from briefcast.delivery.transports import Envelope, OutboxTransport
folder, name = Path(sys.argv[1]), sys.argv[2]
with OutboxTransport(folder) as outbox:
    for number in range(50):
        data = f"Subject: {name} {number}\\r\\n\\r\\nbody\\r\\n".encode()
        outbox.send(Envelope("learning@example.org", f"{name}@example.org"), data)
"""


def test_outbox_takes_several_writer_processes_at_once(tmp_path):
    folder = tmp_path / "outbox"  # not there yet: the writers race to create it too
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(folder), f"writer{number}"])
        for number in range(4)
    ]
    assert [writer.wait(timeout=60) for writer in writers] == [0, 0, 0, 0]
    subjects = sorted(parse(data)["Subject"] for _, data in outbox_delivered(folder))
    expected = sorted(f"writer{w} {n}" for w in range(4) for n in range(50))
    assert subjects == expected
    assert list((folder / "tmp").iterdir()) == []


def test_an_outbox_that_cannot_be_created_is_a_one_line_error(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    outbox = OutboxTransport(tmp_path / "a-file" / "outbox")
    with pytest.raises(TransportUnavailable, match=r"cannot create the outbox folder") as caught:
        outbox.send(Envelope(SENDER, "sam@example.org"), b"Subject: x\r\n\r\nbody\r\n")
    assert "\n" not in str(caught.value)
    assert "BRIEFCAST_OUTBOX" in str(caught.value)
