"""Free text in the database that quotes an erased person: found and rewritten, wherever it is.

    scrub_columns(conn, table, ("reason", "details"), "jane.doe@example.org") -> rows changed

A relay's refusal quotes the address ("550 5.1.1 <jane.doe@example.org> User unknown") and ends
up in an issue's pause reason, a ledger row's last error and the audit trail's reason. Erasure
replaces every occurrence, in any letter case (relays echo the address as it was typed), with
ERASED; JSON columns are rewritten value by value so they stay valid JSON. Only the few rows
that quote it are read and written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, String, Table, cast, func, or_, select, update

ERASED = "[erased]"


def scrub_columns(conn: Connection, table: Table, columns: Iterable[str], text: str) -> int:
    """Replace `text` (any case) with ERASED in these columns of `table`; returns rows changed.
    The table needs an `id` column."""
    names = list(columns)
    needle = text.lower()
    quoting = or_(
        *(func.lower(cast(table.c[n], String)).contains(needle, autoescape=True) for n in names)
    )
    pattern = re.compile(re.escape(text), re.IGNORECASE)
    changed = 0
    for row in conn.execute(select(table.c.id, *(table.c[n] for n in names)).where(quoting)):
        values = {name: _scrubbed(row[index + 1], pattern) for index, name in enumerate(names)}
        conn.execute(update(table).where(table.c.id == row[0]).values(**values))
        changed += 1
    return changed


def _scrubbed(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, dict):  # a JSON column: keys and values, at any depth
        return {_scrubbed(k, pattern): _scrubbed(v, pattern) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(item, pattern) for item in value]
    return value
