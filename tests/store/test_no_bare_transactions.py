"""Library code opens transactions only through store.engine.read() / write(), so every one says
whether it writes (and readers never wait for SQLite's write lock). The few connections that run
their own transactions (the send loop, the import, the worker's advisory lock) say so."""

import re

from library_code import ROOT, library_files

BARE = re.compile(r"\bengine\.(connect|begin)\(\)")
EXCUSE = "own transactions"


def test_every_transaction_in_library_code_is_a_declared_read_or_write():
    offenders = []
    for path in library_files("store/engine.py"):
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
