"""the people search on PostgreSQL: a GIN trigram index (pg_trgm)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 01:30:00.000000

Self-contained, like 0008: the index is written out here, and store/people_search.py searches
the same expression (tests/store/test_people_search.py checks that the plan uses it). pg_trgm is
a trusted extension since PostgreSQL 13, so the database's owner may create it; when it cannot
be created (an older server, a role without CREATE on the database, the contrib package missing)
the search still works, unindexed, and `briefcast migrate` says so in one line.
"""

from alembic import context, op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# name, address and organisation as one text, separated by a space: a searched word never holds
# one (the query is split on white space), so a word matches within a column, never across two.
SEARCH_TEXT = (
    "(coalesce(name, '') || ' ' || address || ' ' || coalesce(organisation, ''))"
)
INDEX = (
    "CREATE INDEX IF NOT EXISTS recipient_search_trgm ON recipients "
    f"USING gin ({SEARCH_TEXT} gin_trgm_ops)"
)
UNINDEXED = (
    "note: the people search is not indexed (PostgreSQL could not create the pg_trgm extension: "
    "{reason}); it still works, more slowly with many people; docs/operations.md says how to "
    "add the index"
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return  # SQLite's search has its own index (0008)
    savepoint = bind.begin_nested()  # a refusal must not abort the whole migration
    try:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception as error:  # noqa: BLE001  (any refusal: the search works without it)
        savepoint.rollback()
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        context.config.attributes.setdefault("notes", []).append(UNINDEXED.format(reason=reason))
        return
    savepoint.commit()
    op.execute(INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS recipient_search_trgm")
        # the extension stays: other things in the database may use it
