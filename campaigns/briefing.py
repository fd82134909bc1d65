"""Read a briefing file (plain text or Markdown) into a `Briefing`: title, sections and themes.

How a briefing is read
----------------------
1. Decoding: UTF-8 (a BOM is dropped), UTF-16 with a BOM, else CP1252 (Word on Windows). NUL
   bytes, a .docx/.pdf signature or bytes CP1252 cannot map mean a binary file: refused.
2. Clean-up (campaigns/briefing_text.py): page markers ("Page 2 of 4", "2 | Page", lone page
   numbers) and a running header or footer (a short line seen three or more times) are dropped;
   hard-wrapped lines are re-flowed into paragraphs, a blank line ending one; PDF artefacts are
   repaired ("self -harm", "non- accidental", doubled spaces, ".."). Quotes and dashes are kept.
3. Title: a Markdown `# Title`, else the opening block of up to three short lines, joined with
   ": " ("7 Minute Briefing" / "Neglect" -> "7 Minute Briefing: Neglect"), else the file name.
4. Four kinds of heading, strongest first:
     Markdown   `## Domestic abuse` (`#` after the title too; `###` stays in the text)
     numbered   `3. Domestic abuse`, or "3. Domestic abuse – text…"
     bulleted   "• Domestic abuse-text…", "- Title: text", "* Title – text", "o Title. Text"
                (bullets • - – * o and the like, any indent; the title is at most ten words)
     bare line  a short line after a blank line, no final punctuation, not followed by
                a lower-case continuation.
   A numbered or bulleted item that is only a short title counts unless the next line is
   the next item of the same list.
5. Themes vs sections: the themes are the headings of the strongest kind the briefing uses
   (numbered and bulleted ones from two on: a single one is more likely a list item), except
   frame headings (Foreword, Introduction, Background, Summary, Questions to consider, Further
   information, …), which are sections, as are Markdown and bare-line headings of a weaker kind.
   Numbered and bulleted items that are not the themes are list items in the text.
6. A paragraph belongs to the heading above it until the next heading of any kind; text before
   the first heading becomes an "Introduction" section; an empty heading just before the
   themes (e.g. "Key practice themes and messages") is dropped.
7. Key figures are numbers with their sentence, except years, dates, ranges, durations and ages
   ("15 working days") and labels ("page 3", "Tier 4"). Quotes are quoted passages of five
   words or more.

What looked doubtful is listed in Briefing.warnings. A file that cannot be read as a briefing
raises BriefingError: one line naming the file, what was expected, and that Markdown `##`
headings always work.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from briefcast.campaigns.briefing_text import (
    Line,
    NotText,
    clean_lines,
    decode,
    find_figures,
    find_quotes,
    reflow,
    repair,
    strip_markdown_inline,
)
from briefcast.campaigns.model import Briefing, Section, Theme, slugify
from briefcast.errors import BriefcastError

__all__ = ["BriefingError", "read_briefing", "read_briefing_text"]


class BriefingError(BriefcastError):
    """A briefing file that is missing, not text, or has no themes we can recognise."""


_EXPECTED = (
    "expected a plain-text or Markdown briefing with a heading or bullet per theme "
    "(Markdown '## Theme title' headings always work)"
)
_MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
_LONG_THEME_WORDS = 450  # the planner fills an issue with about this much theme text


def read_briefing(path: Path) -> Briefing:
    """Read a briefing file: `briefcast briefing FILE` shows what this understood.

    The reader is chosen by the file's suffix in `_READERS`; anything else is read as text.
    """
    reader = _READERS.get(path.suffix.lower(), _read_text_file)
    return reader(path)


def read_briefing_text(text: str, source: str) -> Briefing:
    """Read a briefing already decoded to text (plain text, Markdown, or a document's text).

    `source` names the briefing in errors and warnings (a file name, or "<stdin>") and gives
    the title when the text has none; a .md or .markdown source has its inline marks removed.
    Readers of other formats (.docx, .pdf) convert to Markdown-like text and call this.
    """
    if Path(source).suffix.lower() in _MARKDOWN_SUFFIXES:
        text = strip_markdown_inline(text)
    lines, running_headers = clean_lines(text)
    if not any(line.text for line in lines):
        raise BriefingError(f"{source}: is empty; {_EXPECTED}")

    warnings = [f"dropped {header!r} as a running header or footer" for header in running_headers]
    title, lines = _take_title(lines)
    if title is None:
        stem = Path(source).stem
        title = stem.replace("-", " ").replace("_", " ").strip().capitalize() or "Briefing"
        warnings.append(f"no title found at the top; used the file name: {title!r}")

    headings = _find_headings(lines)
    theme_kind = _theme_kind(headings.values())
    if theme_kind is None:
        raise BriefingError(f"{source}: found no themes; {_EXPECTED}")
    parts = _split_into_parts(lines, headings, theme_kind)
    sections, themes = _sections_and_themes(parts, theme_kind, warnings)
    return Briefing(
        title=title,
        sections=tuple(sections),
        themes=tuple(themes),
        warnings=tuple(warnings),
        source=Path(source),
    )


def _read_text_file(path: Path) -> Briefing:
    try:
        text = decode(_read_bytes(path))
    except NotText as error:
        raise BriefingError(f"{path}: {error}; {_EXPECTED}") from None
    return read_briefing_text(text, str(path))


# Readers by file suffix (lower case). Each takes the path and returns a Briefing; a reader of a
# document format converts it to Markdown-like text and hands that to read_briefing_text.
_READERS: dict[str, Callable[[Path], Briefing]] = {}


# -- bytes to text ------------------------------------------------------------------------------


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise BriefingError(f"{path}: no such file; {_EXPECTED}") from None
    except IsADirectoryError:
        raise BriefingError(f"{path}: is a folder, not a file; {_EXPECTED}") from None
    except OSError as error:
        raise BriefingError(f"{path}: cannot be read ({error.strerror}); {_EXPECTED}") from None


# -- title --------------------------------------------------------------------------------------

_MARKDOWN_HEADING = re.compile(r"(#{1,6})\s+(.+?)(?:\s+#+)?")  # "## Title", "## Title ##"
_MAX_TITLE_LINES = 3
_MAX_TITLE_WORDS = 20


def _take_title(lines: list[Line]) -> tuple[str | None, list[Line]]:
    """The title and the lines after it; (None, lines) when the top does not look like a title."""
    start = next(index for index, line in enumerate(lines) if line.text)
    if (heading := _MARKDOWN_HEADING.fullmatch(lines[start].text)) and len(heading[1]) == 1:
        return repair(heading[2]), lines[start + 1 :]

    end = next((i for i in range(start, len(lines)) if not lines[i].text), len(lines))
    block = [line.text for line in lines[start:end]]
    looks_like_title = (
        len(block) <= _MAX_TITLE_LINES
        and len(" ".join(block).split()) <= _MAX_TITLE_WORDS
        and end < len(lines)  # something follows it
        and not any(_list_marker(text) or _MARKDOWN_HEADING.fullmatch(text) for text in block)
        and not _is_frame_title(block[0])
    )
    if not looks_like_title:
        return None, lines
    title = block[0]
    for text in block[1:]:
        # "NCSCP Briefing Note:" already says how it joins; "7 Minute Briefing" gets a colon.
        title += f" {text}" if title.endswith((":", "-", "–", "—", ",")) else f": {text}"
    return repair(title), lines[end:]


# -- headings -----------------------------------------------------------------------------------


class Kind(Enum):
    """The kinds of heading, strongest first: the strongest one present gives the themes."""

    MARKDOWN = "Markdown heading"
    NUMBERED = "numbered heading"
    BULLETED = "bulleted theme"
    BARE = "one-line heading"


# How many headings of a kind (not counting frame headings) make them the themes.
_THEMES_NEEDED = {Kind.MARKDOWN: 1, Kind.NUMBERED: 2, Kind.BULLETED: 2, Kind.BARE: 1}


@dataclass(frozen=True)
class Heading:
    kind: Kind
    title: str
    body: str  # text on the same line after the title: "Title – body…"
    line: int


_NUMBERED = re.compile(r"\d{1,2}[.)]\s+(.+)")  # "3. Title", "3) Title"
# Bullets as Word, PDF tools and people type them: • ● ◦ ▪ ■ ‣ ⁃ ∙ · * – — - and Word's Symbol-font
# bullets (U+F0B7, U+F0A7), or a letter "o" (Word's second-level bullet) followed by a space.
_BULLET = re.compile(r"(?:[•●◦▪■‣⁃∙·*–—\-\uf0b7\uf0a7]|o(?=\s))\s+(.+)")

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
_MAX_HEADING_WORDS = 10
_MAX_HEADING_CHARS = 90
_FINAL_PUNCTUATION = (".", ",", ";", ":", "?", "!")

# Frame headings open or close a briefing rather than carry practice learning: matched against
# a heading's first words, so "Contextual safeguarding" is not mistaken for "Context".
_FRAME_OPENINGS = (
    "foreword", "forward", "preface", "introduction", "background", "summary", "executive summary",
    "overview", "context", "purpose", "about", "contents", "questions", "question",
    "reflective questions", "further", "useful", "resources", "references", "contacts",
    "contact details", "acknowledgements", "appendix", "glossary", "next steps",
)  # fmt: skip


def _is_frame_title(title: str) -> bool:
    words = re.sub(r"[^\w\s]", " ", title.lower()).split()
    return any(words[: len(opening.split())] == opening.split() for opening in _FRAME_OPENINGS)


def _looks_like_title(text: str) -> bool:
    return (
        0 < len(text.split()) <= _MAX_HEADING_WORDS
        and len(text) <= _MAX_HEADING_CHARS
        and (text[0].isupper() or text[0].isdigit())
        and any(char.isalpha() for char in text)
        and not text.endswith(_FINAL_PUNCTUATION)
    )


def _split_title(text: str) -> tuple[str, str] | None:
    """("Title", "text…") when an item reads "Title<separator>text…", else None."""
    for separator in _TITLE_SEPARATOR.finditer(text):
        title, body = text[: separator.start()], text[separator.end() :]
        if len(title.split()) > _MAX_HEADING_WORDS:
            return None
        if separator.group() == "-" and title.split()[-1].lower() in _COMPOUND_PREFIXES:
            continue
        if body and _looks_like_title(title):
            return title, body
    return None


def _capitalise(body: str) -> str:
    """Upper-case the first word: in "Domestic Abuse-this was…" the text starts a paragraph."""
    first_word = body.split()[0]
    return body[0].upper() + body[1:] if first_word.isalpha() and first_word.islower() else body


def _list_marker(text: str) -> re.Match[str] | None:
    """A numbered or bulleted line; group 1 is the text after the marker."""
    return _NUMBERED.fullmatch(text) or _BULLET.fullmatch(text)


def _find_headings(lines: list[Line]) -> dict[int, Heading]:
    """Every line that could be a heading, by index into `lines`."""
    return {index: heading for index in range(len(lines)) if (heading := _heading_at(lines, index))}


def _heading_at(lines: list[Line], index: int) -> Heading | None:
    text, number = lines[index].text, lines[index].number
    if not text:
        return None
    if markdown := _MARKDOWN_HEADING.fullmatch(text):
        level_one_or_two = len(markdown[1]) <= 2
        return Heading(Kind.MARKDOWN, markdown[2], "", number) if level_one_or_two else None
    following = _text_after(lines, index)
    if item := _list_marker(text):
        kind = Kind.NUMBERED if _NUMBERED.fullmatch(text) else Kind.BULLETED
        if split := _split_title(item[1]):
            return Heading(kind, split[0], _capitalise(split[1]), number)
        # A lone "• Title" is a heading only if something other than the next item of the same
        # list follows it; "• Police" / "• Health" is a list.
        title = item[1].removesuffix(":")
        same_list = following and (_NUMBERED if kind is Kind.NUMBERED else _BULLET).fullmatch(
            following
        )
        if _looks_like_title(title) and following and not same_list:
            return Heading(kind, title, "", number)
        return None
    follows_blank = index == 0 or not lines[index - 1].text
    if _looks_like_title(text) and follows_blank and following:
        return Heading(Kind.BARE, text, "", number)
    return None


def _text_after(lines: list[Line], index: int) -> str | None:
    """The next non-blank line, or None at the end or when the line continues into the next one
    (a lower-case start means a hard-wrapped sentence, not a heading and its text)."""
    if index + 1 < len(lines) and lines[index + 1].text[:1].islower():
        return None
    return next((line.text for line in lines[index + 1 :] if line.text), None)


def _theme_kind(headings: Iterable[Heading]) -> Kind | None:
    """The strongest kind of heading with enough non-frame headings to be the themes."""
    candidates = [heading.kind for heading in headings if not _is_frame_title(heading.title)]
    return next((kind for kind in Kind if candidates.count(kind) >= _THEMES_NEEDED[kind]), None)


# -- parts: a heading and the paragraphs under it -----------------------------------------------


@dataclass
class _Part:
    heading: Heading | None  # None for the text before the first heading
    paragraphs: list[list[str]] = field(default_factory=list)  # each a list of wrapped lines
    _open: bool = False  # whether the next line continues the last paragraph

    def add_line(self, text: str) -> None:
        if not self._open:
            self.paragraphs.append([])
            self._open = True
        self.paragraphs[-1].append(text)

    def end_paragraph(self) -> None:
        self._open = False


def _starts_part(heading: Heading, theme_kind: Kind) -> bool:
    """Markdown headings always start a part, bare lines unless Markdown headings give the themes,
    numbered and bulleted items only when they are the themes (else they are list items)."""
    if heading.kind is Kind.MARKDOWN:
        return True
    if heading.kind is Kind.BARE:
        return theme_kind is not Kind.MARKDOWN
    return heading.kind is theme_kind


def _split_into_parts(
    lines: list[Line], headings: dict[int, Heading], theme_kind: Kind
) -> list[_Part]:
    parts = [_Part(heading=None)]
    for index, line in enumerate(lines):
        heading = headings.get(index)
        if not line.text:
            parts[-1].end_paragraph()
        elif heading and _starts_part(heading, theme_kind):
            parts.append(_Part(heading))
            if heading.body:
                parts[-1].add_line(heading.body)
        elif subheading := _MARKDOWN_HEADING.fullmatch(line.text):
            # "### Sub-heading" (never a theme): a paragraph of its own in the current part.
            parts[-1].end_paragraph()
            parts[-1].add_line(subheading[2])
            parts[-1].end_paragraph()
        elif _list_marker(line.text):
            # A list item starts a paragraph; bullets are written "• " whatever the source used.
            parts[-1].end_paragraph()
            bullet = _BULLET.fullmatch(line.text)
            parts[-1].add_line(f"• {bullet[1]}" if bullet else line.text)
        else:
            parts[-1].add_line(line.text)
    return parts


def _sections_and_themes(
    parts: list[_Part], theme_kind: Kind, warnings: list[str]
) -> tuple[list[Section], list[Theme]]:
    sections: list[Section] = []
    themes: list[Theme] = []

    def is_theme(part: _Part) -> bool:
        return (
            part.heading is not None
            and part.heading.kind is theme_kind
            and not _is_frame_title(part.heading.title)
        )

    for index, part in enumerate(parts):
        paragraphs = tuple(reflow(lines) for lines in part.paragraphs)
        heading = part.heading
        if heading is None:
            if paragraphs:  # the untitled opening under the title introduces the briefing
                sections.append(Section("Introduction", paragraphs, find_figures(paragraphs)))
        elif is_theme(part):
            themes.append(_theme(heading, paragraphs, themes, warnings))
        elif paragraphs:
            sections.append(Section(repair(heading.title), paragraphs, find_figures(paragraphs)))
        elif not (index + 1 < len(parts) and is_theme(parts[index + 1])):
            # An empty heading right before the themes introduces them; any other is odd.
            warnings.append(
                f"line {heading.line}: heading {heading.title!r} has no text under it; left out"
            )
    return sections, themes


def _theme(
    heading: Heading, paragraphs: tuple[str, ...], earlier: list[Theme], warnings: list[str]
) -> Theme:
    title = repair(heading.title)
    slug = slugify(title) or f"theme-{len(earlier) + 1}"
    if slug in {theme.slug for theme in earlier}:
        slug = f"{slug}-{len(earlier) + 1}"  # campaign files name themes by slug: keep them unique
        warnings.append(f"line {heading.line}: a second theme called {title!r}; slug {slug!r}")
    theme = Theme(slug, title, paragraphs, find_figures(paragraphs), find_quotes(paragraphs))
    if not paragraphs:
        warnings.append(f"line {heading.line}: theme {title!r} has no text under it")
    elif theme.word_count > _LONG_THEME_WORDS:
        warnings.append(
            f"line {heading.line}: theme {title!r} has {theme.word_count} words, more than one "
            f"issue holds (about {_LONG_THEME_WORDS}); consider splitting it"
        )
    return theme
