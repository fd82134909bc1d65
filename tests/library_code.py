"""The library's own source files, for the guards that read every one (tests/store/test_no_*)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import briefcast

ROOT = Path(briefcast.__file__).parent
# Not library code: tests, tools, docs, and what a local build or CI leaves behind.
NOT_LIBRARY = frozenset({"tests", "benchmarks", "docs", ".ci", "build", "dist"})


def library_files(*allowed: str) -> Iterator[Path]:
    """Every .py file of the library but its migrations and the `allowed` ones ("store/x.py")."""
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in NOT_LIBRARY or "migrations" in relative.parts:
            continue
        if relative.as_posix() not in allowed:
            yield path
