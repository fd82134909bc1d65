"""Recipients, one row per person: what a subject access export reads and an erasure deletes.

That includes their history: the ledger rows of what was sent to them and their acknowledgements.
An erasure keeps those rows (the report's counts must stay true) but anonymous.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from briefcast.store.ledger import delivery_status
from briefcast.store.schema import (
    acknowledgements,
    bounce_reports,
    campaigns,
    deliveries,
    import_runs,
    issues,
    list_flags,
    list_uploads,
    lists,
    memberships,
    recipients,
)
from briefcast.store.scrubbing import scrub_columns


@dataclass(frozen=True)
class Recipient:
    id: int
    address: str
    name: str | None
    organisation: str | None
    role: str | None
    attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime


def address_of(conn: Connection, recipient_id: int) -> str | None:
    """The address of the person with this id (the console addresses people by id)."""
    query = select(recipients.c.address).where(recipients.c.id == recipient_id)
    return conn.execute(query).scalar_one_or_none()


@dataclass(frozen=True)
class MembershipHistory:
    list_slug: str
    list_name: str
    added_at: datetime
    # The import that added the person (None when added some other way, or its run was deleted).
    import_file: str | None
    import_file_sha256: str | None
    imported_at: datetime | None
    imported_by: str | None


@dataclass(frozen=True)
class SentRecord:
    """One ledger row of a person: an issue meant for them, and what became of it."""

    campaign: str
    issue_number: int
    subject: str
    list_slug: str | None  # None: the list has been deleted since
    list_name: str | None
    status: str
    attempts: int
    sent_at: datetime | None
    message_id: str | None
    last_error: str | None  # the relay's answer when it failed: may quote the address


@dataclass(frozen=True)
class AcknowledgementRecord:
    """A person's "I've read this", with the reflection they wrote, if any."""

    campaign: str
    issue_number: int
    subject: str
    list_slug: str | None
    acknowledged_at: datetime
    reflection: str | None


@dataclass(frozen=True)
class Anonymised:
    deliveries: int
    acknowledgements: int


def find_recipient(conn: Connection, address: str) -> Recipient | None:
    row = conn.execute(select(recipients).where(recipients.c.address == address)).one_or_none()
    return Recipient(**row._mapping) if row else None


def membership_history(conn: Connection, recipient_id: int) -> list[MembershipHistory]:
    query = (
        select(
            lists.c.slug,
            lists.c.name,
            memberships.c.added_at,
            import_runs.c.file_name,
            import_runs.c.file_sha256,
            import_runs.c.started_at,
            import_runs.c.actor,
        )
        .select_from(memberships.join(lists).outerjoin(import_runs))
        .where(memberships.c.recipient_id == recipient_id)
        .order_by(lists.c.slug)
    )
    return [MembershipHistory(*row) for row in conn.execute(query)]


def delete_recipient(conn: Connection, recipient_id: int) -> int:
    """Delete a person and their memberships; returns how many memberships went with them."""
    count = select(func.count()).where(memberships.c.recipient_id == recipient_id)
    removed = conn.execute(count).scalar_one()
    # Memberships first, explicitly: not every SQLite connection is guaranteed to enforce
    # ON DELETE CASCADE (it needs PRAGMA foreign_keys), and an erasure must not leave any behind.
    conn.execute(delete(memberships).where(memberships.c.recipient_id == recipient_id))
    conn.execute(delete(recipients).where(recipients.c.id == recipient_id))
    return removed


def sent_to(conn: Connection, recipient_id: int) -> list[SentRecord]:
    """Every ledger row of the person, by campaign and issue number."""
    d, i, c, li = deliveries.c, issues.c, campaigns.c, lists.c
    query = (
        select(
            c.name,
            i.number,
            i.subject,
            li.slug,
            li.name,
            delivery_status,
            d.attempts,
            d.sent_at,
            d.message_id,
            d.last_error,
        )
        .select_from(
            deliveries.join(issues, d.issue_id == i.id)
            .join(campaigns, i.campaign_id == c.id)
            .outerjoin(lists, d.list_id == li.id)
        )
        .where(d.recipient_id == recipient_id)
        .order_by(c.name, i.number, d.id)
    )
    return [SentRecord(*row) for row in conn.execute(query)]


def acknowledgements_of(conn: Connection, recipient_id: int) -> list[AcknowledgementRecord]:
    a, i, c, li = acknowledgements.c, issues.c, campaigns.c, lists.c
    query = (
        select(c.name, i.number, i.subject, li.slug, a.created_at, a.reflection)
        .select_from(
            acknowledgements.join(issues, a.issue_id == i.id)
            .join(campaigns, i.campaign_id == c.id)
            .outerjoin(lists, a.list_id == li.id)
        )
        .where(a.recipient_id == recipient_id)
        .order_by(c.name, i.number, a.id)
    )
    return [AcknowledgementRecord(*row) for row in conn.execute(query)]


# Free text that can quote anyone's address (a relay's refusal, a file name, a reflection naming
# a colleague), beside the person's own rows that anonymise_history() empties. The audit trail is
# scrubbed by store/audit.py, the only code that writes it.
QUOTING_COLUMNS = (
    (issues, ("state_reason",)),
    (deliveries, ("last_error",)),
    (acknowledgements, ("reflection",)),
    (import_runs, ("file_name", "counts")),
    (lists, ("name", "description")),
    # A far server's words in a delivery report often quote the address (bounces/).
    (bounce_reports, ("diagnostic",)),
    (list_flags, ("diagnostic",)),
    # A console upload's check names members not in the file (who "make the list match" would
    # remove) and its file name can be anyone's; an upload whose file holds the address is
    # deleted outright (recipients/pending_uploads.py).
    (list_uploads, ("file_name", "check_report", "result", "error", "note")),
)


def scrub_address(conn: Connection, address: str) -> int:
    """Rewrite `address` out of every free-text column that can quote it; returns rows changed."""
    return sum(scrub_columns(conn, table, columns, address) for table, columns in QUOTING_COLUMNS)


def anonymise_history(conn: Connection, recipient_id: int) -> Anonymised:
    """Detach a person's ledger rows and acknowledgements from them before they are erased.

    The rows stay, so a report's counts stay true, but nothing in them leads back to the person:
    the recipient id goes (explicitly: the foreign key's ON DELETE SET NULL needs PRAGMA
    foreign_keys on SQLite), and so does free text that can name them: a relay's error often
    quotes the address, and a reflection can say who wrote it.
    """
    sent = conn.execute(
        update(deliveries)
        .where(deliveries.c.recipient_id == recipient_id)
        .values(recipient_id=None, last_error=None)
    ).rowcount
    acknowledged = conn.execute(
        update(acknowledgements)
        .where(acknowledgements.c.recipient_id == recipient_id)
        .values(recipient_id=None, reflection=None)
    ).rowcount
    return Anonymised(sent, acknowledged)
