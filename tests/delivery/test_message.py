"""The MIME message built from a rendered issue: parts, headers, encodings, header injection."""

from __future__ import annotations

import email.policy
from datetime import UTC, datetime
from email.parser import BytesParser

import pytest

# The hand-built digests live with the rendering tests.
from digests import SAMPLE_FIELDS, make_digest

from briefcast.campaigns.render import render_digest
from briefcast.delivery.message import Addressing, MessageError, build_message, make_list_id

LIST_ID = make_list_id("Learning from serious case reviews", "national-panel-2020", "example.org")
NOW = datetime(2027, 4, 13, 8, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def rendered():
    return render_digest(make_digest())


def build(rendered, **changes):
    arguments = dict(
        to="sam.sample@example.org",
        to_name="Sam Sample",
        list_id=LIST_ID,
        unsubscribe_url=SAMPLE_FIELDS["unsubscribe_url"],
        unsubscribe_mailto="unsubscribe@example.org",
        now=NOW,
    )
    arguments.update(changes)
    return build_message(rendered, SAMPLE_FIELDS, Addressing(**arguments))


def parse(message):
    return BytesParser(policy=email.policy.default).parsebytes(bytes(message))


def test_the_headers_parse_back(rendered):
    parsed = parse(build(rendered))
    assert parsed["From"].addresses[0].addr_spec == "learning@example.org"
    assert parsed["From"].addresses[0].display_name == "Safeguarding Partnership"
    assert parsed["Reply-To"].addresses[0].addr_spec == "learning-team@example.org"
    assert str(parsed["To"]) == "Sam Sample <sam.sample@example.org>"
    assert parsed["Subject"] == "Part 2 of 6: Domestic abuse and written agreements"
    assert parsed["Date"].datetime == NOW
    assert parsed["Message-ID"].endswith("@example.org>")
    assert (
        parsed["List-Id"].strip()
        == '"Learning from serious case reviews" <national-panel-2020.example.org>'
    )
    assert parsed["List-Unsubscribe"] == (
        "<https://briefcast.example.org/u/token-1?a=1&b=2>, <mailto:unsubscribe@example.org>"
    )
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed["MIME-Version"] == "1.0"
    assert parsed.get_content_type() == "multipart/alternative"


def test_text_then_html_alternatives_personalised(rendered):
    parsed = parse(build(rendered))
    assert parsed.get_content_type() == "multipart/alternative"
    text, html = parsed.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    assert "Dear Sam Sample," in text.get_content()
    assert "Dear Sam Sample," in html.get_content()
    assert "[[" not in html.get_content()
    assert "“Nobody asked me what was happening at home.”" in text.get_content()


def test_the_message_id_can_use_another_domain(rendered):
    assert parse(build(rendered, message_id_domain="mail.example.org"))["Message-ID"].endswith(
        "@mail.example.org>"
    )


def test_lines_are_crlf_and_within_the_rfc_limit(rendered):
    raw = bytes(build(rendered))
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    body = raw.split(b"\r\n\r\n", 1)[1]
    assert max(len(line) for line in body.split(b"\r\n")) <= 78  # quoted-printable lines


def test_a_long_signed_token_stays_a_readable_list_unsubscribe_uri(rendered):
    token = "MQ.awgbfg.oENAuAapo99jTjdTqtSavXnyvhM-" * 2
    raw = bytes(
        build(
            rendered,
            unsubscribe_url=f"https://briefcast.example.org/u/{token}",
            unsubscribe_mailto=f"unsubscribe@example.org?subject={token}",
        )
    )
    header = parse(raw)["List-Unsubscribe"]
    assert "=?" not in raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert header == (
        f"<https://briefcast.example.org/u/{token}>, "
        f"<mailto:unsubscribe@example.org?subject={token}>"
    )


def test_non_ascii_names_and_subjects_survive_the_round_trip():
    digest = make_digest(
        subject="Teil 2 – Häusliche Gewalt: “what we learned”",
        sender="Partenariat Sécurité <apprentissage@example.org>",
    )
    message = build(render_digest(digest), to_name="Zoë Ñúñez-O’Brien")
    raw = bytes(message)
    assert raw.isascii()  # encoded words: no 8-bit headers for servers without SMTPUTF8
    parsed = parse(message)
    assert parsed["Subject"] == "Teil 2 – Häusliche Gewalt: “what we learned”"
    assert parsed["To"].addresses[0].display_name == "Zoë Ñúñez-O’Brien"
    assert parsed["From"].addresses[0].display_name == "Partenariat Sécurité"


@pytest.mark.parametrize(
    "changes",
    [
        {"to_name": "Eve\r\nBcc: everyone@example.org"},
        {"to": "eve@example.org\nBcc: everyone@example.org"},
        {"unsubscribe_url": "https://example.org/u/x\r\nBcc: everyone@example.org"},
        {"unsubscribe_mailto": "unsubscribe@example.org\nX-Evil: 1"},
        {"list_id": '"List" <l.example.org>\r\nX-Evil: 1'},
    ],
    ids=["to-name", "to", "unsubscribe-url", "mailto", "list-id"],
)
def test_a_line_break_in_a_header_value_is_refused(rendered, changes):
    with pytest.raises(MessageError, match="line break"):
        build(rendered, **changes)


def test_a_line_break_in_the_subject_is_refused():
    rendered = render_digest(make_digest(subject="Part 2\r\nBcc: everyone@example.org"))
    with pytest.raises(MessageError, match="subject contains a line break"):
        build(rendered)


def test_a_sender_without_an_address_is_refused():
    rendered = render_digest(make_digest(sender="Safeguarding Partnership"))
    with pytest.raises(MessageError, match="is not an email address"):
        build(rendered)


def test_list_id_quotes_the_name():
    assert make_list_id('The "Best" List', "Spring-2027", "Example.org") == (
        '"The \\"Best\\" List" <spring-2027.example.org>'
    )
