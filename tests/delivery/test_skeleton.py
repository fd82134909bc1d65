"""The compiled skeleton gives the message the email package builds: headers, bodies, line rules."""

from __future__ import annotations

import binascii
import email.policy
import re
from datetime import UTC, datetime
from email.parser import BytesParser

import pytest
from digests import SAMPLE_FIELDS, make_digest

from briefcast.campaigns.render import PersonalisationError, render_digest
from briefcast.delivery.message import Addressing, MessageError, compose_message, make_list_id
from briefcast.delivery.skeleton import MessageSkeleton, encode_piece

LIST_ID = make_list_id("Learning from serious case reviews", "national-panel-2020", "example.org")
NOW = datetime(2027, 4, 13, 8, 30, tzinfo=UTC)
MAILTO = "unsubscribe@example.org?subject=token-1"


def parse(data: bytes):
    return BytesParser(policy=email.policy.default).parsebytes(data)


def both(rendered, **person):
    """(slow, fast): the same person's message from compose_message and from the skeleton."""
    digest = rendered.digest
    person = {
        "to": "sam.sample@example.org",
        "to_name": "Sam Sample",
        "fields": SAMPLE_FIELDS,
        "unsubscribe_url": SAMPLE_FIELDS["unsubscribe_url"],
        "unsubscribe_mailto": MAILTO,
        **person,
    }
    html, text = rendered.personalise(person["fields"])
    slow = compose_message(
        sender=digest.sender,
        reply_to=digest.reply_to,
        subject=digest.subject,
        html=html,
        text=text,
        addressing=Addressing(
            to=person["to"],
            to_name=person["to_name"],
            list_id=LIST_ID,
            unsubscribe_url=person["unsubscribe_url"],
            unsubscribe_mailto=person["unsubscribe_mailto"],
            now=NOW,
        ),
    )
    skeleton = MessageSkeleton.compile(
        sender=digest.sender,
        reply_to=digest.reply_to,
        subject=digest.subject,
        list_id=LIST_ID,
        html=rendered.html,
        text=rendered.text,
    )
    message_id, fast = skeleton.fill(now=NOW, **person)
    assert parse(fast)["Message-ID"] == message_id
    return bytes(slow), fast


def assert_same_message(slow: bytes, fast: bytes) -> None:
    expected, got = parse(slow), parse(fast)
    names = [name for name in expected if name != "Message-ID"]
    assert [name for name in got if name != "Message-ID"] == names
    for name in names:
        if name != "Content-Type":  # the boundary is chosen afresh by each
            assert str(got[name]) == str(expected[name]), name
    assert got.get_content_type() == "multipart/alternative"
    assert got["Message-ID"].endswith(expected["Message-ID"].rsplit("@", 1)[1])
    got_parts, expected_parts = list(got.iter_parts()), list(expected.iter_parts())
    assert [p.get_content_type() for p in got_parts] == ["text/plain", "text/html"]
    for mine, theirs in zip(got_parts, expected_parts, strict=True):
        assert dict(mine.items()) == dict(theirs.items())
        assert mine.get_content() == theirs.get_content()
    assert not got.defects and not any(part.defects for part in got_parts)


@pytest.fixture(scope="module")
def rendered():
    return render_digest(make_digest())


def test_the_same_headers_and_bodies_as_the_email_package(rendered):
    assert_same_message(*both(rendered))


def test_without_unsubscribe_the_list_headers_are_left_out(rendered):
    slow, fast = both(rendered, unsubscribe_url=None, unsubscribe_mailto=None)
    assert_same_message(slow, fast)
    assert b"List-Unsubscribe" not in fast


def test_values_are_escaped_in_the_html_only(rendered):
    fields = {**SAMPLE_FIELDS, "recipient_name": 'Ann <b>"Lee"</b> & co =3D', "list_name": "Ü"}
    slow, fast = both(rendered, fields=fields, to_name="Ann Lee")
    assert_same_message(slow, fast)
    text, html = parse(fast).iter_parts()
    assert 'Ann <b>"Lee"</b> & co =3D' in text.get_content()
    assert "Ann &lt;b&gt;&quot;Lee&quot;&lt;/b&gt; &amp; co =3D" in html.get_content()


@pytest.mark.parametrize(
    "name",
    ["Zoë Ñúñez-O’Brien", "A. Lee, Jr.", "Lee (Health)", "", None, "x" * 90],
    ids=["non-ascii", "specials", "comment", "empty", "none", "long"],
)
def test_recipient_names_encode_as_the_email_package_does(rendered, name):
    slow, fast = both(rendered, to_name=name)
    assert_same_message(slow, fast)
    assert fast.split(b"\r\n\r\n", 1)[0].isascii()


def test_non_ascii_subjects_and_senders():
    digest = make_digest(
        subject="Teil 2 – Häusliche Gewalt: “what we learned”",
        sender="Partenariat Sécurité <apprentissage@example.org>",
    )
    assert_same_message(*both(render_digest(digest)))


def test_a_long_signed_token_stays_a_readable_list_unsubscribe_uri(rendered):
    token = "MQ.awgbfg.oENAuAapo99jTjdTqtSavXnyvhM-" * 6
    url = f"https://briefcast.example.org/u/{token}"
    slow, fast = both(rendered, unsubscribe_url=url, unsubscribe_mailto=f"u@example.org?s={token}")
    assert_same_message(slow, fast)
    assert b"=?" not in fast.split(b"\r\n\r\n", 1)[0]
    assert parse(fast)["List-Unsubscribe"] == f"<{url}>, <mailto:u@example.org?s={token}>"


def test_crlf_lines_and_quoted_printable_line_rules(rendered):
    fields = {**SAMPLE_FIELDS, "recipient_name": "Zoë " * 40}
    _, fast = both(rendered, fields=fields)
    assert b"\n" not in fast.replace(b"\r\n", b"")
    head, body = fast.split(b"\r\n\r\n", 1)
    assert max(len(line) for line in head.split(b"\r\n")) <= 998
    lines = body.split(b"\r\n")
    assert max(len(line) for line in lines) <= 76
    assert all(line.isascii() for line in lines)
    # No line ends in a space or tab (RFC 2045 rule 3), nor is one a lone "." (SMTP's end).
    assert not [line for line in lines if line[-1:] in (b" ", b"\t")]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a",
        ".",
        " a",
        "a\n",
        "trailing space \nnext",
        " \t",
        "=" * 200,
        "é" * 100,
        "x" * 75,
        "x" * 76 + "\r\ny\rz",
    ],
)
def test_a_piece_decodes_to_itself_and_ends_at_column_0(text):
    encoded = encode_piece(text.encode())
    assert encoded == b"" or encoded.endswith(b"\r\n")
    lines = encoded.split(b"\r\n")
    assert max(len(line) for line in lines) <= 76
    assert binascii.a2b_qp(encoded).decode() == re.sub("\r\n?|\n", "\r\n", text)


def test_a_line_break_in_a_header_value_is_refused(rendered):
    with pytest.raises(MessageError, match="line break"):
        both(rendered, to_name="Eve\r\nBcc: everyone@example.org")
    with pytest.raises(MessageError, match="line break"):
        both(rendered, unsubscribe_url="https://example.org/u/x\nBcc: everyone@example.org")


def test_an_unknown_placeholder_is_refused_when_compiling():
    with pytest.raises(PersonalisationError, match="favourite_colour"):
        MessageSkeleton.compile(
            sender="Partnership <learning@example.org>",
            reply_to=None,
            subject="Part 1",
            list_id=LIST_ID,
            html="<p>[[favourite_colour]]</p>",
            text="[[recipient_name]]",
        )
