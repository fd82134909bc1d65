"""Issue titles and subjects from theme titles: "Domestic Abuse", "Written agreements" -> phrase."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from briefcast.campaigns.headings import without_series_label
from briefcast.wording import and_list

_SMALL_WORDS = frozenset("a an and as at by for from in into of on or the to with".split())  # noqa: SIM905
SUBJECT_CHARS = 60  # what an inbox shows of a subject line, on a phone too


def issue_title(theme_titles: Iterable[str]) -> str:
    """Theme titles joined as a phrase: "Domestic Abuse", "Written agreements" ->
    "Domestic abuse and written agreements"."""
    titles = list(theme_titles)
    if all(title.endswith("?") for title in titles):
        return " ".join(titles)  # "What happened? What did we learn?": questions as written
    parts = [sentence_case(title) for title in titles]
    joined = and_list(parts)
    return joined[:1].upper() + joined[1:]


def sentence_case(title: str) -> str:
    """A title as it reads mid-sentence: "Health Plans for Children" -> "health plans for children".

    Capitals that carry meaning stay: acronyms ("MAPPA arrangements"), and the capitals of a
    title already in sentence case, which can only be names ("Working with Ofsted").
    """
    words = title.split()
    if _is_title_case(words):
        words = [
            word if _is_acronym(word) or _is_letter_label(words, i) else word.lower()
            for i, word in enumerate(words)
        ]
    if words and not _is_acronym(words[0]):
        words[0] = words[0].lower()
    return " ".join(words)


def _is_title_case(words: Sequence[str]) -> bool:
    later = [w for w in words[1:] if w[0].isalpha() and w.lower().strip(",;:") not in _SMALL_WORDS]
    return bool(later) and all(word[0].isupper() for word in later)


def _is_acronym(word: str) -> bool:
    return sum(char.isupper() for char in word) >= 2


def _is_letter_label(words: Sequence[str], index: int) -> bool:
    """A capital letter that labels one of a series ("Case B"), not a word to lower-case; "A"
    only at the end, since "Living With A Parent" uses it as a word."""
    word = words[index]
    return len(word) == 1 and word.isupper() and (word != "A" or index == len(words) - 1)


def issue_subject(number: int, total: int, theme_titles: Sequence[str]) -> str:
    """ "Part 2 of 4: " and the issue's themes in at most SUBJECT_CHARS characters, shortened
    with the themes' own words: each theme's first phrase ("Information sharing, risk
    assessment and decision making" -> "Information sharing"), then fewer themes "and more",
    then the first phrase's leading words. Never a word cut in half.

    "and more" is the one wording added: it says the issue carries more themes than named.
    """
    prefix = f"Part {number} of {total}: "
    room = SUBJECT_CHARS - len(prefix)
    titles = list(theme_titles)
    short = [first_phrase(title) for title in titles]
    candidates = [issue_title(titles), issue_title(short)]
    fewer = range(len(titles) - 1, 0, -1)
    candidates += [f"{issue_title(titles[:k])} and more" for k in fewer]
    candidates += [f"{issue_title(short[:k])} and more" for k in fewer]
    more = " and more" if len(titles) > 1 else ""
    candidates.append(_leading_words(issue_title(short[:1]), room - len(more)) + more)
    return prefix + next((text for text in candidates if len(text) <= room), candidates[-1])


_PHRASE_BREAK = re.compile(r",\s|:\s|\s[–—-]\s|\sand\s|\s&\s|\(")


def first_phrase(title: str) -> str:
    """A title's first phrase, where a list, a colon or a dash starts: its short form. A series
    label is not a phrase of the theme's own ("Finding 2: Substance use as a family pattern" ->
    "Substance use as a family pattern", not "Finding 2")."""
    title = without_series_label(title)
    return _PHRASE_BREAK.split(title, maxsplit=1)[0].strip() or title


def _leading_words(text: str, limit: int) -> str:
    """As many whole words as fit in `limit`, not ending on a small word such as "of"."""
    words: list[str] = []
    for word in text.split():
        if len(" ".join([*words, word])) > limit:
            break
        words.append(word)
    while len(words) > 1 and words[-1].lower() in _SMALL_WORDS:
        words.pop()
    return " ".join(words) or text.split()[0]
