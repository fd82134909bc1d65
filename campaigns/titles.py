"""Issue titles from theme titles: "Domestic Abuse", "Written agreements" -> one phrase."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

_SMALL_WORDS = frozenset("a an and as at by for from in into of on or the to with".split())  # noqa: SIM905


def issue_title(theme_titles: Iterable[str]) -> str:
    """Theme titles joined as a phrase: "Domestic Abuse", "Written agreements" ->
    "Domestic abuse and written agreements"."""
    parts = [sentence_case(title) for title in theme_titles]
    joined = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    return joined[:1].upper() + joined[1:]


def sentence_case(title: str) -> str:
    """A title as it reads mid-sentence: "Health Plans for Children" -> "health plans for children".

    Capitals that carry meaning stay: acronyms ("MAPPA arrangements"), and the capitals of a
    title already in sentence case, which can only be names ("Working with Ofsted").
    """
    words = title.split()
    if _is_title_case(words):
        words = [word if _is_acronym(word) else word.lower() for word in words]
    if words and not _is_acronym(words[0]):
        words[0] = words[0].lower()
    return " ".join(words)


def _is_title_case(words: Sequence[str]) -> bool:
    later = [w for w in words[1:] if w[0].isalpha() and w.lower().strip(",;:") not in _SMALL_WORDS]
    return bool(later) and all(word[0].isupper() for word in later)


def _is_acronym(word: str) -> bool:
    return sum(char.isupper() for char in word) >= 2
