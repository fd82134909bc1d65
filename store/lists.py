"""Lists and their members: the queries behind `briefcast lists ...`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, select

from briefcast.store.schema import import_runs, lists, memberships, read_utc, recipients
from briefcast.store.suppressions import suppressed_for


@dataclass(frozen=True)
class ListRecord:
    id: int
    slug: str
    name: str
    description: str
    unsubscribe_offered: bool
    created_at: datetime


@dataclass(frozen=True)
class ListCounts:
    members: int
    suppressed: int  # members who are suppressed for this list (or for every list)


@dataclass(frozen=True)
class Member:
    recipient_id: int
    address: str
    name: str | None
    organisation: str | None
    role: str | None
    suppressed: bool


@dataclass(frozen=True)
class LastImport:
    finished_at: datetime
    actor: str
    file_name: str
    sync: bool


def last_imports(conn: Connection) -> dict[int, LastImport]:
    """Each list's latest finished import (lists never imported into are missing)."""
    i = import_runs.c
    latest = (
        select(func.max(i.id))
        .where(i.finished_at.is_not(None), i.list_id.is_not(None))
        .group_by(i.list_id)
    )
    query = select(i.list_id, i.finished_at, i.actor, i.file_name, i.sync).where(i.id.in_(latest))
    return {
        row.list_id: LastImport(read_utc(row.finished_at), row.actor, row.file_name, row.sync)
        for row in conn.execute(query)
    }


def find_list(conn: Connection, slug: str) -> ListRecord | None:
    row = conn.execute(select(lists).where(lists.c.slug == slug)).one_or_none()
    return ListRecord(**row._mapping) if row else None


def all_lists(conn: Connection) -> list[ListRecord]:
    return [
        ListRecord(**row._mapping) for row in conn.execute(select(lists).order_by(lists.c.slug))
    ]


def create_list(
    conn: Connection, slug: str, name: str, description: str, unsubscribe_offered: bool
) -> ListRecord:
    conn.execute(
        insert(lists).values(
            slug=slug, name=name, description=description, unsubscribe_offered=unsubscribe_offered
        )
    )
    created = find_list(conn, slug)
    assert created is not None
    return created


def count_members(conn: Connection, list_id: int) -> ListCounts:
    suppressed = suppressed_for(recipients.c.address, memberships.c.list_id)
    row = conn.execute(
        select(func.count(), func.count().filter(suppressed))
        .select_from(memberships.join(recipients))
        .where(memberships.c.list_id == list_id)
    ).one()
    return ListCounts(members=row[0], suppressed=row[1])


def members(conn: Connection, list_id: int, limit: int | None = None) -> Iterator[Member]:
    """The members of a list by address, streamed (an export can be a million rows)."""
    query = (
        select(
            recipients.c.id,
            recipients.c.address,
            recipients.c.name,
            recipients.c.organisation,
            recipients.c.role,
            suppressed_for(recipients.c.address, memberships.c.list_id),
        )
        .select_from(memberships.join(recipients))
        .where(memberships.c.list_id == list_id)
        .order_by(recipients.c.address)
        .limit(limit)
    )
    for row in conn.execution_options(yield_per=1000).execute(query):
        yield Member(*row[:5], suppressed=bool(row[5]))


def remove_member(conn: Connection, list_id: int, address: str) -> bool:
    recipient_id = select(recipients.c.id).where(recipients.c.address == address).scalar_subquery()
    result = conn.execute(
        memberships.delete().where(
            memberships.c.list_id == list_id, memberships.c.recipient_id == recipient_id
        )
    )
    return result.rowcount > 0
