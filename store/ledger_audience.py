"""Resolving an issue's audience into ledger rows: its lists, minus suppressions and excluded
lists, each person once. Every function takes a Connection inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, case, exists, func, insert, literal, select, update

from briefcast.store.ledger_issue import LedgerError
from briefcast.store.schema import (
    DeliveryStatus,
    Id,
    deliveries,
    issues,
    lists,
    memberships,
    recipients,
    to_utc,
)
from briefcast.store.suppressions import suppressed_for


def resolve_audience(conn: Connection, issue_id: int) -> int:
    """Insert a QUEUED row for each person the issue reaches who has none yet; returns the total.

    The audience is the issue's lists minus suppressions (for every list, or for the list the
    person would be reached through) minus anyone on an excluded list, each person once, reached
    through the first of the issue's lists (in its order) on which they are not suppressed.
    One INSERT ... SELECT, so a million people never pass through Python. Idempotent: running it
    again adds only people missing from the ledger, never a second row (the unique key agrees).
    """
    row = conn.execute(
        select(issues.c.lists, issues.c.exclude_lists).where(issues.c.id == issue_id)
    ).one_or_none()
    if row is None:
        raise LedgerError(f"there is no issue with id {issue_id}")
    wanted = _list_ids(conn, list(dict.fromkeys(row[0])))
    unwanted = _list_ids(conn, list(row[1] or ()))

    def reachable(list_id: int):  # type: ignore[no-untyped-def]
        return and_(
            exists().where(
                memberships.c.recipient_id == recipients.c.id, memberships.c.list_id == list_id
            ),
            ~suppressed_for(recipients.c.address, literal(list_id, Id)),
        )

    reached_through = case(*((reachable(id_), literal(id_, Id)) for id_ in wanted), else_=None)
    already = exists().where(
        deliveries.c.issue_id == issue_id, deliveries.c.recipient_id == recipients.c.id
    )
    audience = select(
        literal(issue_id, Id),
        recipients.c.id,
        reached_through,
        literal(DeliveryStatus.QUEUED.value),
        literal(0),
        literal(to_utc(datetime.now(UTC)), deliveries.c.updated_at.type),
    ).where(reached_through.is_not(None), ~already)
    if unwanted:
        audience = audience.where(
            ~exists().where(
                memberships.c.recipient_id == recipients.c.id,
                memberships.c.list_id.in_(unwanted),
            )
        )
    columns = ["issue_id", "recipient_id", "list_id", "status", "attempts", "updated_at"]
    conn.execute(insert(deliveries).from_select(columns, audience))
    size = conn.execute(
        select(func.count()).select_from(deliveries).where(deliveries.c.issue_id == issue_id)
    ).scalar_one()
    conn.execute(update(issues).where(issues.c.id == issue_id).values(audience_size=size))
    return size


def missing_lists(conn: Connection, slugs: Sequence[str]) -> list[str]:
    """The slugs no list has: an issue naming one cannot be sent (`schedule` refuses it first)."""
    return [slug for slug in slugs if slug not in _found_lists(conn, slugs)]


def _found_lists(conn: Connection, slugs: Sequence[str]) -> dict[str, int]:
    query = select(lists.c.slug, lists.c.id).where(lists.c.slug.in_(slugs))
    return {slug: id_ for slug, id_ in conn.execute(query)}


def _list_ids(conn: Connection, slugs: Sequence[str]) -> list[int]:
    found = _found_lists(conn, slugs)
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise LedgerError(
            f"the issue goes to the list {missing[0]!r}, which does not exist: import it "
            "(briefcast lists import) or remove it from the campaign file and schedule again"
        )
    return [found[slug] for slug in slugs]
