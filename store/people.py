"""Recipients, one row per person: what a subject access export reads and an erasure deletes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select

from briefcast.store.schema import import_runs, lists, memberships, recipients


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
