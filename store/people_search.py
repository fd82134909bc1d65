"""Finding people on the lists by a piece of their name, address or organisation.

    search(conn, "lee", limit=50) -> list[Found]    # every word must match, any column

On SQLite the words are looked up in `recipient_search`, an FTS5 table of trigrams that migration
0008 creates and triggers keep up to date, so a search reads an index however many people there
are (tests/store/test_people_search.py checks the plan at 100,000). On PostgreSQL each word is an
ILIKE on the three columns as one text, which migration 0013's GIN trigram index (pg_trgm) holds,
so there too a search reads an index (the same test, on PostgreSQL); where pg_trgm could not be
created it is a scan, slower but the same answers. `forget_removed` merges SQLite's index after
an erasure, so the trigrams of an erased address do not linger in an old segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    String,
    bindparam,
    func,
    literal_column,
    select,
    text,
)

from briefcast.store.schema import memberships, recipients

SHORTEST = 3  # characters in a word: a trigram index cannot look up less
# PostgreSQL: exactly the expression migration 0013 indexes (else the planner cannot use it).
# Separated by a space, which no searched word holds, so a word never matches across columns.
PG_SEARCH_TEXT = literal_column(
    "(coalesce(recipients.name, '') || ' ' || recipients.address || ' ' "
    "|| coalesce(recipients.organisation, ''))",
    String,
)


@dataclass(frozen=True)
class Found:
    id: int
    address: str
    name: str | None
    organisation: str | None
    lists: int  # how many lists they are on


def search_words(query: str) -> list[str]:
    """The words of a query that can be looked up (at least SHORTEST characters)."""
    return [word for word in query.split() if len(word) >= SHORTEST]


def search(conn: Connection, query: str, limit: int = 50) -> list[Found]:
    """The first `limit` people matching every word of `query`, by name then address."""
    found = statement(conn, query, limit)
    return [Found(*row) for row in conn.execute(found)] if found is not None else []


def statement(conn: Connection, query: str, limit: int) -> Select[Any] | None:
    """The SELECT `search` runs (None when no word is long enough), for its query plan too."""
    words = search_words(query)
    if not words:
        return None
    r = recipients.c
    lists_of = select(func.count()).where(memberships.c.recipient_id == r.id).scalar_subquery()
    columns = select(r.id, r.address, r.name, r.organisation, lists_of)
    if conn.dialect.name == "sqlite":
        # each word a quoted phrase (quotes doubled), all of them required
        match = " ".join('"' + word.replace('"', '""') + '"' for word in words)
        found = columns.where(
            r.id.in_(
                select(literal_column("rowid"))
                .select_from(text("recipient_search"))
                .where(
                    text("recipient_search MATCH :match").bindparams(
                        bindparam("match", match, type_=String)
                    )
                )
            )
        )
    else:
        found = columns.where(
            *(PG_SEARCH_TEXT.ilike(f"%{_escape(w)}%", escape="\\") for w in words)
        )
    return found.order_by(r.name.nulls_last(), r.address).limit(limit)


def forget_removed(conn: Connection) -> None:
    """Merge the search index, so what deleted rows left in older segments is gone (SQLite)."""
    if conn.dialect.name == "sqlite":
        conn.execute(text("INSERT INTO recipient_search(recipient_search) VALUES ('optimize')"))


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
