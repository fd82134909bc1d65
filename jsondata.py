"""Plain JSON data from the frozen dataclasses: one conversion for every `--json` and snapshot.

Dataclasses become objects, tuples lists, dates and times ISO 8601 with their UTC offset, paths
text, enums their value. Documents a command prints carry `"version"`, so a script can tell when
their shape changes.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from enum import Enum
from pathlib import Path
from typing import Any

VERSION = 1  # of the documents `--json` prints


def to_plain(value: Any, *, leave_out: frozenset[str] = frozenset()) -> Any:
    """JSON-ready data; `leave_out` names dataclass fields not to carry (at any depth)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_plain(getattr(value, f.name), leave_out=leave_out)
            for f in dataclasses.fields(value)
            if f.name not in leave_out
        }
    if isinstance(value, list | tuple):
        return [to_plain(item, leave_out=leave_out) for item in value]
    if isinstance(value, Mapping):
        return {str(k): to_plain(v, leave_out=leave_out) for k, v in value.items()}
    if isinstance(value, datetime) and value.tzinfo is None:
        # Every time briefcast keeps is UTC; SQLite hands them back without the offset.
        return value.replace(tzinfo=UTC).isoformat()
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    return value


def document(data: Any, *, key: str | None = None) -> dict[str, Any]:
    """A versioned document: an object's fields beside `"version"`, or a list under `key`."""
    plain = to_plain(data)
    if isinstance(plain, dict):
        return {"version": VERSION, **plain}
    if key is None:
        raise TypeError("a list needs a key to go under in a versioned document")
    return {"version": VERSION, key: plain}


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
