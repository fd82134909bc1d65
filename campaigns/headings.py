"""Which lines of a briefing are headings, of what kind, and how sure the reader is of each.

Four kinds of heading, strongest first:
  Markdown   `## Domestic abuse` (`#` after the title too; `###` stays in the text)
  numbered   `3. Domestic abuse`, or "3. Domestic abuse – text…"
  bulleted   "• Domestic abuse-text…", "- Title: text", "* Title – text", "o Title. Text"
             (bullets • - – * o and the like, any indent; the title is at most ten words)
  bare line  a short line after a blank line, no final punctuation, not followed by a
             lower-case continuation; a question ("What did we learn?") when text that is not
             another question follows it.
A numbered or bulleted item that is only a short title counts unless the next line is the next
item of the same list. The themes are the headings of the strongest kind the briefing uses
(numbered and bulleted from two on: a single one is more likely a list item), except frame
headings (Foreword, Introduction, Questions to consider, …), which are sections.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from briefcast.campaigns.briefing_text import repair
from briefcast.campaigns.furniture import BULLET_MARKS, Line
from briefcast.campaigns.model import HeadingNote


class Kind(Enum):
    """The kinds of heading, strongest first: the strongest one present gives the themes."""

    # An item of a list the briefing labels as its themes ("Key Learning Themes:" over bullets;
    # campaigns/theme_lists.py): the author said so, which beats any layout.
    LISTED = "listed theme"
    MARKDOWN = "Markdown heading"
    NUMBERED = "numbered heading"
    BULLETED = "bulleted theme"
    BARE = "one-line heading"


# How many headings of a kind (not counting frame headings) make them the themes.
_THEMES_NEEDED = {
    Kind.LISTED: 2,
    Kind.MARKDOWN: 1,
    Kind.NUMBERED: 2,
    Kind.BULLETED: 2,
    Kind.BARE: 1,
}


@dataclass(frozen=True)
class Heading:
    kind: Kind
    title: str
    body: str  # text on the same line after the title: "Title – body…"
    line: int
    level: int = 0  # a Markdown heading's level: "# Part one" is 1, "## Safe sleep" is 2
    wrapped: bool = False  # a bare heading wrapped onto the next line, which is part of it


MARKDOWN_HEADING = re.compile(r"(#{1,6})\s+(.+?)(?:\s+#+)?")  # "## Title", "## Title ##"
NUMBERED = re.compile(r"\d{1,2}[.)]\s+(.+)")  # "3. Title", "3) Title"
# Bullets as Word, PDF tools and people type them: • ● ◦ ▪ ■ ‣ ⁃ ∙ · * – — - and Word's Symbol-font
# bullets (U+F0B7, U+F0A7), or a letter "o" (Word's second-level bullet) followed by a space.
BULLET = re.compile(rf"(?:{BULLET_MARKS}|o(?=\s))\s+(.+)")

# Between a bulleted or numbered title and its text. The first one that leaves a title-like text
# on its left wins; a hyphen that makes a compound word ("Self-harm") is passed over.
_TITLE_SEPARATOR = re.compile(
    r"""
      \s*[–—]\s*              # "Title – text", "Title—text"
    | :\s+                    # "Title: text"
    | \.\s+(?=[A-Z0-9‘“"'])   # "Title. Text": a new sentence follows (so not "e.g. the")
    | \s+-\s* | -\s+          # "Title - text", "Title -text", "Title- text"
    | (?<=[^\W\d_])-(?=\w)     # "Title-text": a letter, a hyphen, then a word
    """,
    re.VERBOSE,
)
_COMPOUND_PREFIXES = frozenset({
    "self", "non", "multi", "inter", "intra", "co", "pre", "post", "anti", "cross", "sub", "ex",
    "semi", "well", "step", "over", "under", "child", "cyber", "covid", "e",
})  # fmt: skip
MAX_HEADING_WORDS = 10
_MAX_HEADING_CHARS = 90
_FINAL_PUNCTUATION = (".", ",", ";", ":", "?", "!")

# Frame headings open or close a briefing rather than carry practice learning: matched against
# a heading's first words, so "Contextual safeguarding" is not mistaken for "Context".
_FRAME_OPENINGS = (
    "foreword", "forward", "preface", "introduction", "background", "summary", "executive summary",
    "overview", "context", "purpose", "about", "contents", "questions", "question",
    "reflective questions", "further", "useful", "resources", "references", "contacts",
    "contact us", "contact details", "acknowledgements", "appendix", "glossary", "next steps",
    "what next", "what happens next", "who should read", "who is this for", "who this is for",
    "audience", "welcome", "message from", "training dates", "upcoming training",
    "dates for your diary", "where to get", "getting help", "help and support",
    "support and advice", "support and contacts", "sources of support", "in this issue",
)  # fmt: skip


# Frame headings that are one word which also opens practice headings ("Contact with birth
# family", "Notes of visits"): frame headings only alone.
_FRAME_WORDS = frozenset({"contact", "notes", "footnotes", "endnotes"})


def is_frame_title(title: str) -> bool:
    return _opens_with(title, _FRAME_OPENINGS) or title.strip(" :").lower() in _FRAME_WORDS


# Headings that name the learning as a whole rather than one piece of it ("Key learning", "Our
# findings", "Key messages"). With no text of their own just above the themes they introduce them
# (a Word table of themes under "Key learning"), where an empty "## Neglect" is a theme still to
# be written.
_GROUP_OPENINGS = (
    "key learning", "key themes", "key findings", "key messages", "key points", "key lessons",
    "key practice", "main themes", "main findings", "main messages", "learning themes",
    "learning points", "learning from", "lessons", "themes", "findings", "our findings",
    "what we learned", "what we learnt", "what was learned", "what was learnt", "the learning",
    "practice themes", "practice learning",
)  # fmt: skip
# Of those, the ones that name a digest of points ("Key messages", "Key points"): a box of them
# beside the themes restates the themes, where "Key learning" or "What we learned" is the learning.
_SUMMARY_OPENINGS = (
    "key messages", "key points", "main messages", "key learning points", "at a glance",
    "in brief", "in a nutshell", "top tips",
)  # fmt: skip


def names_the_themes(title: str) -> bool:
    """Whether a heading names the learning as a whole: "Key learning", "Themes", "Our findings"
    (and "Learning" alone, which as a first word starts "Learning disabilities" too)."""
    return _opens_with(title, _GROUP_OPENINGS) or title.strip().lower() == "learning"


def is_summary_title(title: str) -> bool:
    """Whether a heading names a digest of the briefing's points: "Key messages", "At a glance"."""
    return _opens_with(title, _SUMMARY_OPENINGS)


def _opens_with(title: str, openings: tuple[str, ...]) -> bool:
    """Matched against a heading's first words, so "Contextual safeguarding" is not "Context"."""
    words = re.sub(r"[^\w\s]", " ", title.lower()).split()
    return any(words[: len(opening.split())] == opening.split() for opening in openings)


def is_question(text: str) -> bool:
    return text.endswith("?")


def looks_like_title(text: str, *, question: bool = False) -> bool:
    """A short line with a capital and no final punctuation; with `question`, "…?" too."""
    ending_ok = not text.endswith(_FINAL_PUNCTUATION) or (question and is_question(text))
    return (
        0 < len(text.split()) <= MAX_HEADING_WORDS
        and len(text) <= _MAX_HEADING_CHARS
        and (text[0].isupper() or text[0].isdigit())
        and any(char.isalpha() for char in text)
        and ending_ok
    )


def list_marker(text: str) -> re.Match[str] | None:
    """A numbered or bulleted line; group 1 is the text after the marker."""
    return NUMBERED.fullmatch(text) or BULLET.fullmatch(text)


def _split_title(text: str) -> tuple[str, str] | None:
    """("Title", "text…") when an item reads "Title<separator>text…", else None."""
    for separator in _TITLE_SEPARATOR.finditer(text):
        title, body = text[: separator.start()], text[separator.end() :]
        if len(title.split()) > MAX_HEADING_WORDS:
            return None
        if separator.group() == "-" and title.split()[-1].lower() in _COMPOUND_PREFIXES:
            continue
        if body and looks_like_title(title):
            return title, body
    return None


def _capitalise(body: str) -> str:
    """Upper-case the first word: in "Domestic Abuse-this was…" the text starts a paragraph."""
    first_word = body.split()[0]
    return body[0].upper() + body[1:] if first_word.isalpha() and first_word.islower() else body


def find_headings(lines: list[Line]) -> dict[int, Heading]:
    """Every line that could be a heading, by index into `lines`."""
    found = {
        index: heading for index in range(len(lines)) if (heading := _heading_at(lines, index))
    }
    return _boxes_numbered_without_a_stop(found)


# "1 Background", "2 Why it matters": a 7-minute briefing's box numbers as a PDF tool copies them,
# with no full stop. A number that starts one short line could be a count ("5 ways to help"), so
# only a run counting 1, 2, 3… makes them numbered headings, the number dropped as in "1. Title".
_BARE_NUMBER = re.compile(r"(\d{1,2})\s+(?=[A-Z])(.+)")
_MIN_NUMBERED_RUN = 3


def _boxes_numbered_without_a_stop(headings: dict[int, Heading]) -> dict[int, Heading]:
    run: dict[int, re.Match[str]] = {}
    for index, heading in headings.items():
        match = _BARE_NUMBER.fullmatch(heading.title) if heading.kind is Kind.BARE else None
        # Counted from 1: "7 Minute Briefing" above box 1 is the title, not a box.
        if match and int(match[1]) == len(run) + 1:
            run[index] = match
    if len(run) < _MIN_NUMBERED_RUN:
        return headings
    return headings | {
        index: Heading(Kind.NUMBERED, match[2], "", headings[index].line)
        for index, match in run.items()
    }


def _heading_at(lines: list[Line], index: int) -> Heading | None:
    text, number = lines[index].text, lines[index].number
    if not text:
        return None
    if markdown := MARKDOWN_HEADING.fullmatch(text):
        # "## 1. Background", as converted from a numbered box: the number is not the title.
        title = numbered[1] if (numbered := NUMBERED.fullmatch(markdown[2])) else markdown[2]
        level = len(markdown[1])
        return Heading(Kind.MARKDOWN, title, "", number, level) if level <= 2 else None
    following = _text_after(lines, index)
    # A question is a heading only when an answer follows, not the next question of a list.
    answered = following is not None and not is_question(following)
    if item := list_marker(text):
        kind = Kind.NUMBERED if NUMBERED.fullmatch(text) else Kind.BULLETED
        if split := _split_title(item[1]):
            return Heading(kind, split[0], _capitalise(split[1]), number)
        # A lone "• Title" is a heading only if something other than the next item of the same
        # list follows it; "• Police" / "• Health" is a list.
        title = item[1].removesuffix(":")
        same_list = following and (NUMBERED if kind is Kind.NUMBERED else BULLET).fullmatch(
            following
        )
        question_ok = kind is Kind.NUMBERED and answered
        if looks_like_title(title, question=question_ok) and following and not same_list:
            return Heading(kind, title, "", number)
        return None
    follows_blank = index == 0 or not lines[index - 1].text
    if follows_blank and (joined := _wrapped_heading(lines, index)):
        return Heading(Kind.BARE, joined, "", number, wrapped=True)
    if not (follows_blank and following):
        return None
    if looks_like_title(text) or (
        answered and looks_like_title(text, question=True) and not looks_like_title(following)
    ):
        # "2.1 Information sharing": a report's section number is not part of the title.
        return Heading(Kind.BARE, _SECTION_NUMBER.sub("", text) or text, "", number)
    return None


def _wrapped_heading(lines: list[Line], index: int) -> str | None:
    """A heading hard-wrapped over two lines between blank lines, its second line starting
    lower-case ("When a child is not brought to health" / "appointments"), with text after it;
    a two-line sentence ends in a full stop, and a longer paragraph has no blank line there."""
    if index + 3 >= len(lines) or lines[index + 2].text:
        return None
    first, second = lines[index].text, lines[index + 1].text
    if not second[:1].islower() or list_marker(second) or first.endswith(_FINAL_PUNCTUATION):
        return None
    joined = f"{first} {second}"
    after = next((line.text for line in lines[index + 3 :] if line.text), None)
    return joined if after and looks_like_title(joined) and not list_marker(first) else None


_SECTION_NUMBER = re.compile(r"^\d{1,2}(?:\.\d{1,2})+\.?\s+")


def _text_after(lines: list[Line], index: int) -> str | None:
    """The next non-blank line, or None at the end or when the line continues into the next one
    (a lower-case start means a hard-wrapped sentence, not a heading and its text)."""
    after = lines[index + 1].text if index + 1 < len(lines) else ""
    # "o Item" is Word's bullet; "learning@example.org" is an address, not a wrapped sentence.
    if after[:1].islower() and not (BULLET.fullmatch(after) or _ADDRESS.match(after)):
        return None
    return next((line.text for line in lines[index + 1 :] if line.text), None)


_ADDRESS = re.compile(r"\S+@\S+|https?://|www\.")


def repeated_subheadings(headings: dict[int, Heading]) -> set[int]:
    """One-line headings that come again under each of several headings: "Safer sleep" /
    "What happened" / "What we learned", "Bruising" / "What happened" / "What we learned". They
    are sub-headings of the heading above them (kept in its text, like a `###`), which is the
    theme. Only when every repeat has a heading of its own above it; frame headings, which
    open or close the briefing, are left to their own rule."""
    bare = sorted(
        (index, heading.title.lower())
        for index, heading in headings.items()
        if heading.kind is Kind.BARE and not is_frame_title(heading.title)
    )
    counts = Counter(title for _, title in bare)
    repeated = {title for title, count in counts.items() if count >= 2}
    under_owner: set[str] | None = None  # the repeated titles since the last heading of its own
    for _, title in bare:
        if title not in repeated:
            under_owner = set()
        elif under_owner is None or title in under_owner:
            return set()  # before any heading of its own, or twice under one: not sub-headings
        else:
            under_owner.add(title)
    return {index for index, title in bare if title in repeated}


def theme_kind(headings: Iterable[Heading]) -> Kind | None:
    """The strongest kind of heading with enough non-frame headings to be the themes."""
    candidates = [heading.kind for heading in headings if not is_frame_title(heading.title)]
    return next((kind for kind in Kind if candidates.count(kind) >= _THEMES_NEEDED[kind]), None)


# -- how sure the reader is ---------------------------------------------------------------------


def theme_notes(headings: Sequence[Heading], one_per_line: bool) -> list[HeadingNote]:
    """A note for each theme heading: high, medium or low, and the reason, for `briefcast
    briefing`. Markdown was typed as a heading; a numbered run or a series ("Case A", "Case B")
    is a pattern; a bare short line is a guess, weaker with no blank lines around it."""
    count = len(headings)
    series = _series(heading.title for heading in headings)
    notes = []
    for heading in headings:
        others = f"like {count - 1} other{'s' if count != 2 else ''}" if count > 1 else "alone"
        if heading.kind is Kind.MARKDOWN:
            level, reason = "high", "Markdown heading"
        elif heading.kind is Kind.LISTED:
            level = "high" if count >= 3 else "medium"
            reason = f"an item of the list the briefing calls its themes, {others}"
        elif heading.title in series:
            level, reason = "high", f"one of a series: {series[heading.title]}"
        elif heading.kind is Kind.NUMBERED:
            level, reason = ("high" if count >= 3 else "medium"), f"numbered {others}"
        elif heading.kind is Kind.BULLETED:
            level = "high" if count >= 5 else "medium" if count >= 3 else "low"
            reason = f"bulleted title before its text, {others}"
        elif is_question(heading.title):
            level, reason = ("medium" if count >= 2 else "low"), "question heading"
        elif one_per_line:
            level, reason = "low", "short line followed by a paragraph, in text without blank lines"
        else:
            level, reason = (
                ("medium" if count >= 2 else "low"),
                "short line followed by a paragraph",
            )
        notes.append(HeadingNote(heading.line, repair(heading.title), "theme", level, reason))
    return notes


# The reason noted for a heading with no text of its own over themes ("# Babies" over "## Safe
# sleep"): the briefing's own grouping, which the draft keeps together (campaigns/grouping.py).
INTRODUCES_THEMES = "introduces the themes below it; no text of its own"


# The reason noted for a box of key messages beside the themes (campaigns/briefing_parts.py).
SUMMARISES_THEMES = "a list of key points beside the themes: it sums them up"


def section_note(
    heading: Heading, theme_kind: Kind, *, left_out: str = "", summary: bool = False
) -> HeadingNote:
    """Why a heading was not taken as a theme."""
    title = repair(heading.title)  # as the section or theme is titled
    if left_out:
        return HeadingNote(heading.line, title, "left out", "medium", left_out)
    if summary:
        return HeadingNote(heading.line, title, "section", "medium", SUMMARISES_THEMES)
    if is_frame_title(heading.title):
        reason = "a frame heading: opens or closes the briefing"
        return HeadingNote(heading.line, title, "section", "high", reason)
    reason = f"a {heading.kind.value}, weaker than the themes' {theme_kind.value}s"
    return HeadingNote(heading.line, title, "section", "medium", reason)


_SERIES = re.compile(r"(?P<stem>[^\d]+?)\s(?:\d{1,2}|[A-Z])(?=$|[\s:.–-])")
_SERIES_LABEL = re.compile(rf"{_SERIES.pattern}:\s+(?P<rest>\S.*)")


def without_series_label(title: str) -> str:
    """A title's own words after a series label: "Finding 2: School exclusion" -> "School
    exclusion"; a title without one ("Case A", "Neglect") as it is."""
    match = _SERIES_LABEL.fullmatch(title)
    return match["rest"] if match else title


def _series(titles: Iterable[str]) -> dict[str, str]:
    """Titles numbered or lettered after the same words: {"Case A": "Case A, Case B, Case C"},
    {"Priority 1: Neglect": "Priority 1: Neglect, Priority 2: Exploitation"}."""
    groups: dict[str, list[str]] = {}
    for title in titles:
        if match := _SERIES.match(title):
            groups.setdefault(match["stem"], []).append(title)
    return {
        title: ", ".join(members)
        for members in groups.values()
        if len(members) >= 2
        for title in members
    }
