"""Modules short enough to read in one sitting: the project aims under 400 lines a module and
splits one by responsibility before 800. A library module past that point fails here."""

from __future__ import annotations

from library_code import ROOT, library_files

SPLIT_BEFORE = 800


def test_no_library_module_has_grown_past_the_point_of_splitting():
    too_long = []
    for path in library_files():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines >= SPLIT_BEFORE:
            too_long.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert too_long == [], "split by responsibility:\n" + "\n".join(too_long)
