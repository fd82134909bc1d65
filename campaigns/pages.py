"""Page furniture in a briefing's text: page numbers, and headers and footers on every page.

`is_page_marker(text)` says whether a line is only a page number ("Page 2 of 4", "- 3 -");
`running_headers(lines, page_ends)` finds the short lines repeated at the top or bottom of the
pages. campaigns/furniture.py takes both out (the headers with a warning quoting them).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from briefcast.campaigns.furniture import Line

__all__ = [
    "NUMBERED_PAGE",
    "RUNNING_HEADER_MAX_WORDS",
    "header_key",
    "is_page_marker",
    "running_headers",
]

# Page furniture printed by Word or a PDF tool, matched against a whole (stripped) line.
_PAGE_MARKERS = (
    re.compile(r"page\s+\d+(\s+of\s+\d+)?", re.I),  # "Page 2", "Page 2 of 4"
    re.compile(r"\d+\s*\|\s*page|page\s*\|\s*\d+", re.I),  # Word footers: "2 | Page", "Page | 2"
    re.compile(r"[-–—]?\s*\d{1,3}\s*[-–—]?"),  # a lone page number, perhaps "- 2 -"
    re.compile(r"\d{1,3}\s*/\s*\d{1,3}"),  # "2/4"
)

# A running header or footer is a short line repeated on every page; three sightings is a pattern.
_RUNNING_HEADER_REPEATS = 3
RUNNING_HEADER_MAX_WORDS = 12
_MARKDOWN_OR_LIST = re.compile(r"#{1,6}\s|\d{1,2}[.)]\s|[•●◦▪■‣⁃∙·*–—\-]\s")


# A header or footer that numbers its page: page furniture however often it is seen.
NUMBERED_PAGE = re.compile(r"\bpage\s+\d+\s+of\s+\d+\b", re.I)


def is_page_marker(text: str) -> bool:
    return any(pattern.fullmatch(text) for pattern in _PAGE_MARKERS)


def header_key(text: str) -> str:
    # Digits are blanked so "Briefing note | 2" and "Briefing note | 3" count as the same line.
    return re.sub(r"\d+", "#", text)


def running_headers(lines: list[Line], page_ends: list[int]) -> dict[str, str]:
    """Short lines repeated on every page: {key: the line as first seen}.

    Only a document with pages (page numbers or form feeds) has running headers: in web, email
    and Markdown text a repeated line is a repeated heading ("What we learned" under each case).
    A heading someone typed as Markdown or a list item is never one, so "## Theme 1", "## Theme 2"
    and "## Theme 3" stay headings. The one exception needs no pages: a line repeating the title.
    A line numbering its page ("Riverside SCP – Briefing – Page 1 of 2") is one even if seen once.
    A running header sits at the top or bottom of its page; a sub-heading repeated in each
    article ("What happened") is seen in the middle of pages too, so most sightings must be at
    a page's edge (`page_ends` are the numbers of the lines after which a page ends).
    """
    candidates = [
        line.text
        for line in lines
        # Lower-case starts are excluded: a wrapped paragraph can end in the same "children." twice.
        if line.text
        and not line.text[0].islower()
        and not _MARKDOWN_OR_LIST.match(line.text)
        and len(line.text.split()) <= RUNNING_HEADER_MAX_WORDS
    ]
    first_line = next((line.text for line in lines if line.text), "")
    by_key: defaultdict[str, list[str]] = defaultdict(list)
    for text in candidates:
        by_key[header_key(text)].append(text)
    has_pages = bool(page_ends)
    at_edge = _at_page_edges(lines, page_ends)
    headers = {}
    for key, texts in by_key.items():
        if NUMBERED_PAGE.search(texts[0]):
            headers[key] = texts[0]  # "Riverside SCP – Briefing – Page 1 of 2", even seen once
            continue
        if len(texts) < _RUNNING_HEADER_REPEATS:
            continue
        # Without pages only the title repeats; "Theme 1", "Theme 2"... differ, so are headings.
        edges = at_edge[key]
        paged = has_pages and edges >= _RUNNING_HEADER_REPEATS and edges * 2 >= len(texts)
        if paged or (len(set(texts)) == 1 and texts[0] == first_line):
            headers[key] = texts[0]
    return headers


_PAGE_EDGE_LINES = 2  # a header or footer is among the first or last two lines of its page


def _at_page_edges(lines: list[Line], page_ends: list[int]) -> Counter[str]:
    """How often each line (by `header_key`) is seen among the first or last lines of a page."""
    pages: defaultdict[int, list[str]] = defaultdict(list)
    for line in lines:
        if line.text:
            pages[bisect.bisect_left(page_ends, line.number)].append(header_key(line.text))
    seen: Counter[str] = Counter()
    for texts in pages.values():
        edge = texts[:_PAGE_EDGE_LINES] + texts[_PAGE_EDGE_LINES:][-_PAGE_EDGE_LINES:]
        seen.update(edge)
    return seen
