"""Alembic's entry point: migrations run on the connection store.engine.upgrade() hands over."""

from alembic import context

from briefcast.store.schema import metadata

# APScheduler creates and owns its job table on the same database; migrations leave it alone.
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    # recipient_search*: the people search's index, written out by its migrations themselves
    # (SQLite's FTS5 table, 0008; PostgreSQL's trigram index, 0013, there only with pg_trgm)
    if type_ == "index" and name and name.startswith("recipient_search"):
        return False
    foreign = name in FOREIGN_TABLES or name.startswith("recipient_search")
    return not (type_ == "table" and foreign)


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    include_object=include_object,
    # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
