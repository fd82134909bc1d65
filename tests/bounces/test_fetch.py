"""Delivery reports read back from the mailbox end in the right ledger state, suppression or
flag, and a second fetch changes nothing: the same reports, the same outcome, through a real IMAP
server (Dovecot) and through Microsoft Graph's stand-in (the `mailbox` fixture runs both)."""

from __future__ import annotations

import pytest
from bounce_world import FILES, REPORTS, build, rows
from ledger_rows import database_contents
from sqlalchemy import select

from briefcast.bounces.fetch import fetch_bounces
from briefcast.store.schema import bounce_reports, issues, list_flags, lists, suppressions

pytestmark = pytest.mark.slow

HARD = {  # address -> the code its report gives
    "ann.archer@example.net": "5.1.10",
    "ben.baker@example.net": "5.1.1",
    "cat.cole@example.org": "5.4.1",
    "jon.jones@example.net": "5.1.1",
    "lee.lowe@example.net": "5.1.1",  # Status 5.0.0: the code comes from the Diagnostic-Code
    "ola.owen@example.net": "5.1.1",  # qmail, no delivery-status: flufl.bounce and the text
}
REFUSED = {
    "safeguarding-leads@example.net": "5.7.133",
    "dee.dale@example.org": "5.7.1",
    "child-protection@example.net": "5.7.124",
    "mash-duty@example.net": "5.7.134",
}
REQUEUED = {  # issue 4 was still going: these go again when it resumes
    "fay.ford@example.net": "5.1.90",
    "gus.gray@example.net": "5.7.501",
    "hal.hunt@example.net": "5.7.705",
    "ivy.irwin@example.net": "5.1.8",
}


def _fill(mailbox) -> None:
    for name in FILES:
        mailbox.deliver((REPORTS / name).read_bytes())


def _suppressed(engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        query = select(suppressions.c.address, suppressions.c.list_id, suppressions.c.reason)
        return {row.address: (row.list_id, row.reason) for row in conn.execute(query)}


def test_every_report_ends_in_the_right_state_and_a_second_fetch_changes_nothing(engine, mailbox):
    world = build(engine)
    _fill(mailbox)

    first = fetch_bounces(engine, mailbox.settings, token=mailbox.token)

    assert (first.reports, first.auto_replies, first.left) == (20, 1, 1)
    ledger = rows(engine)
    suppressed = _suppressed(engine)
    for address, code in HARD.items():
        row = ledger[address, 1]
        assert (row["status"], row["bounce_source"], row["bounce_code"]) == (
            "bounced",
            "report",
            code,
        ), address
        assert row["bounced_at"] is not None
        assert suppressed[address] == (None, "bounced")  # every list
    for address, code in REFUSED.items():
        row = ledger[address, 1]
        assert (row["status"], row["bounce_code"]) == ("failed", code), address
        assert address not in suppressed  # the fault is not theirs
    with engine.connect() as conn:
        flags = {
            (row.slug, row.domain): (row.reports, row.organisation)
            for row in conn.execute(
                select(
                    lists.c.slug,
                    list_flags.c.domain,
                    list_flags.c.reports,
                    list_flags.c.organisation,
                ).join(lists, list_flags.c.list_id == lists.c.id)
            )
        }
    assert flags == {
        ("police", "example.net"): (3, "Example Police"),
        ("health", "example.org"): (1, "Example Council"),
    }
    # Our quota, in issue 1 (finished): that row failed; issue 4 (going) is paused.
    assert (
        ledger["eve.east@example.net", 1]["status"],
        ledger["eve.east@example.net", 1]["bounce_code"],
    ) == ("failed", "5.2.2")
    for address, code in REQUEUED.items():
        row = ledger[address, 4]
        assert (row["status"], row["sent_at"], row["message_id"], row["bounce_code"]) == (
            "queued",
            None,
            None,
            code,
        ), address
    with engine.connect() as conn:
        states = {
            row.number: (row.state, row.state_reason)
            for row in conn.execute(select(issues.c.number, issues.c.state, issues.c.state_reason))
        }
    assert states[4][0] == "paused" and "sending limit (5.2.2" in states[4][1]
    assert states[5][0] == "paused" and "blocked from sending (5.7.501" in states[5][1]
    assert states[1][0] == states[2][0] == states[3][0] == "sent"
    # Soft bounces for three issues: suppressed after the third.
    for number in (1, 2, 3):
        assert ledger["kim.king@example.net", number]["status"] == "failed"
        assert ledger["kim.king@example.net", number]["bounce_code"] == "4.4.1"
    assert suppressed["kim.king@example.net"] == (None, "bounced")
    # Still being tried, and an out-of-office: nothing changes for them.
    assert ledger["max.moss@example.net", 1]["status"] == "sent"
    assert ledger["nia.noble@example.net", 1]["status"] == "sent"
    assert "max.moss@example.net" not in suppressed and "nia.noble@example.net" not in suppressed
    # The report about a message briefcast never sent is kept for an admin, matched to nothing.
    with engine.connect() as conn:
        kept = conn.execute(
            select(bounce_reports.c.recipient, bounce_reports.c.delivery_id).where(
                bounce_reports.c.action == "kept"
            )
        ).all()
    assert kept == [("pat.price@example.net", None)]
    # Read mail moved; the person's message left for a person.
    assert len(mailbox.folder("briefcast/processed")) == len(FILES) - 1
    [left] = mailbox.folder("INBOX")
    assert b"could you send the full review" in left

    before = database_contents(engine)
    second = fetch_bounces(engine, mailbox.settings, token=mailbox.token)
    assert (second.reports, second.auto_replies, second.left, second.outcomes) == (0, 0, 1, ())
    assert database_contents(engine) == before
    assert world.issue_ids  # the world the fixtures name


def test_a_report_read_again_after_a_cut_short_fetch_changes_nothing(engine, mailbox):
    """Acted on, but the move never happened (the connection dropped): the next fetch reads it
    again, changes nothing, and moves it."""
    build(engine)
    data = (REPORTS / "exchange-5.1.10-recipient-not-found.eml").read_bytes()
    mailbox.deliver(data)
    mailbox.deliver(data)  # the same report twice stands in for one left unmoved

    report = fetch_bounces(engine, mailbox.settings, token=mailbox.token)

    assert report.reports == 2
    assert [o.action for o in report.outcomes] == ["bounced"]
    with engine.connect() as conn:
        assert conn.execute(select(bounce_reports.c.id)).all().__len__() == 1
    assert mailbox.folder("INBOX") == []
