"""Suppressions: who must not be sent to, on which lists, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, delete, exists, insert, or_, select

from briefcast.store.schema import SuppressionReason, lists, suppressions


@dataclass(frozen=True)
class Suppression:
    id: int
    address: str | None
    list_slug: str | None  # None: every list
    reason: SuppressionReason
    created_by: str
    created_at: datetime


def suppressed_for(address: ColumnElement[str], list_id: ColumnElement[int]) -> ColumnElement[bool]:
    """SQL: true where a suppression covers this address on this list (its own, or every list)."""
    return exists().where(
        suppressions.c.address == address,
        or_(suppressions.c.list_id.is_(None), suppressions.c.list_id == list_id),
    )


def _select():  # type: ignore[no-untyped-def]
    return select(
        suppressions.c.id,
        suppressions.c.address,
        lists.c.slug,
        suppressions.c.reason,
        suppressions.c.created_by,
        suppressions.c.created_at,
    ).select_from(suppressions.outerjoin(lists))


def _record(row) -> Suppression:  # type: ignore[no-untyped-def]
    return Suppression(*row[:3], SuppressionReason(row[3]), *row[4:])


def suppressions_of(conn: Connection, address: str) -> list[Suppression]:
    query = _select().where(suppressions.c.address == address).order_by(suppressions.c.id)
    return [_record(row) for row in conn.execute(query)]


def find_suppression(conn: Connection, address: str, list_id: int | None) -> Suppression | None:
    scope = (
        suppressions.c.list_id.is_(None) if list_id is None else suppressions.c.list_id == list_id
    )
    row = conn.execute(_select().where(suppressions.c.address == address, scope)).first()
    return _record(row) if row else None


def add_suppression(
    conn: Connection,
    *,
    reason: SuppressionReason,
    created_by: str,
    address: str | None = None,
    address_hash: str | None = None,
    list_id: int | None = None,
) -> None:
    conn.execute(
        insert(suppressions).values(
            address=address,
            address_hash=address_hash,
            list_id=list_id,
            reason=reason.value,
            created_by=created_by,
        )
    )


def remove_suppression(conn: Connection, suppression_id: int) -> None:
    conn.execute(delete(suppressions).where(suppressions.c.id == suppression_id))


def delete_suppressions_of(conn: Connection, address: str) -> int:
    return conn.execute(delete(suppressions).where(suppressions.c.address == address)).rowcount


def erased_hashes(conn: Connection) -> set[str]:
    """Every erased address's hash: few (one per erasure), so an import keeps them in memory."""
    query = select(suppressions.c.address_hash).where(suppressions.c.address_hash.is_not(None))
    return set(conn.execute(query).scalars())


def erasure_recorded(conn: Connection, address_hash: str) -> datetime | None:
    query = select(suppressions.c.created_at).where(suppressions.c.address_hash == address_hash)
    return conn.execute(query).scalars().first()
