"""Text-level rules for reading a briefing: decoding, re-flowing, repairs, figures, quotes.

campaigns/briefing.py finds the structure (title, headings, themes) and campaigns/furniture.py
takes out page furniture and screen chrome; this module deals with what lies below them. Each
rule is here because PDF or Word extraction produces the problem it fixes.
"""

from __future__ import annotations

import re

from briefcast.campaigns.model import Figure

# -- bytes to text -----------------------------------------------------------------------------

_UNICODE_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_BINARY_SIGNATURES = {
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a Word (.docx) or other zipped document",
    b"\xd0\xcf\x11\xe0": "an old-style Word (.doc) document",
}


class NotText(ValueError):
    """The bytes are not a text file; the message says what they look like and what to do."""


def decode(data: bytes) -> str:
    """Unicode when the file says so (a BOM) or decodes as UTF-8; else CP1252, which Word writes."""
    for signature, what in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise NotText(f"is {what}, not text: copy its text into a .txt file")
    with_bom = [codec for bom, codec in _UNICODE_BOMS if data.startswith(bom)]
    for codec in with_bom[:1] or ["utf-8", "cp1252"]:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue  # not UTF-8: a Word "Plain text" save on Windows is CP1252
        if not _has_binary_characters(text):
            return text
    raise NotText("looks like a binary file, not text")


def _has_binary_characters(text: str) -> bool:
    # Text has no control characters beyond line and page breaks; a binary file is full of them.
    controls = sum(1 for char in text if char < " " and char not in "\t\n\r\f\v")
    return "\x00" in text or controls > len(text) / 100


# -- Markdown inline marks ----------------------------------------------------------------------

_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_MARKDOWN_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]*)\)")
_MARKDOWN_IMAGE_LINE = re.compile(r"^[ \t]*!\[([^\]]*)\]\(([^)\s]*)\)[ \t]*$", re.M)
_MARKDOWN_EMPHASIS = re.compile(r"\*\*|__|`")
# "- **Self-neglect** Ms P declined…": a list item whose bold lead is its title, the bold the only
# thing between title and text; with the marks gone the two would run together as one sentence.
_BOLD_LEAD = re.compile(
    r"^(?P<marker>[ \t]*(?:[-*+•]|\d{1,2}[.)])[ \t]+)\*\*(?P<lead>[^*\n]*[^*\n\s.,;:?!–—-])\*\*"
    r"(?=[ \t]+[A-Z0-9‘“\"'])",
    re.M,
)


def strip_markdown_inline(text: str) -> str:
    """Markdown's inline marks would show literally in an email: "[Help](url)" -> "Help (url)".

    An image on a line of its own is written "[image: alt text (file)]", as Gmail pastes one, so
    the clean-up leaves it out as a picture (campaigns/furniture.py), quoted in a warning; one
    inside a sentence is written like a link, "alt text (file)".
    """
    text = _MARKDOWN_IMAGE_LINE.sub(r"[image: \1 (\2)]", text)
    text = _MARKDOWN_IMAGE.sub(r"\1 (\2)", text)
    text = _MARKDOWN_LINK.sub(r"\1 (\2)", text)
    text = re.sub(r"^\s*>\s?", "", text, flags=re.M)  # block quotes: the text, not the marker
    # The bold's end is kept as a colon, the separator "Title: text" items have.
    text = _BOLD_LEAD.sub(r"\g<marker>\g<lead>:", text)
    return _MARKDOWN_EMPHASIS.sub("", text)


# -- paragraphs ---------------------------------------------------------------------------------

# "self -harm", "non- accidental": a hyphen with a space on one side only, between a letter and a
# lower-case letter, is a compound word split by PDF extraction. A spaced dash (" - ") is
# punctuation and stays; two real words ("pro active") are never joined: guessing corrupts text.
_SPLIT_COMPOUND = re.compile(r"(?<=[^\W\d_]) -(?=[a-z])|(?<=[^\W\d_])- (?=[a-z])")
_DOUBLED_FULL_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")  # "harmed.." -> "harmed."; "…" and "..." stay
# A footnote marker copied out of a PDF stuck to its word: "neglect³", or "neglect3." where the
# superscript lost its looks. Only after a lower-case word of four letters or more and before a
# space or punctuation, so "Covid-19", "H2O", "mp3" and labels ("covid19", "year9") stay; the
# footnote itself stays.
_GLUED_FOOTNOTE = re.compile(r"\b([a-z]{4,})([¹²³⁴-⁹⁰]{1,2}|\d{1,2})(?=[\s.,;:)’”]|$)")
_NUMBERED_WORDS = frozenset({"covid", "level", "year", "stage", "tier", "version", "step"})


def reflow(lines: list[str]) -> str:
    """Join a paragraph's hard-wrapped lines into one line and repair extraction artefacts."""
    text = ""
    for line in lines:
        # A word hyphenated across a line break ("multi-" / "agency") is joined, hyphen kept.
        if text.endswith("-") and text[-2:-1].isalpha() and line[:1].islower():
            text += line
        else:
            text = f"{text} {line}" if text else line
    return repair(text)


def repair(text: str) -> str:
    """Undo PDF artefacts in one line of text. Curly quotes and dashes are left as written."""
    text = _SPLIT_COMPOUND.sub("-", text)
    text = _DOUBLED_FULL_STOP.sub(".", text)
    text = _GLUED_FOOTNOTE.sub(_without_marker, text)
    return " ".join(text.split())


def _without_marker(match: re.Match[str]) -> str:
    word, marker = match.groups()
    return word if marker[0] not in "0123456789" or word not in _NUMBERED_WORDS else match[0]


# -- key figures --------------------------------------------------------------------------------

# A sentence ends at . ! or ? (perhaps then a closing quote or bracket) before a capital, digit or
# opening quote. "i.e. the child" does not end one, because a lower-case word follows.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[’”\")]?\s+(?=[‘“\"(]?[A-Z0-9])")

# A number, with an optional currency sign, decimal part and percent sign: "538", "13%", "1,200",
# "£2.5", "4 per cent". It must not continue a word, date or range on its left ("Covid-19",
# the "6" of "11.6.20", the "17" of "2014-17") nor run into a word on its right ("1st").
_NUMBER = re.compile(
    r"(?<![\w.,/-])(?P<currency>[£$€])?(?P<number>\d{1,3}(?:,\d{3})+|\d+)(?P<decimal>\.\d+)?"
    r"(?P<percent>\s?%|\s?per\s?cent\b)?(?!\w)"
)
_CONTINUES_AS_DATE_OR_RANGE = re.compile(r"[./–-]\d")  # "11.6.20", "2014-17", "3/4"
_LIST_NUMBER = re.compile(r"^\d{1,2}[.)]\s+")  # "2. Who else cares…" is an item, not a figure
_NOTE_NUMBER = re.compile(r"\s+[A-Z][a-z]")
# Durations and ages are facts about a process or a person, not key figures: "15 working days".
_UNIT_OF_TIME = re.compile(
    r"\s*(?:working |calendar |school )?(?:-\s*)?(?:second|minute|hour|day|week|month|year)s?\b",
    re.I,
)
# A number after one of these words is a label, not a count: "page 3", "Tier 4", "Year 9".
_LABEL_WORDS = frozenset({
    "page", "pages", "tier", "section", "level", "article", "part", "year", "stage", "step",
    "chapter", "paragraph", "para", "appendix", "phase", "no", "number", "version", "figure",
    "table", "question", "recommendation", "finding",
})  # fmt: skip


def split_sentences(paragraph: str) -> list[str]:
    return [sentence for sentence in _SENTENCE_BREAK.split(paragraph) if sentence]


def find_figures(paragraphs: tuple[str, ...]) -> tuple[Figure, ...]:
    """Each key figure with the sentence it is in, in reading order, every (value, text) once."""
    figures: dict[Figure, None] = {}  # a dict keeps insertion order and drops repeats
    for paragraph in paragraphs:
        for sentence in split_sentences(_LIST_NUMBER.sub("", paragraph)):
            for match in _NUMBER.finditer(sentence):
                if _is_key_figure(sentence, match):
                    figures[Figure(_figure_value(match), sentence)] = None
    return tuple(figures)


def _figure_value(match: re.Match[str]) -> str:
    percent = "%" if match["percent"] else ""
    return f"{match['currency'] or ''}{match['number']}{match['decimal'] or ''}{percent}"


def _is_key_figure(sentence: str, match: re.Match[str]) -> bool:
    if match["percent"]:
        return True
    after = sentence[match.end() :]
    before = sentence[: match.start()].split()
    previous_word = before[-1].strip("(").lower() if before else ""
    is_year = len(match["number"]) == 4 and 1900 <= int(match["number"]) <= 2099
    # "2 Local audit of 40 referrals.": a number opening a sentence before a capital numbers a
    # footnote or an item; a count reads "12 agencies were involved".
    is_note_number = not before and _NOTE_NUMBER.match(after) is not None
    return not (
        is_year
        or is_note_number
        or _CONTINUES_AS_DATE_OR_RANGE.match(after)
        or _UNIT_OF_TIME.match(after)
        or previous_word in _LABEL_WORDS
    )


# -- quotes -------------------------------------------------------------------------------------

# Text in ‘…’, “…” or "…". A closing ’ followed by a letter is an apostrophe ("Panel’s"), not the
# end of the quote. Shorter quotes are labels ("near misses", "help"), not things someone said.
_QUOTE = re.compile(r"‘(.+?)’(?![^\W\d_])|“(.+?)”|\"(.+?)\"")
_MIN_QUOTE_WORDS = 5


def find_quotes(paragraphs: tuple[str, ...]) -> tuple[str, ...]:
    """Quoted passages of five words or more, without their quote marks, in reading order."""
    quotes: dict[str, None] = {}
    for paragraph in paragraphs:
        for match in _QUOTE.finditer(paragraph):
            quote = next(group for group in match.groups() if group is not None).strip()
            if len(quote.split()) >= _MIN_QUOTE_WORDS:
                quotes[quote] = None
    return tuple(quotes)
