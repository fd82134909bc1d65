"""The tables, as SQLAlchemy Core: the single description that migrations and queries share.

Core rather than ORM models because the heavy paths (imports of a million rows, the audience of a
send) are set-based SQL and batches of plain tuples; mapped objects would only be in the way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

# Ids are 64-bit on PostgreSQL (a later delivery ledger has a row per issue x recipient, so ids
# referenced from it must not run out) and INTEGER on SQLite, where only "INTEGER PRIMARY KEY"
# is the auto-incrementing rowid.
Id = BigInteger().with_variant(Integer(), "sqlite")

# Stable constraint names, so migrations can refer to them on both databases.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class SuppressionReason(StrEnum):
    UNSUBSCRIBED = "unsubscribed"  # the person asked (the link in every email, or by hand)
    BOUNCED = "bounced"  # the address does not exist any more
    COMPLAINED = "complained"  # marked as spam: never send again without a new opt-in
    MANUAL = "manual"  # an admin's decision (long-term leave, left the agency, ...)
    ERASED = "erased"  # `recipients forget`: only a salted hash of the address is kept


def utcnow() -> datetime:
    return datetime.now(UTC)


def _created_at() -> Column[datetime]:
    return Column("created_at", DateTime(timezone=True), nullable=False, default=utcnow)


# Small key/value facts about the database itself (the per-database erasure salt).
meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

recipients = Table(
    "recipients",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # Normalised (see recipients/addresses.py): one person, one row, whatever the source file.
    Column("address", String(320), nullable=False, unique=True),
    Column("name", String(200)),
    Column("organisation", String(200)),
    Column("role", String(200)),
    # Any other columns of the source file, kept so that a subject access export shows them.
    Column("attributes", JSON, nullable=False, default=dict),
    _created_at(),
    Column("updated_at", DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow),
)

lists = Table(
    "lists",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    # False for lists people are on because of their job (statutory briefings): no unsubscribe link.
    Column("unsubscribe_offered", Boolean, nullable=False, default=True),
    _created_at(),
)

import_runs = Table(
    "import_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("list_id", Id, ForeignKey("lists.id", ondelete="SET NULL")),
    Column("list_slug", String(64), nullable=False),  # kept if the list is ever deleted
    Column("started_at", DateTime(timezone=True), nullable=False, default=utcnow),
    Column("finished_at", DateTime(timezone=True)),
    Column("actor", String(200), nullable=False),
    Column("file_name", String(500), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("sync", Boolean, nullable=False),
    # The counts of ImportCounts (recipients/csv_import.py), as one JSON object: they will grow.
    Column("counts", JSON, nullable=False, default=dict),
)

memberships = Table(
    "memberships",
    metadata,
    Column("list_id", Id, ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True),
    Column("recipient_id", Id, ForeignKey("recipients.id", ondelete="CASCADE"), primary_key=True),
    Column("added_at", DateTime(timezone=True), nullable=False, default=utcnow),
    # Which import added the person, for a subject access export ("where did you get my address?").
    Column("import_run_id", Id, ForeignKey("import_runs.id", ondelete="SET NULL")),
    Index(None, "recipient_id"),
)

suppressions = Table(
    "suppressions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # By address, not recipient id: an address can be suppressed before it is ever imported, and
    # an erased person has no recipient row left, only address_hash.
    Column("address", String(320), index=True),
    Column("address_hash", String(64), index=True),
    # NULL: every list. Otherwise only this one.
    Column("list_id", Id, ForeignKey("lists.id", ondelete="CASCADE")),
    Column("reason", String(20), nullable=False),
    Column("created_by", String(200), nullable=False),
    _created_at(),
    CheckConstraint("address IS NOT NULL OR address_hash IS NOT NULL", name="address_or_hash"),
    CheckConstraint(
        "reason IN (" + ", ".join(f"'{r.value}'" for r in SuppressionReason) + ")",
        name="reason",
    ),
)
