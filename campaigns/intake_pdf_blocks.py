"""Headings and paragraphs in an untagged PDF's regions: `regions_to_blocks(regions, join)`.

The regions come from campaigns/intake_pdf_layout.py, in reading order.
1. Headings are lines in a bigger font than the body text, or all bold; a wrapped heading is one
   heading, and short bold lines that end in a sentence are a bold paragraph. Levels follow the
   looks, biggest first; a box's heading heads a part of its own. The headings that open the
   document in a style not used again are its title.
2. Paragraphs end at a gap bigger than the line spacing, a change of look, a bullet, a first
   line set in, or a box; a paragraph that runs on from one column or page to the next is kept
   whole.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from briefcast.campaigns.briefing import join_title
from briefcast.campaigns.intake_markdown import Block, BlockKind
from briefcast.campaigns.intake_pdf_layout import Line, Region

__all__ = ["regions_to_blocks"]

_BULLET = re.compile(r"[•●▪■◦‣–\-\uf0b7\uf0a7]\s+")
_NUMBERED = re.compile(r"\d{1,2}[.)]\s+")
# A footnote at the foot of a page: small print opening with its number ("2 Local audit…"); each
# is a paragraph of its own, though the notes are set close together.
_FOOTNOTE = re.compile(r"\d{1,2}\s+[A-Z]")
_SENTENCE_END = (".", "!", "?", ":", "”", '"', ")")
_MAX_HEADING_WORDS = 14
_BIGGER = 1.15  # a heading's font is at least this much bigger than the body text's


@dataclass
class _Raw:
    role: str  # "heading", "paragraph", "bullet"
    lines: list[Line]
    style: tuple[float, bool] = (0.0, False)
    opens_box: bool = False  # the first block in a box: its heading names a part of its own


def regions_to_blocks(regions: list[Region], join: Callable[[list[str]], str]) -> list[Block]:
    """The blocks of the regions; `join` makes one paragraph of its lines."""
    sizes = Counter[float]()
    for region in regions:
        for line in region.lines:
            sizes[line.size] += len(line.text)
    if not sizes:
        return []
    body_size = sizes.most_common(1)[0][0]
    raws = _raw_blocks(regions, body_size)
    return _with_titles_and_levels(raws, join, body_size)


def _role(line: Line, body_size: float) -> str:
    words = line.text.split()
    if _BULLET.match(line.text):
        return "bullet"
    heading_like = (
        len(words) <= _MAX_HEADING_WORDS
        and any(char.isalpha() for char in line.text)
        and not _BULLET.match(line.text)
    )
    if heading_like and line.size >= body_size * _BIGGER:
        return "heading"
    if heading_like and line.bold and line.size >= body_size * 0.9:
        return "heading" if not line.text.endswith((".", ",", ";")) else "paragraph"
    return "paragraph"


def _raw_blocks(regions: list[Region], body_size: float) -> list[_Raw]:
    raws: list[_Raw] = []
    previous_region: Region | None = None
    for region in regions:
        for index, line in enumerate(region.lines):
            role = _role(line, body_size)
            style = (line.size, line.bold)
            last = raws[-1] if raws else None
            previous = last.lines[-1] if last else None
            if index == 0:
                runs_on = (
                    last is not None
                    and previous is not None
                    and not region.boxed
                    and previous_region is not None
                    and not previous_region.boxed
                    and role == last.role
                    and (
                        # a paragraph in mid-sentence, or a heading wrapped onto the next page
                        (
                            role == "paragraph"
                            and not previous.text.endswith(_SENTENCE_END)
                            and line.text[:1].islower()
                        )
                        or (
                            role == "heading" and style == last.style and line.page != previous.page
                        )
                    )
                )
                new = not runs_on
            else:
                assert previous is not None and last is not None
                gap = line.top - previous.bottom
                new = (
                    role == "bullet"
                    or bool(_NUMBERED.match(line.text))
                    or (line.size < body_size * 0.95 and bool(_FOOTNOTE.match(line.text)))
                    or gap > 0.45 * previous.size
                    or style != last.style
                )
                if not new and role == "paragraph" and last.role == "heading":
                    last.role = "paragraph"  # short bold lines, then a sentence: a bold paragraph
                if last.role == "bullet" and role == "paragraph" and not new:
                    new = line.x0 < last.lines[0].x0 + 3  # a bullet's text wraps indented
                elif role == "paragraph" and not new:
                    # No space between paragraphs, but a first line set in: a new paragraph.
                    new = line.x0 > previous.x0 + 8 and previous.text.endswith(_SENTENCE_END)
            if new or last is None:
                raws.append(_Raw(role, [line], style, opens_box=region.boxed and index == 0))
            else:
                last.lines.append(line)
        previous_region = region
    return raws


_SMALL_PRINT = 0.95  # a line at least this much smaller than the body text is small print


def _small_print(raws: list[_Raw], body_size: float) -> bool:
    """Whether the first block is a paragraph in a font smaller than the body text's."""
    return (
        bool(raws) and raws[0].role == "paragraph" and raws[0].style[0] < body_size * _SMALL_PRINT
    )


def _is_prose(text: str) -> bool:
    return len(text.split()) > 2 * _MAX_HEADING_WORDS or text.endswith((".", ";", ","))


def _with_titles_and_levels(
    raws: list[_Raw], join: Callable[[list[str]], str], body_size: float
) -> list[Block]:
    opening = 0
    while opening < len(raws) and raws[opening].role == "heading":
        opening += 1
    later_styles = {raw.style for raw in raws[opening:] if raw.role == "heading"}
    # The opening headings in a style used again (the first box's "Background") are headings.
    while opening and raws[opening - 1].style in later_styles:
        opening -= 1
    # Small print right under the opening lines (the partnership's name in 9 pt, a date) is not
    # part of the title, though a text reader would take any short line there: the looks decide,
    # so the opening lines are written as the title, joined as the text reader joins them.
    joined_title = opening > 1 and _small_print(raws[opening:], body_size)
    styles = sorted(later_styles, key=lambda style: (-style[0], not style[1]))
    blocks: list[Block] = []
    for index, raw in enumerate(raws):
        text = join([line.text for line in raw.lines])
        if raw.role == "heading" and index >= opening and _is_prose(text):
            raw.role = "paragraph"  # a paragraph set in bold, line after short line
        if index < opening and joined_title:
            if index == 0:
                title = join_title([join([line.text for line in r.lines]) for r in raws[:opening]])
                blocks.append(Block(BlockKind.TITLE, title))
        elif index < opening:
            kind = BlockKind.TITLE if opening == 1 else BlockKind.OPENING
            blocks.append(Block(kind, text))
        elif raw.role == "heading":
            # A box's heading ("Key messages" in a sidebar) heads a part, whatever its size.
            level = 1 if raw.opens_box else styles.index(raw.style) + 1
            blocks.append(Block(BlockKind.HEADING, text, level=level))
        elif raw.role == "bullet":
            blocks.append(Block(BlockKind.BULLET, _BULLET.sub("", text, count=1)))
        else:
            blocks.append(Block(BlockKind.PARAGRAPH, text))
    return blocks
