"""Imports as set-based SQL: rows are staged in a temporary table, then diffed and merged in one go.

Staging keeps memory flat however big the file (rows go to the database in batches, nothing is held
as objects), and the diff, the merge and a `--sync` removal become a handful of statements the
database runs over indexes. Everything happens on the caller's connection, inside its transaction:
on rollback even the staging table disappears.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from briefcast.store.engine import DatabaseError
from briefcast.store.schema import Id, import_runs, memberships, recipients, utcnow
from briefcast.store.suppressions import suppressed_for

SAMPLE_SIZE = 10  # addresses shown per kind of change in a diff


@dataclass(frozen=True)
class StagedDiff:
    """What merging the staged rows into a list would do. Each staged address is in exactly one of
    added, unchanged or suppressed; removed only counts with sync."""

    staged: int
    duplicates: int  # rows whose address appeared earlier in the file (first one wins)
    added: int
    unchanged: int
    suppressed: int  # in the file, but suppressed for this list: they stay suppressed
    removed: int
    added_sample: tuple[str, ...]
    removed_sample: tuple[str, ...]


class ImportStaging:
    """A temporary table of one file's valid rows, deduplicated by address."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.rows_offered = 0
        self.table = Table(
            "import_staging",
            MetaData(),
            Column("address", String(320), primary_key=True),
            Column("row_number", Integer, nullable=False),
            Column("name", String(200)),
            Column("organisation", String(200)),
            Column("role", String(200)),
            Column("attributes", JSON),
            prefixes=["TEMPORARY"],
        )
        self.table.create(conn)
        self._insert = _insert_ignoring_duplicates(conn, self.table)

    def add(self, rows: Sequence[dict[str, Any]]) -> None:
        """Stage a batch of rows (dicts with the table's columns), in file order."""
        if rows:
            self.conn.execute(self._insert, rows)
            self.rows_offered += len(rows)

    def drop(self) -> None:
        self.table.drop(self.conn)

    def diff(self, list_id: int, sync: bool) -> StagedDiff:
        staged = self.table.c
        staged_count = self.conn.execute(select(func.count()).select_from(self.table)).scalar_one()
        suppressed = suppressed_for(staged.address, literal(list_id, Id))
        already_member = (
            exists()
            .where(recipients.c.address == staged.address)
            .where(memberships.c.recipient_id == recipients.c.id)
            .where(memberships.c.list_id == list_id)
        )
        counts = self.conn.execute(
            select(
                func.count().filter(suppressed),
                func.count().filter(already_member & ~suppressed),
            ).select_from(self.table)
        ).one()
        added_query = (
            select(staged.address).where(~suppressed, ~already_member).order_by(staged.address)
        )
        removed_query = self._leaving(list_id).order_by(recipients.c.address)
        return StagedDiff(
            staged=staged_count,
            duplicates=self.rows_offered - staged_count,
            added=staged_count - counts[0] - counts[1],
            unchanged=counts[1],
            suppressed=counts[0],
            removed=self._count(self._leaving(list_id)) if sync else 0,
            added_sample=self._sample(added_query),
            removed_sample=self._sample(removed_query) if sync else (),
        )

    def apply(self, list_id: int, import_run_id: int, sync: bool) -> None:
        """Merge into recipients and the list's memberships; with sync, drop members not staged."""
        staged = self.table.c
        now = utcnow()

        def from_file(column: Column[Any]) -> Any:
            value = select(column).where(staged.address == recipients.c.address).scalar_subquery()
            return func.coalesce(value, recipients.c[column.name])

        # Existing people first, so the rows inserted next are not updated again. A column the
        # file lacks (or a blank cell) leaves what we know alone.
        self.conn.execute(
            update(recipients)
            .where(recipients.c.address.in_(select(staged.address)))
            .values(
                name=from_file(staged.name),
                organisation=from_file(staged.organisation),
                role=from_file(staged.role),
                attributes=from_file(staged.attributes),
                updated_at=now,
            )
        )
        new_people = select(
            staged.address,
            staged.name,
            staged.organisation,
            staged.role,
            func.coalesce(staged.attributes, literal({}, JSON)),
            literal(now, recipients.c.created_at.type),
            literal(now, recipients.c.updated_at.type),
        ).where(~exists().where(recipients.c.address == staged.address))
        columns = ["address", "name", "organisation", "role", "attributes", "created_at"]
        self.conn.execute(insert(recipients).from_select([*columns, "updated_at"], new_people))

        new_members = (
            select(
                literal(list_id, Id),
                recipients.c.id,
                literal(now, memberships.c.added_at.type),
                literal(import_run_id, Id),
            )
            .select_from(self.table.join(recipients, recipients.c.address == staged.address))
            .where(
                ~exists().where(
                    memberships.c.list_id == list_id,
                    memberships.c.recipient_id == recipients.c.id,
                )
            )
        )
        self.conn.execute(
            insert(memberships).from_select(
                ["list_id", "recipient_id", "added_at", "import_run_id"], new_members
            )
        )
        if sync:
            leaving = self._leaving(list_id).with_only_columns(recipients.c.id)
            self.conn.execute(
                delete(memberships).where(
                    memberships.c.list_id == list_id, memberships.c.recipient_id.in_(leaving)
                )
            )

    def _leaving(self, list_id: int):  # type: ignore[no-untyped-def]
        """Members of the list whose address is not in the file."""
        return (
            select(recipients.c.address)
            .select_from(memberships.join(recipients))
            .where(memberships.c.list_id == list_id)
            .where(~exists().where(self.table.c.address == recipients.c.address))
        )

    def _count(self, query) -> int:  # type: ignore[no-untyped-def]
        return self.conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()

    def _sample(self, query) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
        return tuple(self.conn.execute(query.limit(SAMPLE_SIZE)).scalars())


def start_import_run(
    conn: Connection, *, list_id: int, list_slug: str, actor: str, file_name: str, sha256: str,
    sync: bool,
) -> int:  # fmt: skip
    result = conn.execute(
        insert(import_runs).values(
            list_id=list_id,
            list_slug=list_slug,
            actor=actor,
            file_name=file_name,
            file_sha256=sha256,
            sync=sync,
            counts={},
        )
    )
    return result.inserted_primary_key[0]


def finish_import_run(conn: Connection, import_run_id: int, counts: dict[str, int]) -> None:
    conn.execute(
        update(import_runs)
        .where(import_runs.c.id == import_run_id)
        .values(finished_at=utcnow(), counts=counts)
    )


def _insert_ignoring_duplicates(conn: Connection, table: Table):  # type: ignore[no-untyped-def]
    # "First row wins" for an address repeated in a file, in one statement per batch.
    dialects = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
    if conn.dialect.name not in dialects:
        raise DatabaseError(
            f"imports need SQLite or PostgreSQL; this database is {conn.dialect.name}"
        )
    return dialects[conn.dialect.name](table).on_conflict_do_nothing()
