"""The ledger the report fixtures (tests/bounces/reports/) were written against: who was sent
which issue with which Message-ID, and the files, in the order they arrive in the mailbox."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ledger_rows import add_campaign, add_delivery, add_issue, add_list, add_member, add_person
from sqlalchemy import Engine, select, update

from briefcast.store.engine import write
from briefcast.store.schema import IssueState, deliveries, issues, recipients

REPORTS = Path(__file__).parent / "reports"

# (address, list, organisation, issue number, the Message-ID its message had)
SENT = [
    ("ann.archer@example.net", "health", "Example Health Trust", 1, "001.ann.archer"),
    ("ben.baker@example.net", "health", "Example Health Trust", 1, "002.ben.baker"),
    ("cat.cole@example.org", "health", "Example Council", 1, "003.cat.cole"),
    ("safeguarding-leads@example.net", "police", "Example Police", 1, "004.safeguarding-leads"),
    ("dee.dale@example.org", "health", "Example Council", 1, "005.dee.dale"),
    ("child-protection@example.net", "police", "Example Police", 1, "006.child-protection"),
    ("mash-duty@example.net", "police", "Example Police", 1, "007.mash-duty"),
    ("eve.east@example.net", "health", "Example Health Trust", 1, "008.eve.east"),
    ("jon.jones@example.net", "health", "Example Health Trust", 1, "013.jon.jones"),
    ("lee.lowe@example.net", "health", "Example Health Trust", 1, "014.lee.lowe"),
    ("max.moss@example.net", "health", "Example Health Trust", 1, "015.max.moss"),
    ("nia.noble@example.net", "health", "Example Health Trust", 1, "016.nia.noble"),
    ("ola.owen@example.net", "health", "Example Health Trust", 1, "018.ola.owen"),
    ("kim.king@example.net", "health", "Example Health Trust", 1, "101.kim.king"),
    ("kim.king@example.net", "health", "Example Health Trust", 2, "102.kim.king"),
    ("kim.king@example.net", "health", "Example Health Trust", 3, "103.kim.king"),
    # Issue 4 is still being sent when our own trouble is reported.
    ("fay.ford@example.net", "health", "Example Health Trust", 4, "009.fay.ford"),
    ("gus.gray@example.net", "health", "Example Health Trust", 4, "010.gus.gray"),
    ("hal.hunt@example.net", "health", "Example Health Trust", 4, "011.hal.hunt"),
    ("ivy.irwin@example.net", "health", "Example Health Trust", 4, "012.ivy.irwin"),
]
ISSUE_STATES = {
    1: IssueState.SENT,
    2: IssueState.SENT,
    3: IssueState.SENT,
    4: IssueState.SENDING,
    5: IssueState.SCHEDULED,
}

# In mailbox order. The quota report comes before the blocked ones.
FILES = [
    "exchange-5.1.10-recipient-not-found.eml",
    "exchange-5.1.1-bad-destination.eml",
    "exchange-5.4.1-access-denied.eml",
    "exchange-5.7.133-group-refuses-outside-senders.eml",
    "exchange-5.7.1-not-authorized.eml",
    "exchange-5.7.124-not-in-allowed-senders.eml",
    "exchange-5.7.134-mailbox-refuses-outside-senders.eml",
    "exchange-5.2.2-submission-quota.eml",
    "exchange-5.1.90-daily-recipient-limit.eml",
    "exchange-5.7.501-sending-account-banned.eml",
    "exchange-5.7.705-tenant-blocked.eml",
    "exchange-5.1.8-bad-outbound-sender.eml",
    "postfix-5.1.1-user-unknown.eml",
    "dsn-headers-only-5.1.1.eml",
    "qmail-no-dsn-5.1.1.eml",
    "postfix-4.7.0-delayed.eml",
    "postfix-4.4.1-gave-up-issue-1.eml",
    "postfix-4.4.1-gave-up-issue-2.eml",
    "postfix-4.4.1-gave-up-issue-3.eml",
    "exchange-out-of-office.eml",
    "exchange-5.1.10-not-ours.eml",
    "person-writing.eml",
]


@dataclass(frozen=True)
class World:
    issue_ids: dict[int, int]  # number -> id
    list_ids: dict[str, int]  # slug -> id


def message_id(local: str) -> str:
    return f"<{local}@briefings.example.org>"


def build(engine: Engine) -> World:
    with write(engine) as conn:
        list_ids = {
            "health": add_list(conn, "health", "Health practitioners"),
            "police": add_list(conn, "police", "Police and MASH"),
        }
        campaign = add_campaign(conn)
        issue_ids = {
            number: add_issue(conn, campaign, number, state=state)
            for number, state in ISSUE_STATES.items()
        }
        people: dict[str, int] = {}
        for address, slug, organisation, number, local in SENT:
            if address not in people:
                name = address.split("@")[0].replace(".", " ").title()
                people[address] = add_person(conn, address, name, organisation)
                add_member(conn, list_ids[slug], people[address])
            row = add_delivery(conn, issue_ids[number], people[address], list_ids[slug])
            conn.execute(
                update(deliveries)
                .where(deliveries.c.id == row)
                .values(message_id=message_id(local))
            )
    return World(issue_ids, list_ids)


def rows(engine: Engine) -> dict[tuple[str, int], dict]:
    """Each ledger row's columns, by (address, issue number)."""
    with engine.connect() as conn:
        query = (
            select(recipients.c.address, issues.c.number, deliveries)
            .join(recipients, deliveries.c.recipient_id == recipients.c.id)
            .join(issues, deliveries.c.issue_id == issues.c.id)
        )
        return {(r["address"], r["number"]): dict(r) for r in conn.execute(query).mappings()}
