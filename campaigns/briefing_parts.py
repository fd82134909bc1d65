"""A briefing's lines after its title, split into parts (a heading and its paragraphs) and sorted
into sections and themes: `sections_and_themes(lines, headings, kind, one_per_line, warnings)`.

campaigns/briefing.py finds the title and the headings; this module decides which part is a
theme, which a section, and which heading is left out (an empty one introducing the themes), with
a note for each saying why.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from briefcast.campaigns.briefing_text import find_figures, find_quotes, reflow, repair
from briefcast.campaigns.furniture import Line
from briefcast.campaigns.headings import (
    BULLET,
    INTRODUCES_THEMES,
    MARKDOWN_HEADING,
    Heading,
    Kind,
    is_frame_title,
    is_summary_title,
    list_marker,
    names_the_themes,
    section_note,
    theme_notes,
)
from briefcast.campaigns.model import HeadingNote, Section, Theme, slugify

__all__ = ["sections_and_themes"]

_LONG_THEME_WORDS = 450  # the planner fills an issue with about this much theme text


def sections_and_themes(
    lines: list[Line],
    headings: dict[int, Heading],
    kind: Kind,
    one_per_line: bool,
    warnings: list[str],
    subheadings: Collection[int] = (),
) -> tuple[list[Section], list[Theme], list[HeadingNote]]:
    """The sections, themes and heading notes of a briefing's lines (the title taken off), the
    themes being the headings of `kind`; what a reader should know is appended to `warnings`.
    The lines at `subheadings` are sub-headings: a paragraph of their own in the part above."""
    parts = _split_into_parts(lines, headings, kind, subheadings)
    return _sections_and_themes(parts, kind, one_per_line, warnings)


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


def _starts_part(heading: Heading, kind: Kind) -> bool:
    """Markdown headings always start a part, bare lines unless Markdown headings give the themes,
    numbered and bulleted items only when they are the themes (else they are list items)."""
    if heading.kind is Kind.MARKDOWN:
        return True
    if heading.kind is Kind.BARE:
        return kind is not Kind.MARKDOWN
    return heading.kind is kind


def _split_into_parts(
    lines: list[Line], headings: dict[int, Heading], kind: Kind, subheadings: Collection[int]
) -> list[_Part]:
    parts = [_Part(heading=None)]
    notes = 0  # the number of the last footnote seen, while in a run of them
    # The second lines of headings wrapped over two lines: part of the heading's title.
    continuations = {index + 1 for index, heading in headings.items() if heading.wrapped}
    for index, line in enumerate(lines):
        heading = headings.get(index)
        markdown = MARKDOWN_HEADING.fullmatch(line.text)
        if index in continuations:
            continue
        if not line.text:
            parts[-1].end_paragraph()
        elif heading and _starts_part(heading, kind):
            parts.append(_Part(heading))
            if heading.body:
                parts[-1].add_line(heading.body)
        elif markdown or index in subheadings:
            # "### Sub-heading" or one repeated under each theme (never a theme): a paragraph of
            # its own in the current part.
            parts[-1].end_paragraph()
            parts[-1].add_line(markdown[2] if markdown else line.text)
            parts[-1].end_paragraph()
        elif list_marker(line.text):
            # A list item starts a paragraph; bullets are written "• " whatever the source used.
            parts[-1].end_paragraph()
            bullet = BULLET.fullmatch(line.text)
            parts[-1].add_line(f"• {bullet[1]}" if bullet else line.text)
        else:
            note = _NOTE.match(line.text)
            after_blank = index == 0 or not lines[index - 1].text
            if note and int(note[1]) == notes + 1 and (notes or after_blank):
                parts[-1].end_paragraph()  # "1 Department for Education data.": a footnote
                notes += 1
            elif notes and not line.text[:1].islower():
                notes = 0
            parts[-1].add_line(line.text)
    return parts


# Footnotes at the end of a text copied out of a PDF, a line each, counted from 1 after a blank
# line ("1 Department for Education data, 2024." / "2 Local audit…"): a paragraph each, so that
# they are not read as one sentence.
_NOTE = re.compile(r"(\d{1,2})\s+[A-Z]")


def _sections_and_themes(
    parts: list[_Part], kind: Kind, one_per_line: bool, warnings: list[str]
) -> tuple[list[Section], list[Theme], list[HeadingNote]]:
    sections: list[Section] = []
    themes: list[Theme] = []
    notes: list[HeadingNote] = []
    theme_headings: list[Heading] = []

    def could_be_theme(part: _Part) -> bool:
        return (
            part.heading is not None
            and part.heading.kind is kind
            and not is_frame_title(part.heading.title)
        )

    summaries = _summaries(parts, [i for i, part in enumerate(parts) if could_be_theme(part)])

    def is_theme(index: int) -> bool:
        return could_be_theme(parts[index]) and index not in summaries

    def theme_next(index: int) -> bool:
        return index + 1 < len(parts) and is_theme(index + 1)

    # An empty heading right before a theme introduces the themes ("Key learning", "# Part
    # one" over "## Safe sleep"); a "## Title" or numbered one is a theme still to be written.
    for index, part in enumerate(parts):
        paragraphs = tuple(reflow(lines) for lines in part.paragraphs)
        heading = part.heading
        if heading is None:
            if paragraphs:  # the untitled opening under the title introduces the briefing
                sections.append(Section("Introduction", paragraphs, find_figures(paragraphs)))
        elif is_theme(index) and (
            paragraphs or not _may_introduce(heading) or not theme_next(index)
        ):
            themes.append(_theme(heading, paragraphs, themes, warnings))
            theme_headings.append(heading)
        elif paragraphs:
            sections.append(Section(repair(heading.title), paragraphs, find_figures(paragraphs)))
            notes.append(section_note(heading, kind, summary=index in summaries))
        elif theme_next(index):
            warnings.append(
                f"line {heading.line}: left out the heading {heading.title!r}: it introduces the "
                "themes and has no text of its own"
            )
            notes.append(section_note(heading, kind, left_out=INTRODUCES_THEMES))
        else:
            warnings.append(
                f"line {heading.line}: heading {heading.title!r} has no text under it; left out"
            )
            notes.append(section_note(heading, kind, left_out="no text under it"))
    notes += theme_notes(theme_headings, one_per_line)
    return sections, themes, notes


def _may_introduce(heading: Heading) -> bool:
    """An empty heading that may introduce the themes below it rather than be one still to be
    written: a bare line, a "# Part", or one naming the learning as a whole ("## Key learning"
    above a Word table whose rows are the themes)."""
    return heading.kind is Kind.BARE or heading.level == 1 or names_the_themes(heading.title)


_MIN_THEMES_SUMMED_UP = 2


def _summaries(parts: list[_Part], candidates: list[int]) -> set[int]:
    """The parts (by index) that sum up the themes rather than add one: a "Key messages" or "Key
    points" box that is only a list, first or last of the theme headings (a summary box at the
    top, or a sidebar read after the columns), beside at least two themes with text of their
    own. The same heading alone, or in the middle of a run of boxes, is learning in its own right,
    and "Key learning" or "What we learned" always is."""
    if len(candidates) <= _MIN_THEMES_SUMMED_UP:
        return set()
    summaries = set()
    for index in (candidates[0], candidates[-1]):
        part = parts[index]
        others = [parts[i] for i in candidates if i != index and parts[i].paragraphs]
        if (
            part.heading is not None
            and is_summary_title(part.heading.title)
            and part.paragraphs
            and all(list_marker(lines[0]) for lines in part.paragraphs)
            and len(others) >= _MIN_THEMES_SUMMED_UP
        ):
            summaries.add(index)
    return summaries


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
