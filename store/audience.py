"""The audience query: who a send reaches through which list, one keyset page at a time."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Row, and_, case, exists, literal, select

from briefcast.store.schema import Id, memberships, recipients
from briefcast.store.suppressions import suppressed_for


def audience_page(
    conn: Connection,
    lists: Sequence[tuple[int, str]],
    exclude: Sequence[int],
    after_id: int,
    limit: int,
) -> list[Row]:
    """Up to `limit` rows (id, address, name, organisation, role, list slug) with id > after_id.

    `lists` are (id, slug) pairs in order of preference: a person on several is reached through
    the first one on which they are not suppressed. Pages are keyed on the recipient id rather
    than OFFSET, so page 1,000 costs what page 1 does.
    """

    def reachable(list_id: int):  # type: ignore[no-untyped-def]
        return and_(
            exists().where(
                memberships.c.recipient_id == recipients.c.id,
                memberships.c.list_id == list_id,
            ),
            ~suppressed_for(recipients.c.address, literal(list_id, Id)),
        )

    reached_through = case(*((reachable(id_), literal(slug)) for id_, slug in lists), else_=None)
    query = (
        select(
            recipients.c.id,
            recipients.c.address,
            recipients.c.name,
            recipients.c.organisation,
            recipients.c.role,
            reached_through,
        )
        .where(recipients.c.id > after_id, reached_through.is_not(None))
        .order_by(recipients.c.id)
        .limit(limit)
    )
    if exclude:
        query = query.where(
            ~exists().where(
                memberships.c.recipient_id == recipients.c.id,
                memberships.c.list_id.in_(exclude),
            )
        )
    return list(conn.execute(query))
