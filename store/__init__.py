"""The database: SQLAlchemy schema, engine and Alembic migrations (the one place that knows the tables)."""
