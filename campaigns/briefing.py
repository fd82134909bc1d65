"""Read a briefing file (plain text or Markdown) into a `Briefing`: title, sections and themes.

How a briefing is read
----------------------
1. Decoding (campaigns/briefing_text.py): UTF-8 (a BOM is dropped), UTF-16 with a BOM, else
   CP1252 (Word on Windows). NUL bytes, a .docx/.pdf signature or bytes CP1252 cannot map mean a
   binary file: refused. Word and PDF documents are converted to text first (`briefing_text`).
2. Clean-up (campaigns/furniture.py): page markers, a running header or footer, the links and
   buttons of an email or web page and a table of contents are taken out (each reported, quoted,
   in the warnings); text pasted from a web page, a paragraph per line, is split into paragraphs.
3. Title: a Markdown `# Title`, else the masthead: the short lines at the top before any text
   (a wrapped title, a series label between title lines), joined with ": " ("7 Minute Briefing"
   / "Neglect" -> "7 Minute Briefing: Neglect"), else the file name.
4. Headings and themes (campaigns/headings.py): Markdown, numbered, bulleted and bare-line
   headings (questions too); the strongest kind the briefing uses gives the themes, frame
   headings (Introduction, Questions to consider, …) and weaker kinds give sections. Each
   heading gets a note: high, medium or low confidence, and why (`Briefing.headings`).
5. Parts (campaigns/briefing_parts.py): a paragraph belongs to the heading above it until the
   next heading of any kind; text before the first heading becomes an "Introduction" section;
   an empty heading just before the themes (e.g. "Key practice themes and messages") is left
   out, with a warning saying so.
   Hard-wrapped lines are re-flowed and PDF artefacts repaired ("self -harm", "..").
6. Key figures are numbers with their sentence, except years, dates, ranges, durations and ages
   ("15 working days") and labels ("page 3", "Tier 4"). Quotes are quoted passages of five
   words or more.

No line is lost silently: each ends up in the title, a theme, a section, or a warning quoting it
(page numbers apart). A file that cannot be read as a briefing raises BriefingError: one line
naming the file, what was expected, and that Markdown `##` headings always work.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from briefcast.campaigns.briefing_parts import sections_and_themes
from briefcast.campaigns.briefing_text import (
    NotText,
    decode,
    repair,
    strip_markdown_inline,
)
from briefcast.campaigns.furniture import Line, clean_lines
from briefcast.campaigns.headings import (
    MARKDOWN_HEADING,
    MAX_HEADING_WORDS,
    NUMBERED,
    Kind,
    find_headings,
    is_frame_title,
    list_marker,
    looks_like_title,
    repeated_subheadings,
    theme_kind,
)
from briefcast.campaigns.model import Briefing
from briefcast.campaigns.theme_lists import listed_themes
from briefcast.errors import BriefcastError

__all__ = [
    "STDIN_SOURCE",
    "BriefingError",
    "join_title",
    "read_briefing",
    "read_briefing_data",
    "read_briefing_text",
]


class BriefingError(BriefcastError):
    """A briefing file that is missing, not text, or has no themes we can recognise."""


_EXPECTED = (
    "expected a briefing (Word, PDF, plain text or Markdown) with a heading or bullet per "
    "theme (Markdown '## Theme title' headings always work)"
)
_MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
STDIN_SOURCE = "<stdin>"  # how a briefing pasted on standard input is named in messages


def read_briefing(path: Path) -> Briefing:
    """Read a briefing file: `briefcast briefing FILE` shows what this understood."""
    return read_briefing_data(_read_bytes(path), str(path))


def read_briefing_text(text: str, source: str) -> Briefing:
    """Read a briefing already decoded to text (plain text, Markdown, or a document's text).

    `source` names the briefing in errors and warnings (a file name, or "<stdin>") and gives
    the title when the text has none. Markdown's inline marks are removed from a .md source and
    from any text with Markdown headings. Readers of other formats (.docx, .pdf) convert to
    Markdown-like text and call this.
    """
    if Path(source).suffix.lower() in _MARKDOWN_SUFFIXES or _MARKDOWN_LINE.search(text):
        text = strip_markdown_inline(text)
    lines, warnings, one_per_line, top_header = clean_lines(text)
    if not any(line.text for line in lines):
        what = "has only page numbers or email and web links" if warnings else "is empty"
        raise BriefingError(f"{source}: {what}; {_EXPECTED}")

    title, lines = _take_title(lines, one_per_line, top_header)
    if title is None:
        # The file's name is the next best thing; pasted text ("<stdin>") has none.
        stem = Path(source).stem if source != STDIN_SOURCE else ""
        title = stem.replace("-", " ").replace("_", " ").strip().capitalize() or "Briefing"
        used = "used the file name" if stem else "put the title on the first line; used"
        warnings.append(f"no title found at the top; {used}: {title!r}")

    found = listed_themes(lines, find_headings(lines))
    subheadings = repeated_subheadings(found)
    headings = {at: heading for at, heading in found.items() if at not in subheadings}
    kind = theme_kind(headings.values())
    if kind is None:
        raise BriefingError(f"{source}: found no themes; {_EXPECTED}")
    sections, themes, notes = sections_and_themes(
        lines, headings, kind, one_per_line, warnings, subheadings
    )
    return Briefing(
        title=title,
        sections=tuple(sections),
        themes=tuple(themes),
        warnings=tuple(warnings),
        source=Path(source),
        headings=tuple(sorted(notes, key=lambda note: note.line)),
    )


_MARKDOWN_LINE = re.compile(r"^#{1,6} \S", re.M)


def read_briefing_data(data: bytes, source: str) -> Briefing:
    """Read a briefing's bytes (a file's, an upload's, or pasted on standard input)."""
    return read_briefing_text(briefing_text(data, source), source)


def briefing_text(data: bytes, source: str) -> str:
    """The text a briefing is read as: a Word or PDF document (by `source`'s suffix) converted
    to Markdown-like text, anything else decoded. Reading this text again with
    `read_briefing_text` gives the same Briefing, so it is what the console stores."""
    convert = _converters().get(Path(source).suffix.lower())
    if convert is not None:
        return convert(data, source)
    try:
        return decode(data)
    except NotText as error:
        raise BriefingError(f"{source}: {error}; {_EXPECTED}") from None


def _converters() -> dict[str, Callable[[bytes, str], str]]:
    """Document formats by file suffix (lower case), each converted to Markdown-like text."""
    # Imported here, not at the top: the converters raise this module's BriefingError.
    from briefcast.campaigns.intake_docx import docx_to_markdown
    from briefcast.campaigns.intake_pdf import pdf_to_markdown

    return {".docx": docx_to_markdown, ".pdf": pdf_to_markdown}


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

_MAX_BLOCK_LINES = 3  # a title wraps over at most three lines
_MAX_MASTHEAD_LINES = 5  # the partnership, a series label, a title over two or three lines
_MAX_TITLE_WORDS = 25
_MAX_FIRST_LINE_WORDS = 16
_JOINING_WORDS = frozenset("a an and as at by for from in into of on or the to with".split())  # noqa: SIM905


def _take_title(
    lines: list[Line], one_per_line: bool, top_header: str = ""
) -> tuple[str | None, list[Line]]:
    """The title and the lines after it; (None, lines) when the top does not look like a title.

    The title is the masthead: the short lines at the top before any text, in blocks separated
    by blank lines. In printed text, "Title" / "Early help" / a paragraph or bullets is a title
    and the first heading, but "7 Minute Briefing" / "Neglect" / "1. Background" is a title;
    three blocks or more are a title with a label between its lines, and a web page's "Label" /
    "Title" / paragraph is all masthead.
    """
    start = next(index for index, line in enumerate(lines) if line.text)
    if (heading := MARKDOWN_HEADING.fullmatch(lines[start].text)) and len(heading[1]) == 1:
        return repair(heading[2]), lines[start + 1 :]

    # "1 Background" looks like a title line; counted with "2 Why it matters" it is a box.
    headings = find_headings(lines)
    numbered = {at for at, found in headings.items() if found.kind is Kind.NUMBERED}
    blocks: list[list[int]] = []
    index = start
    while index < len(lines) and sum(map(len, blocks)) < _MAX_MASTHEAD_LINES:
        if not lines[index].text:
            index += 1
            continue
        opening = not blocks
        if index in numbered or not _is_title_line(lines[index].text, first=opening, top=opening):
            break
        block = [index]
        while (
            index + 1 < len(lines)
            and lines[index + 1].text
            and len(block) < _MAX_BLOCK_LINES
            and _continues_title(lines[index + 1].text, first=not blocks)
        ):
            index += 1
            block.append(index)
        blocks.append(block)
        index += 1
    rest = next((i for i in range(index, len(lines)) if lines[i].text), None)
    if not blocks or rest is None:
        return top_header or None, lines
    last = blocks[-1]
    # A heading wrapped over two lines is one line of the masthead, as a heading.
    wrapped = (heading := headings.get(last[0])) is not None and heading.wrapped
    one_line = len(last) == 1 or (len(last) == 2 and wrapped)
    if top_header and len(blocks) == 1 and one_line and _first_heading(lines, last[0], rest):
        # The title was the first line, repeated on every page as a running header (and so
        # taken out): what now comes first is the first heading.
        return top_header, lines
    if len(blocks) == 2 and one_line and not one_per_line:
        blocks = blocks[:1] if _first_heading(lines, last[0], rest) else blocks
    used = [i for block in blocks for i in block]
    texts = [lines[i].text for i in used]
    if len(" ".join(texts).split()) > _MAX_TITLE_WORDS:
        return top_header or None, lines
    return repair(join_title(texts)), lines[used[-1] + 1 :]


def _is_title_line(text: str, *, first: bool, top: bool = False) -> bool:
    """A line that can be part of the title: short, not a list item, heading marker or frame
    heading; the first block may end in ":" ("NCSCP Briefing Note:") or ask a question, and the
    very first line (`top`) may be longer than a heading."""
    if list_marker(text) or MARKDOWN_HEADING.fullmatch(text) or is_frame_title(text):
        return False
    # A review's subject is often named in quotes: "“Mark”, aged 52" under "Domestic Homicide
    # Review"; the quote mark does not stop the line being part of the title.
    text = text.lstrip("“‘\"'") or text
    words = text.split()
    if top and MAX_HEADING_WORDS < len(words) <= _MAX_FIRST_LINE_WORDS:
        # A title's one line can be longer than any heading ("Practice Guidance Note 4: Working
        # with families who do not engage"): judged by its first words, no full stop at its end.
        text = " ".join(words[:MAX_HEADING_WORDS]) + ("." if text.endswith(".") else "")
    if first and text.endswith((":", "?")):
        return looks_like_title(text[:-1]) or looks_like_title(text, question=True)
    return looks_like_title(text) or (first and text.endswith((",", "–", "-")))


def _continues_title(text: str, *, first: bool) -> bool:
    """The next line of a title block: a title line, or the lower-case rest of a wrapped one."""
    if text[:1].islower() and not list_marker(text):
        return looks_like_title(text[0].upper() + text[1:])
    return _is_title_line(text, first=first)


def _first_heading(lines: list[Line], index: int, rest: int) -> bool:
    """Whether the second line of a two-line masthead is the briefing's first heading rather
    than a subtitle: bullets follow a heading, numbered boxes or Markdown follow a title; before
    text, it is a heading when the briefing's other headings are short lines styled like it."""
    following = lines[rest].text
    if NUMBERED.fullmatch(following) or MARKDOWN_HEADING.fullmatch(following):
        return False
    if list_marker(following):
        return True
    later = [
        heading
        for at, heading in find_headings(lines).items()
        if at > rest and not is_frame_title(heading.title)
    ]
    if theme_kind(later) not in (None, Kind.BARE):
        return False  # the themes are numbered, bulleted or Markdown: this is a subtitle
    bare = [heading.title.isupper() for heading in later if heading.kind is Kind.BARE]
    return not bare or lines[index].text.isupper() == (sum(bare) * 2 >= len(bare))


def join_title(texts: list[str]) -> str:
    """Title lines joined: a wrapped line with a space ("Learning from the review of" / "Child
    Q"), separate lines with ": " ("7 Minute Briefing" / "Neglect")."""
    title = texts[0]
    for text in texts[1:]:
        last_word = title.split()[-1].lower()
        wraps = last_word in _JOINING_WORDS or text[:1].islower() or title.endswith(("-", ","))
        joined = title.endswith((":", "–", "—")) or wraps
        title += f" {text}" if joined else f": {text}"
    return title
