"""The database: SQLAlchemy schema, engine and Alembic migrations; the one place that knows tables.

Other packages call the functions of the modules here (`store.lists`, `store.people`,
`store.suppressions`, `store.imports`, `store.audience`, `store.meta`) with a Connection inside a
transaction they own; none of them touches a table directly.
"""

from briefcast.store.engine import DatabaseError, connect, open_database, upgrade

__all__ = ["DatabaseError", "connect", "open_database", "upgrade"]
