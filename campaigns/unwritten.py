"""The one "TODO: write …" rule: how text a person must still write is marked and recognised."""

from __future__ import annotations

# Text a person must still write is marked "TODO: write …" (by `briefcast plan`, or by hand).
# The file loads, so it can be previewed and edited, but `check_campaign` reports every one as an
# error with its line, so nothing unwritten is checked clean, scheduled or sent.
UNWRITTEN_MARK = "TODO:"


def unwritten(what: str) -> str:
    """The marker for text still to write: unwritten("a question") -> "TODO: write a question"."""
    return f"{UNWRITTEN_MARK} write {what}"


def is_unwritten(text: str) -> bool:
    return text.lstrip().upper().startswith(UNWRITTEN_MARK)
