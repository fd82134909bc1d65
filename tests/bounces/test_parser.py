"""Each fixture read as the vendor wrote it: the kind of message, the recipient, the status code
from the report itself, and the original Message-ID."""

from __future__ import annotations

import pytest
from bounce_world import REPORTS

from briefcast.bounces.codes import kind_of, normalise
from briefcast.bounces.parser import Kind, read_message
from briefcast.store.schema import BounceKind

# file -> (recipient, action, code, original Message-ID's local part)
EXPECTED = {
    "exchange-5.1.10-recipient-not-found.eml": (
        "ann.archer@example.net",
        "failed",
        "5.1.10",
        "001.ann.archer",
    ),
    "exchange-5.1.1-bad-destination.eml": (
        "ben.baker@example.net",
        "failed",
        "5.1.1",
        "002.ben.baker",
    ),
    "exchange-5.4.1-access-denied.eml": ("cat.cole@example.org", "failed", "5.4.1", "003.cat.cole"),
    "exchange-5.7.133-group-refuses-outside-senders.eml": (
        "safeguarding-leads@example.net",
        "failed",
        "5.7.133",
        "004.safeguarding-leads",
    ),
    "exchange-5.7.1-not-authorized.eml": (
        "dee.dale@example.org",
        "failed",
        "5.7.1",
        "005.dee.dale",
    ),
    "exchange-5.7.124-not-in-allowed-senders.eml": (
        "child-protection@example.net",
        "failed",
        "5.7.124",
        "006.child-protection",
    ),
    "exchange-5.7.134-mailbox-refuses-outside-senders.eml": (
        "mash-duty@example.net",
        "failed",
        "5.7.134",
        "007.mash-duty",
    ),
    "exchange-5.2.2-submission-quota.eml": (
        "eve.east@example.net",
        "failed",
        "5.2.2",
        "008.eve.east",
    ),
    "exchange-5.1.90-daily-recipient-limit.eml": (
        "fay.ford@example.net",
        "failed",
        "5.1.90",
        "009.fay.ford",
    ),
    "exchange-5.7.501-sending-account-banned.eml": (
        "gus.gray@example.net",
        "failed",
        "5.7.501",
        "010.gus.gray",
    ),
    "exchange-5.7.705-tenant-blocked.eml": (
        "hal.hunt@example.net",
        "failed",
        "5.7.705",
        "011.hal.hunt",
    ),
    "exchange-5.1.8-bad-outbound-sender.eml": (
        "ivy.irwin@example.net",
        "failed",
        "5.1.8",
        "012.ivy.irwin",
    ),
    "postfix-5.1.1-user-unknown.eml": ("jon.jones@example.net", "failed", "5.1.1", "013.jon.jones"),
    "dsn-headers-only-5.1.1.eml": ("lee.lowe@example.net", "failed", "5.1.1", "014.lee.lowe"),
    "postfix-4.7.0-delayed.eml": ("max.moss@example.net", "delayed", "4.7.0", "015.max.moss"),
    "qmail-no-dsn-5.1.1.eml": ("ola.owen@example.net", "failed", "5.1.1", "018.ola.owen"),
    "postfix-4.4.1-gave-up-issue-2.eml": (
        "kim.king@example.net",
        "failed",
        "4.4.1",
        "102.kim.king",
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_delivery_report_gives_its_recipient_code_and_original_message(name):
    reading = read_message((REPORTS / name).read_bytes())
    address, action, code, local = EXPECTED[name]
    assert reading.kind is Kind.REPORT
    [recipient] = reading.recipients
    assert (recipient.address, recipient.action, recipient.status) == (address, action, code)
    assert reading.original_message_id == f"<{local}@briefings.example.org>"
    assert recipient.diagnostic  # the far server's own words, kept for the admin
    if name.startswith(("exchange", "dsn", "qmail")):
        assert code in recipient.diagnostic


def test_every_report_fixture_is_in_the_table_or_is_not_a_report():
    others = {"exchange-out-of-office.eml", "person-writing.eml", "exchange-5.1.10-not-ours.eml"}
    soft = {f"postfix-4.4.1-gave-up-issue-{n}.eml" for n in (1, 3)}
    assert {p.name for p in REPORTS.glob("*.eml")} == set(EXPECTED) | others | soft


def test_an_exchange_report_gives_its_reporting_server_and_date():
    reading = read_message((REPORTS / "exchange-5.1.10-recipient-not-found.eml").read_bytes())
    assert reading.reporting_mta == "db9pr01mb7001.eurprd01.prod.exchangelabs.com"
    assert reading.received_at is not None and reading.received_at.isoformat().startswith(
        "2027-04-13T08:41"
    )
    assert reading.key.endswith("@DB9PR01MB7001.eurprd01.prod.exchangelabs.com>")


def test_an_out_of_office_is_an_automatic_reply_and_a_person_writing_is_neither():
    assert read_message((REPORTS / "exchange-out-of-office.eml").read_bytes()).kind is (
        Kind.AUTO_REPLY
    )
    assert read_message((REPORTS / "person-writing.eml").read_bytes()).kind is Kind.OTHER


def test_a_report_without_returned_headers_falls_back_to_in_reply_to():
    data = (REPORTS / "exchange-5.1.1-bad-destination.eml").read_bytes()
    cut = data.index(b"Content-Type: message/rfc822")
    reading = read_message(data[:cut] + b"Content-Type: text/plain\r\n\r\n(removed)\r\n")
    assert reading.original_message_id == "<002.ben.baker@briefings.example.org>"


def test_a_message_without_a_message_id_is_known_by_its_bytes():
    data = (REPORTS / "person-writing.eml").read_bytes().replace(b"Message-ID:", b"X-Was:")
    assert read_message(data).key.startswith("sha256:")


@pytest.mark.parametrize(
    "code,action,kind",
    [
        ("5.1.1", "failed", BounceKind.NO_SUCH_ADDRESS),
        ("5.1.10", "failed", BounceKind.NO_SUCH_ADDRESS),
        ("5.4.1", "failed", BounceKind.NO_SUCH_ADDRESS),
        ("5.7.1", "failed", BounceKind.REFUSED),
        ("5.7.124", "failed", BounceKind.REFUSED),
        ("5.7.133", "failed", BounceKind.REFUSED),
        ("5.7.134", "failed", BounceKind.REFUSED),
        ("5.2.2", "failed", BounceKind.OUR_QUOTA),
        ("5.1.90", "failed", BounceKind.OUR_QUOTA),
        ("5.1.8", "failed", BounceKind.WE_ARE_BLOCKED),
        ("5.7.500", "failed", BounceKind.WE_ARE_BLOCKED),
        ("5.7.599", "failed", BounceKind.WE_ARE_BLOCKED),
        ("5.7.700", "failed", BounceKind.WE_ARE_BLOCKED),
        ("5.7.709", "failed", BounceKind.WE_ARE_BLOCKED),
        ("5.7.710", "failed", BounceKind.OTHER),
        ("5.7.499", "failed", BounceKind.OTHER),
        ("5.7.13", "failed", BounceKind.OTHER),
        ("5.1.100", "failed", BounceKind.OTHER),
        ("4.4.7", "failed", BounceKind.SOFT),
        ("4.4.7", "delayed", BounceKind.DELAYED),
        (None, "failed", BounceKind.OTHER),
    ],
)
def test_each_code_has_its_kind(code, action, kind):
    assert kind_of(code, action=action) is kind


def test_codes_are_normalised_and_found_only_whole():
    assert normalise(" 5.01.001 ") == "5.1.1"
    assert normalise("550 5.7.133 RESOLVER.RST") == "5.7.133"
    assert normalise("version 15.1.2.3") is None
    assert normalise("nothing") is None


def test_a_persons_mail_naming_an_address_is_not_taken_for_a_bounce():
    data = (REPORTS / "qmail-no-dsn-5.1.1.eml").read_bytes()
    personal = data.replace(
        b"From: MAILER-DAEMON@mx.example.net", b"From: Oli Owens <oli.owens@example.net>"
    )
    personal = personal.replace(b"Return-Path: <>\r\n", b"")
    assert read_message(personal).kind is Kind.OTHER
