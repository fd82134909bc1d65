"""Facts about the database itself, as key/value pairs (the erasure salt and its fingerprint)."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from briefcast.store.schema import meta


def get_meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar_one_or_none()


def set_meta(conn: Connection, key: str, value: str) -> None:
    if conn.execute(update(meta).where(meta.c.key == key).values(value=value)).rowcount == 0:
        conn.execute(insert(meta).values(key=key, value=value))
