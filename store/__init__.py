"""The database: SQLAlchemy schema, engine and Alembic migrations; the one place that knows tables.

Other packages call the functions of the modules here (`store.lists`, `store.people`,
`store.suppressions`, `store.imports`, `store.audience`, `store.meta`) with a Connection inside a
transaction they own (opened with `read(engine)` or `write(engine)`); none of them touches a
table directly.
"""

from briefcast.store.engine import (
    DatabaseError,
    connect,
    migrate_database,
    open_database,
    read,
    upgrade,
    write,
)

__all__ = [
    "DatabaseError",
    "connect",
    "migrate_database",
    "open_database",
    "read",
    "upgrade",
    "write",
]
