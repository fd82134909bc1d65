"""Library code opens transactions only through store.engine.read() / write(), so every one says
whether it writes (and readers never wait for SQLite's write lock). The few connections that run
their own transactions (the send loop, the import, the worker's advisory lock) say so."""

import re
from pathlib import Path

import briefcast

ROOT = Path(briefcast.__file__).parent
# Not library code: tests, tools, docs, and what a local build or CI leaves behind.
NOT_LIBRARY = frozenset({"tests", "benchmarks", "docs", ".ci", "build", "dist"})
BARE = re.compile(r"\bengine\.(connect|begin)\(\)")
EXCUSE = "own transactions"


def _library_files():
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        # Not library code: tests, tools, docs, and build/ or a venv a build or CI leaves behind.
        if (
            parts[0] in {"tests", "benchmarks", "docs", ".ci", "build", "dist"}
            or "migrations" in parts
        ):
            continue
        if path.relative_to(ROOT).as_posix() == "store/engine.py":
            continue
        yield path


def test_every_transaction_in_library_code_is_a_declared_read_or_write():
    offenders = []
    for path in _library_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if BARE.search(line) and not any(
                EXCUSE in near for near in lines[max(0, number - 2) : number + 3]
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{number + 1}: {line.strip()}")
    assert offenders == [], "use store.engine.read()/write():\n" + "\n".join(offenders)


def test_the_guard_sees_a_bare_transaction():
    assert BARE.search("    with self.engine.connect() as conn:")
    assert BARE.search("with engine.begin() as conn:")
    assert not BARE.search("with read(engine) as conn:")
