"""Counts and lists worded for people: "1 new starter", "3 new starters", "parts 1, 2 and 3"."""

from __future__ import annotations

from collections.abc import Iterable


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`count` and the noun, plural unless one: counted(3, "new starter") -> "3 new starters"."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def and_list(items: Iterable[object]) -> str:
    """Items as a phrase, the last joined with "and": [1, 2, 3] -> "1, 2 and 3"."""
    words = [str(item) for item in items]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
