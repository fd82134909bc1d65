"""An untagged PDF's layout: `layout_regions(pages) -> list[Region]`, its text in reading order.

In order:
1. Words become line pieces: words on one row, split where a wide gap (a column gutter) or a box
   edge falls between them.
2. Page furniture is dropped: a piece in the top or bottom tenth of a page that comes back on
   another page (digits aside: "Page 2 of 4", "Learning brief | 3"), or is only a page number.
3. Boxes (drawn rectangles, rounded or not) are read one at a time; other text is read down the
   left column, then the right, where the page has two columns (a gutter no line crosses), and
   text spanning both columns separates bands of columns.
4. Boxes that start with a number (the seven boxes of a 7-minute briefing, wherever the design
   puts them) are read in the order of their numbers.

campaigns/intake_pdf_blocks.py then finds the headings and paragraphs in the regions.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from pdfplumber.utils.text import extract_words

__all__ = ["Line", "Region", "layout_regions", "mend_unmapped"]

_MAX_BOXES = 40  # more drawn boxes than this on a page are a table's cells
_MARGIN = 0.1  # the top and bottom tenth of a page is where running headers and footers live
_PAGE_NUMBER = re.compile(r"(page\s*)?#(\s*(of|/)\s*#)?|#\s*\|\s*page|page\s*\|\s*#", re.I)
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_BOX_NUMBER = re.compile(r"(\d{1,2})[.)]?")
_NUMBERED_TITLE = re.compile(r"(\d{1,2})[.)]?\s+(?=[^\W\d_])")


# A glyph without a Unicode mapping comes out of pdfminer as "(cid:127)": at the start of a line it
# is a bullet from a symbol font (the usual case); anywhere else it cannot be read and is left out.
_UNMAPPED = re.compile(r"\(cid:\d+\)")


def mend_unmapped(text: str) -> str:
    text = _UNMAPPED.sub("•", text, count=1) if _UNMAPPED.match(text.lstrip()) else text
    return " ".join(_UNMAPPED.sub("", text).split())


@dataclass(frozen=True)
class Line:
    """A piece of one row of text: a whole line, or one column's or one box's part of it."""

    page: int
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool


@dataclass
class Region:
    """Text read as one run: a box, or a stretch of one column."""

    lines: list[Line]
    boxed: bool
    column: str = ""  # "left", "right" or "" (spanning, or a page with one column)
    number: int | None = None  # a box's number, from a number that starts it


def layout_regions(pages: Iterable[Any]) -> list[Region]:
    """The text of untagged pages (pdfplumber pages) in reading order, box by box and column by
    column, without page furniture."""
    pages = list(pages)
    page_pieces = [(page, _pieces(page)) for page in pages]
    furniture = _furniture(page_pieces)
    regions: list[Region] = []
    for page, (boxes, pieces) in page_pieces:
        kept = [piece for piece in pieces if (piece[1].page, piece[1].text) not in furniture]
        regions += _regions(kept, boxes, float(page.width))
    return _numbered_boxes_in_order(regions)


# -- words to line pieces ------------------------------------------------------------------------

_Box = tuple[float, float, float, float]  # x0, top, x1, bottom


def _boxes(page: Any) -> list[_Box]:
    """Drawn rectangles big enough to hold text, smallest first; not the page's background."""
    page_area = float(page.width) * float(page.height)
    boxes = {
        (round(shape["x0"]), round(shape["top"]), round(shape["x1"]), round(shape["bottom"]))
        for shape in [*page.rects, *page.curves]
        if shape["x1"] - shape["x0"] >= 50
        and shape["bottom"] - shape["top"] >= 25
        and (shape["x1"] - shape["x0"]) * (shape["bottom"] - shape["top"]) < 0.5 * page_area
    }
    if len(boxes) > _MAX_BOXES:
        return []  # the ruled cells of a table, not a designed page: read it as text
    return sorted(boxes, key=lambda box: (box[2] - box[0]) * (box[3] - box[1]))


def _readable_chars(chars: list[dict]) -> list[dict]:
    """The characters to read: sideways ones (a label up the margin, a "DRAFT" watermark) are
    left out unless the page is turned, and a fake bold drawn twice keeps one copy."""
    upright = [char for char in chars if char.get("upright", True)]
    kept = upright if len(upright) * 2 >= len(chars) else chars
    seen: set[tuple[str, int, int]] = set()
    readable = []
    for char in kept:
        key = (char["text"], round(char["x0"]), round(char["top"]))
        if key not in seen:
            seen.add(key)
            readable.append(char)
    return readable


def _box_of(word: dict, boxes: list[_Box]) -> int | None:
    x, y = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
    return next(
        (
            i
            for i, (x0, top, x1, bottom) in enumerate(boxes)
            if x0 <= x <= x1 and top <= y <= bottom
        ),
        None,
    )


def _pieces(page: Any) -> tuple[list[_Box], list[tuple[int | None, Line]]]:
    """The page's boxes, and its line pieces with the box each is in (None: not in a box)."""
    boxes = _boxes(page)
    words = extract_words(
        _readable_chars(page.chars),
        # Word gaps relative to the font: 1.5pt at 10pt, more in a big, letter-spaced heading.
        extra_attrs=["size", "fontname"],
        x_tolerance_ratio=0.15,
        y_tolerance=2,
    )
    by_box: dict[int | None, list[dict]] = {}
    for word in words:
        by_box.setdefault(_box_of(word, boxes), []).append(word)
    pieces: list[tuple[int | None, Line]] = []
    for box, box_words in by_box.items():
        for row in _rows(box_words):
            pieces += [(box, _line(page.page_number, piece)) for piece in _split_row(row)]
    return boxes, pieces


def _rows(words: list[dict]) -> list[list[dict]]:
    rows: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if rows and abs(word["top"] - rows[-1][0]["top"]) <= 0.3 * word["size"]:
            rows[-1].append(word)
        else:
            rows.append([word])
    return [sorted(row, key=lambda w: w["x0"]) for row in rows]


def _split_row(row: list[dict]) -> list[list[dict]]:
    """A row cut where the gap between two words is wider than a justified line would leave,
    except after a bullet or list number (often followed by a tab)."""
    pieces = [[row[0]]]
    for word in row[1:]:
        previous = pieces[-1][-1]
        gap = word["x0"] - previous["x1"]
        marker_only = len(pieces[-1]) == 1 and not any(c.isalpha() for c in previous["text"])
        if gap > max(2 * word["size"], 14) and not (marker_only and gap < 40):
            pieces.append([word])
        else:
            pieces[-1].append(word)
    return pieces


def _line(page: int, words: list[dict]) -> Line:
    sizes = Counter[float]()
    for word in words:
        sizes[round(word["size"] * 2) / 2] += len(word["text"])
    words = _without_footnote_markers(words, sizes.most_common(1)[0][0])
    lettered = [word for word in words if any(char.isalpha() for char in word["text"])]
    return Line(
        page=page,
        text=mend_unmapped(" ".join(word["text"] for word in words)),
        x0=min(word["x0"] for word in words),
        x1=max(word["x1"] for word in words),
        top=min(word["top"] for word in words),
        bottom=max(word["bottom"] for word in words),
        size=sizes.most_common(1)[0][0],
        bold=bool(lettered) and all(_BOLD_FONT.search(word["fontname"]) for word in lettered),
    )


# A footnote marker: a number, a lower-case roman numeral or a symbol, set small and raised after a
# word ("neglect³"). pdfplumber splits it off the word by its size, so it would read as a number
# of the sentence ("neglected 1 than babies") and even as a key figure. The footnote itself, at
# the foot of the page, is kept: only the marker pointing to it goes.
_FOOTNOTE_MARKER = re.compile(r"\d{1,2}|[ivx]{1,4}|[*†‡§]")
_SUPERSCRIPT_SIZE = 0.8  # at most this much of the line's font size
_RAISED = 0.15  # its foot at least this much of the line's font size above the line's foot


def _without_footnote_markers(words: list[dict], size: float) -> list[dict]:
    foot = Counter(round(word["bottom"]) for word in words if word["size"] >= size).most_common(1)
    if not foot:
        return words
    kept: list[dict] = []
    dropped = False
    for word in words:
        if (
            kept
            and _FOOTNOTE_MARKER.fullmatch(word["text"])
            and word["size"] <= size * _SUPERSCRIPT_SIZE
            and word["bottom"] <= foot[0][0] - size * _RAISED
        ):
            dropped = True
        elif dropped and word["text"][:1] in _CLOSING_PUNCTUATION:
            # "like³." : the full stop after the marker belongs to the word before it.
            kept[-1] = {**kept[-1], "text": kept[-1]["text"] + word["text"], "x1": word["x1"]}
            dropped = False
        else:
            kept.append(word)
            dropped = False
    return kept


_CLOSING_PUNCTUATION = frozenset(".,;:)’”!?")


# -- page furniture ------------------------------------------------------------------------------


def _furniture(page_pieces: list[tuple[Any, tuple[list[_Box], list]]]) -> set[tuple[int, str]]:
    """(page, text) of each running header, footer and page number."""
    in_margin: list[tuple[int, str, str]] = []
    for page, (_, pieces) in page_pieces:
        height = float(page.height)
        for _, line in pieces:
            if line.top < _MARGIN * height or line.bottom > (1 - _MARGIN) * height:
                in_margin.append((line.page, line.text, re.sub(r"\d+", "#", line.text.lower())))
    pages_with = Counter(key for _, key in {(page, key) for page, _, key in in_margin})
    return {
        (page, text)
        for page, text, key in in_margin
        if pages_with[key] >= 2 or _PAGE_NUMBER.fullmatch(key.strip(" -–—"))
    }


# -- reading order -------------------------------------------------------------------------------


@dataclass
class _Item:
    """What the page is read in terms of: a box with its lines, or one line outside any box."""

    x0: float
    x1: float
    top: float
    bottom: float
    lines: list[Line] = field(default_factory=list)
    boxed: bool = False


def _regions(
    pieces: list[tuple[int | None, Line]], boxes: list[_Box], width: float
) -> list[Region]:
    items: list[_Item] = []
    in_box: dict[int, _Item] = {}
    for box, line in pieces:
        if box is None:
            items.append(_Item(line.x0, line.x1, line.top, line.bottom, [line]))
        else:
            if box not in in_box:
                x0, top, x1, bottom = boxes[box]
                in_box[box] = _Item(x0, x1, top, bottom, boxed=True)
                items.append(in_box[box])
            in_box[box].lines.append(line)
    gutter = _gutter(items, width)
    regions: list[Region] = []
    for item in _reading_order(items, gutter):
        column = "" if gutter is None else _column(item, gutter)
        if item.boxed:
            lines = sorted(item.lines, key=lambda line: (line.top, line.x0))
            regions.append(_box_region(lines))
        elif regions and not regions[-1].boxed and regions[-1].column == column:
            regions[-1].lines += item.lines
        else:
            regions.append(Region(list(item.lines), boxed=False, column=column))
    return regions


def _column(item: _Item, gutter: float) -> str:
    return "left" if item.x1 <= gutter else "right" if item.x0 >= gutter else ""


def _gutter(items: list[_Item], width: float) -> float | None:
    """The x of the gap between two columns: crossed by few items, with at least two items on
    its left beside something on its right (a column of text, or one tall box: a sidebar)."""
    candidates: list[tuple[int, float]] = []
    for x in range(int(width * 0.3), int(width * 0.7) + 1, 2):
        left = [item for item in items if item.x1 <= x]
        right = [item for item in items if item.x0 >= x]
        crossing = len(items) - len(left) - len(right)
        if len(left) < 2 or not right or crossing > (len(left) + len(right)) / 4:
            continue
        side_by_side = sum(
            1 for a in left if any(a.top < b.bottom and b.top < a.bottom for b in right)
        )
        if side_by_side >= 2:
            candidates.append((crossing, x))
    if not candidates:
        return None
    fewest = min(crossing for crossing, _ in candidates)
    xs = [x for crossing, x in candidates if crossing == fewest]
    return xs[len(xs) // 2]  # the middle of the clear stretch


def _reading_order(items: list[_Item], gutter: float | None) -> list[_Item]:
    ordered = sorted(items, key=lambda item: (item.top, item.x0))
    if gutter is None:
        return ordered
    result: list[_Item] = []
    left: list[_Item] = []
    right: list[_Item] = []
    for item in ordered:
        column = _column(item, gutter)
        if column == "left":
            left.append(item)
        elif column == "right":
            right.append(item)
        else:  # spanning both columns: what is above it in the columns is read first
            result += [*left, *right, item]
            left, right = [], []
    return result + left + right


def _box_region(lines: list[Line]) -> Region:
    """A box; a number that starts it (on its own, or before its heading) gives its order."""
    region = Region(lines, boxed=True)
    if lines and (lone := _BOX_NUMBER.fullmatch(lines[0].text)):
        region.number = int(lone[1])
        region.lines = lines[1:]
    elif lines and (numbered := _NUMBERED_TITLE.match(lines[0].text)):
        region.number = int(numbered[1])
        first = lines[0]
        region.lines = [replace(first, text=first.text[numbered.end() :]), *lines[1:]]
    return region


def _numbered_boxes_in_order(regions: list[Region]) -> list[Region]:
    """Numbered boxes (three or more, each number once) read 1, 2, 3... together, where the
    first of them is; text outside them keeps its order around them."""
    slots = [i for i, region in enumerate(regions) if region.boxed and region.number is not None]
    numbers = [regions[i].number for i in slots]
    if len(slots) < 3 or len(set(numbers)) != len(numbers):
        return regions
    in_order = sorted((regions[i] for i in slots), key=lambda region: region.number or 0)
    after = [region for i, region in enumerate(regions) if i > slots[0] and i not in slots]
    return [*regions[: slots[0]], *in_order, *after]
