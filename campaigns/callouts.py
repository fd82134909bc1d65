"""How a digest sets apart a key figure or a quotation without saying anything twice.

`figure_label(figure)`: the few words a figure box shows under its value, a span of the figure's
own sentence (the phrase the number belongs to: "35%" -> "of children notified to the Panel"),
never the whole sentence and never a word the sentence lacks. The sentence itself stays in the
body, once.

`quoted_blocks(paragraphs, quote)`: the paragraphs with the quotation lifted out where it stands
(lead-in, the quotation, the rest), so a quoted passage is shown once, set apart, instead of being
repeated as a pull quote beside the paragraph that already holds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from briefcast.campaigns.model import Figure

LABEL_WORDS = 12  # a box label is read at a glance; longer, it becomes the sentence again

# Where the figure's phrase ends: a clause break, or a word that starts another clause or figure.
_CLAUSE_WORDS = frozenset({
    "and", "but", "or", "while", "whereas", "compared", "although", "i.e.", "e.g.",
})  # fmt: skip
# Verbs that start what is said about the figure: "32% of rapid reviews | were identified as ...".
_VERBS = frozenset({"is", "are", "was", "were", "has", "have", "had", "will", "would", "found"})
_ENDS_CLAUSE = re.compile(r"[,;:]$|[.!?][’”\"')]*$")
_PUNCTUATION = '.,;:!?"('


def figure_label(figure: Figure) -> str:
    """A figure box's label: a short span of `figure.text` beside the value, "" if none fits."""
    start, end = _value_at(figure)
    if start < 0:
        return ""
    after = _phrase(figure.text[end:].split(), whole_sentence=not figure.text[:start].strip())
    if after:
        return after
    before = figure.text[:start].split()[-LABEL_WORDS:]
    # Back to the last clause break: "…, for 35%" keeps only "for".
    for position in range(len(before) - 1, -1, -1):
        if _ENDS_CLAUSE.search(before[position]):
            before = before[position + 1 :]
            break
    return _tidy(before)


def _value_at(figure: Figure) -> tuple[int, int]:
    """Where the figure's value stands in its sentence: (start, end), or (-1, -1)."""
    number = re.sub(r"[£$€%]", "", figure.value)
    pattern = r"(?<![\w.,])[£$€]?" + re.escape(number) + r"(?![\d,])(?:\s?%|\s?per\s?cent\b)?"
    found = re.search(pattern, figure.text)
    return (found.start(), found.end()) if found else (-1, -1)


def _phrase(words: list[str], *, whole_sentence: bool) -> str:
    """The words after a value up to the end of its phrase (at most LABEL_WORDS)."""
    if words and re.fullmatch(r"\([^)]*\)", words[0]):  # "13% (70) children": the count again
        words = words[1:]
    taken: list[str] = []
    for word in words:
        if word.lower() in _CLAUSE_WORDS or word.startswith("("):
            break
        taken.append(word)
        if _ENDS_CLAUSE.search(word):
            break
    reaches_end = len(taken) == len(words)
    # The rest of a sentence that starts with the figure would be the sentence again: keep its
    # subject ("of rapid reviews"), not what is said about it.
    if (whole_sentence and reaches_end) or len(taken) > LABEL_WORDS:
        verb = next((i for i, word in enumerate(taken) if word.lower() in _VERBS), None)
        if verb:
            taken = taken[:verb]
    return _tidy(taken[:LABEL_WORDS])


_PAIRS = {"’": "‘", "”": "“", ")": "("}


def _tidy(words: list[str]) -> str:
    """The words as a label: no clause punctuation at either end, quote marks only in pairs."""
    label = " ".join(words)
    while True:
        trimmed = label.strip(_PUNCTUATION + " ")
        for closing, opening in _PAIRS.items():
            if trimmed.startswith(closing):
                trimmed = trimmed[1:]
            if trimmed.endswith(closing) and opening not in trimmed:
                trimmed = trimmed[:-1]
        if trimmed == label:
            return label
        label = trimmed


@dataclass(frozen=True)
class Block:
    """A piece of a theme's body: a paragraph, or a quotation set apart."""

    kind: str  # "paragraph" or "quote"
    text: str


# The quotation with its marks, as briefing_text.find_quotes found it.
_OPENING, _CLOSING = '‘“"', '’”"'


def quoted_blocks(paragraphs: tuple[str, ...], quote: str | None) -> Iterator[Block]:
    """The paragraphs in order, the first holding `quote` split around it; a quote that is in
    none of them (a briefing's set-apart quotation) follows them as a pull quote."""
    for position, paragraph in enumerate(paragraphs):
        at = paragraph.find(quote) if quote else -1
        if at < 0:
            yield Block("paragraph", paragraph)
            continue
        assert quote is not None
        lead_in = paragraph[:at].rstrip().rstrip(_OPENING).rstrip()
        rest = paragraph[at + len(quote) :].lstrip(_CLOSING)
        if lead_in:
            yield Block("paragraph", lead_in)
        yield Block("quote", quote)
        # What follows the closing mark; the sentence's full stop alone says nothing more.
        rest = rest.lstrip(" .,;:").strip()
        if rest:
            yield Block("paragraph", rest)
        yield from (Block("paragraph", later) for later in paragraphs[position + 1 :])
        return
    if quote:
        yield Block("quote", quote)
