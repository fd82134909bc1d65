"""Read a Word (.docx) briefing into Markdown-like text: `docx_to_markdown(data, source)`.

mammoth turns the document into plain HTML that keeps what the author marked: heading styles
(Title, Subtitle, Heading 1-6), numbered and bulleted lists, tables and the text of text boxes
(after the paragraph they are anchored to). This module reads that HTML into blocks and adds what
Word authors do instead of using styles:

- a short paragraph that is all bold is a heading (below any styled heading);
- a bold paragraph that opens the document is its opening line (the title, if the text reader
  agrees);
- a table whose rows the author titled (a bold header row, or bold first cells) with short titles
  ("Theme | What we found | What to do") gives a part per row (intake_markdown.table_blocks); a
  table whose cells hold a heading and text (boxes laid out as a grid) is read cell by cell; any
  other table gives one paragraph per row.

Nothing is written that the document does not say: numbers come from the lists, column headers
from the table.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser

import mammoth

from briefcast.campaigns.briefing import BriefingError
from briefcast.campaigns.headings import is_frame_title
from briefcast.campaigns.intake_markdown import (
    Block,
    BlockKind,
    blocks_to_markdown,
    heading_level_above,
    looks_like_header_row,
    table_blocks,
)

__all__ = ["docx_to_markdown"]

# Title and Subtitle are not in mammoth's default map; the class marks them for the reader below.
# Partnerships' templates add their own heading styles ("Heading 2 Numbered", "Heading 1 - Blue"):
# a style named after a heading level is that level.
_STYLE_MAP = "\n".join([
    "p[style-name='Title'] => p.title:fresh",
    "p[style-name='Subtitle'] => p.title:fresh",
    *(f"p[style-name^='Heading {level}'] => h{level}:fresh" for level in range(1, 7)),
])  # fmt: skip
_BOLD_HEADING_LEVEL = 7  # below Heading 1-6: bold paragraphs are headings only where styles aren't
_MAX_HEADING_WORDS = 12
_MAX_HEADING_CHARS = 100
_MAX_DOCUMENT_XML = 50_000_000
_SENTENCE_END = (".", ",", ";", "?", "!")


def docx_to_markdown(data: bytes, source: str) -> str:
    """The briefing in a .docx file as Markdown-like text; BriefingError (one line) if it is not
    a Word document or holds no text."""
    _check_is_docx(data, source)
    try:
        html = mammoth.convert_to_html(
            io.BytesIO(data), style_map=_STYLE_MAP, include_embedded_style_map=False
        ).value
    except Exception as error:  # mammoth raises whatever its zip and XML readers raise
        raise BriefingError(
            f"{source}: cannot be read as a Word document ({type(error).__name__}): open it in "
            "Word and save it again as .docx, or paste its text into a .txt file"
        ) from None
    parser = _HtmlReader()
    parser.feed(html)
    parser.close()
    text = blocks_to_markdown(_as_blocks(parser.pieces))
    if not text:
        raise BriefingError(
            f"{source}: this Word document has no text (only pictures?): paste the briefing's "
            "text into the document or into a .txt file"
        )
    return text


def _check_is_docx(data: bytes, source: str) -> None:
    if not data.strip():
        raise BriefingError(f"{source}: is empty: save the briefing from Word again as .docx")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise BriefingError(
            f"{source}: is an old-style Word (.doc) document: open it in Word and save it "
            "as .docx, or paste its text into a .txt file"
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise BriefingError(
            f"{source}: is not a Word (.docx) document: save the briefing from Word as .docx, "
            "or paste its text into a .txt file"
        )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if "word/document.xml" not in archive.namelist():
            raise BriefingError(
                f"{source}: is a zip file but not a Word document (it has no word/document.xml): "
                "save the briefing from Word as .docx, or paste its text into a .txt file"
            )
        # A briefing's text is well under a megabyte; this much is a zip bomb or not a briefing.
        if archive.getinfo("word/document.xml").file_size > _MAX_DOCUMENT_XML:
            raise BriefingError(
                f"{source}: is far too big for a briefing (its text unpacks to over "
                f"{_MAX_DOCUMENT_XML // 1_000_000} MB): paste the briefing's text into a .txt file"
            )


# -- mammoth's HTML to pieces -------------------------------------------------------------------


@dataclass
class _Piece:
    """A paragraph-like element of the HTML, before the bold and table rules are applied."""

    kind: BlockKind
    text: str = ""
    level: int = 1
    number: int = 0
    bold_chars: int = 0  # how many of the letters are bold: all of them may mean a heading
    table: list[list[list[_Piece]]] | None = None  # rows of cells of pieces, for a table

    @property
    def all_bold(self) -> bool:
        letters = sum(1 for char in self.text if char.isalnum())
        return letters > 0 and self.bold_chars >= letters


@dataclass
class _List:
    ordered: bool
    count: int = 0  # the number of the last item so far


class _HtmlReader(HTMLParser):
    """mammoth's small HTML vocabulary (p, h1-h6, ol/ul/li, table/tr/td/th, strong, a, br)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[_Piece] = []
        self._sinks: list[list[_Piece]] = [self.pieces]  # where pieces go: the body or a cell
        self._tables: list[list[list[list[_Piece]]]] = []
        self._lists: list[_List] = []
        self._current: _Piece | None = None
        self._bold = 0
        self._link: str | None = None
        self._link_text = ""
        # Word numbers a list on across paragraphs ("1. Background", text, "2. Why it matters"),
        # which mammoth writes as separate one-item lists: the next one goes on from here.
        self._continue_from = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6"):
            if tag == "p":
                title = "title" in (attributes.get("class") or "").split()
                self._start(_Piece(BlockKind.TITLE if title else BlockKind.PARAGRAPH))
            else:
                self._start(_Piece(BlockKind.HEADING, level=int(tag[1])))
        elif tag in ("ol", "ul"):
            self._finish()
            start = self._continue_from if tag == "ol" and not self._lists else 0
            self._lists.append(_List(ordered=tag == "ol", count=start))
        elif tag == "li":
            current = self._lists[-1] if self._lists else _List(ordered=False)
            current.count += 1
            kind = BlockKind.NUMBERED if current.ordered else BlockKind.BULLET
            self._start(_Piece(kind, number=current.count))
        elif tag == "table":
            self._finish()
            self._tables.append([])
        elif tag == "tr" and self._tables:
            self._tables[-1].append([])
        elif tag in ("td", "th") and self._tables and self._tables[-1]:
            self._finish()
            cell: list[_Piece] = []
            self._tables[-1][-1].append(cell)
            self._sinks.append(cell)
        elif tag in ("strong", "b"):
            self._bold += 1
        elif tag == "a":
            self._link, self._link_text = attributes.get("href"), ""
        elif tag == "br":
            self.handle_data(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li"):
            self._finish()
        elif tag in ("ol", "ul") and self._lists:
            self._finish()
            finished = self._lists.pop()
            if finished.ordered and not self._lists:
                one_item = finished.count == self._continue_from + 1
                self._continue_from = finished.count if one_item else 0
        elif tag in ("td", "th") and len(self._sinks) > 1:
            self._finish()
            self._sinks.pop()
        elif tag == "table" and self._tables:
            self._finish()
            self._sinks[-1].append(_Piece(BlockKind.PARAGRAPH, table=self._tables.pop()))
        elif tag in ("strong", "b"):
            self._bold = max(0, self._bold - 1)
        elif tag == "a":
            self._end_link()

    def handle_data(self, data: str) -> None:
        if self._link and self._link.startswith("#") and data.strip() == "↑":
            return  # mammoth's link from a footnote back to its reference: not the author's text
        if self._current is None:
            if not data.strip():
                return
            self._start(_Piece(BlockKind.PARAGRAPH))  # text straight inside a cell or list item
        assert self._current is not None
        self._current.text += data
        if self._bold:
            self._current.bold_chars += sum(1 for char in data if char.isalnum())
        if self._link is not None:
            self._link_text += data

    def _end_link(self) -> None:
        href, self._link = self._link, None
        # A link's address is part of what the author wrote ("Read the toolkit" -> where): keep it
        # after the text, unless the text is the address. Internal anchors (#footnote) are not.
        if (
            self._current is not None
            and href
            and re.match(r"(https?:|mailto:)", href)
            and href.removeprefix("mailto:") not in self._link_text
        ):
            self._current.text += f" ({href.removeprefix('mailto:')})"

    def _start(self, piece: _Piece) -> None:
        self._finish()
        if piece.kind is BlockKind.HEADING and not self._lists:
            self._continue_from = 0  # a new part of the document: lists start again
        self._current = piece

    def _finish(self) -> None:
        if self._current is not None and self._current.text.strip():
            self._sinks[-1].append(self._current)
        self._current = None


# -- pieces to blocks: bold headings, opening lines, tables --------------------------------------


def _looks_like_heading(piece: _Piece) -> bool:
    text = " ".join(piece.text.split()).removesuffix(":")
    return (
        piece.kind is BlockKind.PARAGRAPH
        and piece.table is None
        and piece.all_bold
        and 0 < len(text.split()) <= _MAX_HEADING_WORDS
        and len(text) <= _MAX_HEADING_CHARS
        and not text.endswith(_SENTENCE_END)
    )


def _as_blocks(pieces: list[_Piece], *, opening: bool = True) -> list[Block]:
    """Blocks for pieces; with `opening`, the pieces start the document (a bold first line may
    be its title)."""
    blocks: list[Block] = []
    for index, piece in enumerate(pieces):
        if piece.table is not None:
            level = heading_level_above(blocks, _BOLD_HEADING_LEVEL)
            blocks += _table_blocks(piece.table, level, at_top=opening and not blocks)
        elif _looks_like_heading(piece):
            text = " ".join(piece.text.split()).removesuffix(":")
            # Only the first: "Child H" / "Background" in bold at the top are a title and a heading
            # as often as a two-line title, and without font sizes they cannot be told apart.
            if opening and index == 0 and _plain_text_next(pieces) and not is_frame_title(text):
                # A bold first line over plain text ("Millbrook SCP, May 2026"): the looks say
                # the bold line alone is the title, though a text reader would take both.
                blocks.append(Block(BlockKind.TITLE, text))
            elif opening and index == 0 and len(pieces) > 1:
                blocks.append(Block(BlockKind.OPENING, text))
            else:
                blocks.append(Block(BlockKind.HEADING, text, level=_BOLD_HEADING_LEVEL))
        else:
            blocks.append(Block(piece.kind, piece.text, piece.level, piece.number))
    return blocks


def _plain_text_next(pieces: list[_Piece]) -> bool:
    """Whether the second piece is a plain paragraph: not bold, not a table, not a list item."""
    return (
        len(pieces) > 1
        and pieces[1].table is None
        and pieces[1].kind is BlockKind.PARAGRAPH
        and not pieces[1].all_bold
        and bool(pieces[1].text.strip())
    )


def _is_banner(cell: list[_Piece]) -> bool:
    """A cell holding one short line with no full stop: a heading, bold or not."""
    pieces = [piece for piece in cell if piece.text.strip()]
    if len(pieces) != 1 or pieces[0].table is not None or pieces[0].kind is not BlockKind.PARAGRAPH:
        return False
    text = " ".join(pieces[0].text.split()).removesuffix(":")
    return (
        0 < len(text.split()) <= _MAX_HEADING_WORDS
        and len(text) <= _MAX_HEADING_CHARS
        and not text.endswith(_SENTENCE_END)
    )


def _cell_text(cell: list[_Piece]) -> str:
    return " ".join(" ".join(piece.text.split()) for piece in cell if piece.table is None)


def _table_blocks(rows: list[list[list[_Piece]]], level: int, *, at_top: bool) -> list[Block]:
    rows = [row for row in rows if any(_cell_text(cell) for cell in row)]
    if len(rows) == 1 and len(rows[0]) == 1 and _is_banner(rows[0][0]):
        # A heading set in a table cell of its own, a shaded banner across the page: a heading
        # like a bold paragraph's, not a table.
        text = " ".join(_cell_text(rows[0][0]).split()).removesuffix(":")
        return [Block(BlockKind.HEADING, text, level=_BOLD_HEADING_LEVEL)]
    # Boxes laid out as a grid: each cell has its own heading and text.
    if any(len(cell) >= 2 and _looks_like_heading(cell[0]) for row in rows for cell in row):
        return _grid_blocks([cell for row in rows for cell in row if _cell_text(cell)], at_top)
    texts = [[_cell_text(cell) for cell in row] for row in rows]
    # A header row bold in the text, or one that only the table style makes bold (Word's "Header
    # Row" tick box, which mammoth cannot see): short labels over rows of sentences.
    bold_header = len(rows) > 2 and all(_looks_like_heading(cell[0]) for cell in rows[0] if cell)
    header = bold_header or looks_like_header_row(texts)
    body = rows[1:] if header else rows
    titled = all(row and row[0] and row[0][0].all_bold for row in body)
    return table_blocks(texts, header=header, titled=titled, level=level)


# "1. Background", "1 Background", "1) Background": the number of a box in a 7-minute briefing.
_BOX_NUMBER = re.compile(r"(\d{1,2})[.)]?\s+\S.*")
_MIN_NUMBERED_BOXES = 3


def _box_number(cell: list[_Piece], titles: list[list[_Piece]]) -> int | None:
    """A box's number: its heading's ("7 Minute Briefing", a title cell, has none)."""
    if cell in titles or not _looks_like_heading(cell[0]):
        return None
    match = _BOX_NUMBER.fullmatch(" ".join(cell[0].text.split()))
    return int(match[1]) if match else None


def _grid_blocks(cells: list[list[_Piece]], at_top: bool) -> list[Block]:
    """Boxes laid out as a table, cell by cell. A 7-minute briefing's boxes go round the page
    (1 2 3 / 7 title 4 / 6 5): when the boxes count 1, 2, 3… they are read by number, as the
    printed page is, with a cell of bold lines only (the title in the middle) first."""
    titles = [cell for cell in cells if all(_looks_like_heading(piece) for piece in cell)]
    numbers = {id(cell): number for cell in cells if (number := _box_number(cell, titles))}
    counted = sorted(numbers.values())
    if len(counted) < _MIN_NUMBERED_BOXES or counted != list(range(1, len(counted) + 1)):
        return _as_blocks([piece for cell in cells for piece in cell], opening=at_top)
    # Unnumbered boxes keep their places after the numbered ones.
    boxes = sorted(
        (cell for cell in cells if cell not in titles),
        key=lambda cell: numbers.get(id(cell), len(cells) + cells.index(cell)),
    )
    # The title cell's lines are the document's opening lines when the grid opens it.
    kind = BlockKind.OPENING if at_top else BlockKind.HEADING
    blocks = [
        Block(kind, " ".join(piece.text.split()), level=_BOLD_HEADING_LEVEL)
        for cell in titles
        for piece in cell
    ]
    return blocks + _as_blocks([piece for cell in boxes for piece in cell], opening=False)
