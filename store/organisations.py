"""The agencies as the lists name them, and which names are merged into which for the report.

`reported(column)` is the one rule for the name the report shows: the alias's canonical name
when the list's name has been merged, else the name as the list has it. store/report.py joins
`organisation_aliases` on `recipients.organisation` and groups by it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, delete, func, insert, select

from briefcast.store.schema import organisation_aliases, recipients


@dataclass(frozen=True)
class Organisation:
    name: str  # as the lists have it
    people: int
    reported_as: str  # the canonical name (the name itself when not merged)
    merged: bool


def reported(organisation: ColumnElement[str | None]) -> ColumnElement[str | None]:
    """SQL: the organisation as the report names it (needs organisation_aliases outer-joined)."""
    return func.coalesce(organisation_aliases.c.canonical, organisation)


def organisations(conn: Connection) -> list[Organisation]:
    a, r = organisation_aliases.c, recipients.c
    query = (
        select(r.organisation, func.count(), a.canonical)
        .select_from(recipients.outerjoin(organisation_aliases, a.name == r.organisation))
        .where(r.organisation.is_not(None))
        .group_by(r.organisation, a.canonical)
        .order_by(func.coalesce(a.canonical, r.organisation), r.organisation)
    )
    return [
        Organisation(name, people, canonical or name, canonical is not None)
        for name, people, canonical in conn.execute(query)
    ]


def set_alias(conn: Connection, name: str, canonical: str, created_by: str) -> None:
    """Report `name` as `canonical` (replacing an earlier merge of `name`)."""
    conn.execute(delete(organisation_aliases).where(organisation_aliases.c.name == name))
    if name != canonical:
        conn.execute(
            insert(organisation_aliases).values(
                name=name, canonical=canonical, created_by=created_by
            )
        )


def remove_alias(conn: Connection, name: str) -> bool:
    result = conn.execute(delete(organisation_aliases).where(organisation_aliases.c.name == name))
    return result.rowcount > 0


def aliases_to(conn: Connection, canonical: str) -> list[str]:
    """The names merged into `canonical`."""
    a = organisation_aliases.c
    return list(conn.execute(select(a.name).where(a.canonical == canonical)).scalars())
