"""Blocks read from a Word or PDF document, written as the Markdown-like text briefings are in.

intake_docx.py and intake_pdf.py find *what* each piece of a document is (a heading and its level,
a paragraph, a list item); this module is the one place that decides how that is written down:

    # Title                 the title the document marks (Title style, a lone top heading);
                            lines that only look like one (bold, big) are plain adjacent
                            lines, for the text reader's title rule ("7 Minute Briefing" /
                            "Neglect" -> "7 Minute Briefing: Neglect")
    ## Heading              the top level of heading below the title
    ### Sub-heading         any deeper level (kept in the text, never a theme)
    paragraph               one line each, a blank line between
    - bullet / 1. item      list items, a list's items on adjacent lines

so campaigns/briefing.py applies the same rules (themes, frame sections, figures) to every format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

__all__ = [
    "Block",
    "BlockKind",
    "blocks_to_markdown",
    "heading_level_above",
    "looks_like_header_row",
    "table_blocks",
]


class BlockKind(Enum):
    TITLE = "title"  # marked as the title by the document itself (Word's Title style, PDF's /Title)
    # Lines that open the document where a title would be, told apart only by looks (bold, a big
    # font): written as plain adjacent lines, so the text reader's title rule decides, as for a
    # text file (a frame heading such as "Background" is not taken as the title).
    OPENING = "opening"
    HEADING = "heading"  # with a level: 1 is the biggest
    PARAGRAPH = "paragraph"
    BULLET = "bullet"
    NUMBERED = "numbered"  # an item of a numbered list, `number` its number


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str
    level: int = 1  # headings only
    number: int = 0  # numbered items only


# "3. Background", "3) Background", "Step 3: Background": the number is the document's layout,
# as with numbered headings in a text briefing, and the title is what follows it.
_HEADING_NUMBER = re.compile(r"(?:\d{1,2}[.)]|step\s+\d{1,2}[.:)]?)\s+(?=\S)", re.I)


def blocks_to_markdown(blocks: list[Block]) -> str:
    """The blocks as Markdown-like text (see the module docstring); empty blocks are left out."""
    blocks = [
        Block(block.kind, text, block.level, block.number)
        for block in blocks
        if (text := " ".join(block.text.split()))
    ]
    title, body = _split_title(blocks)
    top_level = min((b.level for b in body if b.kind is BlockKind.HEADING), default=1)
    out: list[str] = [*title, ""] if title else []
    previous: Block | None = None
    for block in body:
        if block.kind in (BlockKind.BULLET, BlockKind.NUMBERED):
            in_same_list = previous is not None and previous.kind is block.kind
            if out and out[-1] and not in_same_list:
                out.append("")
            marker = "-" if block.kind is BlockKind.BULLET else f"{block.number or 1}."
            out.append(f"{marker} {block.text}")
        else:
            if out and out[-1]:
                out.append("")
            if block.kind is BlockKind.PARAGRAPH:
                out.append(block.text)
            else:
                hashes = "##" if block.level <= top_level else "###"
                out.append(f"{hashes} {_HEADING_NUMBER.sub('', block.text, count=1)}")
        previous = block
    return "\n".join(out).strip() + "\n" if out else ""


def _split_title(blocks: list[Block]) -> tuple[list[str], list[Block]]:
    """The title lines and the blocks after them.

    The document's own title marks win, then opening lines; else a first heading that is the only
    one at the top level ("Heading 1" used for the title, "Heading 2" for the parts) is the title.
    Otherwise there is no title here and the text reader looks at the opening lines.
    """
    for kind in (BlockKind.TITLE, BlockKind.OPENING):
        leading = 0
        while leading < len(blocks) and blocks[leading].kind is kind:
            leading += 1
        if leading:
            lines = [block.text for block in blocks[:leading]]
            # One line marked as the title is certain; opening lines are the text reader's call.
            certain = kind is BlockKind.TITLE and leading == 1
            return ([f"# {lines[0]}"] if certain else lines), blocks[leading:]
    headings = [block for block in blocks if block.kind is BlockKind.HEADING]
    if blocks and blocks[0].kind is BlockKind.HEADING:
        top = min(block.level for block in headings)
        at_top = [block for block in headings if block.level == top]
        if blocks[0].level == top and len(at_top) == 1 and len(headings) > 1:
            return [f"# {blocks[0].text}"], blocks[1:]
    return [], blocks


# -- tables ---------------------------------------------------------------------------------------

_MAX_ROW_TITLE_WORDS = 12
_MAX_ROW_TITLE_CHARS = 100


def table_blocks(rows: list[list[str]], *, header: bool, titled: bool, level: int) -> list[Block]:
    """A table's rows (cells' text) as blocks, for Word tables and tagged PDF tables alike.

    Rows the author titled (`header`: a header row over them; `titled`: each row's first cell
    marked, bold or a row header) whose first cells are short titles ("Theme | What we found |
    What to do") are parts: a heading per row at `level` (beside the heading above the table),
    each other cell a paragraph led by its column's header. Any other table is a paragraph per
    row, its cells joined by " – ", the header row included.
    """
    rows = [cells for cells in ([" ".join(c.split()) for c in row] for row in rows) if any(cells)]
    head, body = (rows[0], rows[1:]) if header and rows else ([], rows)
    parts = (
        (header or titled)
        and len(body) >= 2
        and all(len(row) >= 2 and _is_row_title(row[0]) for row in body)
    )
    if not parts and not header and _counted(rows[1:]):
        head, body = rows[0], rows[1:]  # a header row ("No. | Recommendation") over the count
    if not parts and _counted(body):
        # "No. | Recommendation | Agency" over rows counted 1, 2, 3: a numbered list, each item
        # its cells, the later ones led by their column's header ("Agency: Care providers").
        items = []
        for number, row in enumerate(body, start=1):
            cells = [
                f"{head[column]}: {text}" if column > 1 and column < len(head) else text
                for column, text in enumerate(row[1:], start=1)
                if text
            ]
            items.append(Block(BlockKind.NUMBERED, " – ".join(cells), number=number))
        return items
    if not parts and _in_columns(head, body):
        # "Good practice | Areas for development" over cells of sentences: each column is a list
        # under its header, read down the column as a person reads it, not across the rows.
        blocks: list[Block] = []
        for column, label in enumerate(head):
            blocks.append(Block(BlockKind.HEADING, label, level=level + 1))
            cells = [row[column] for row in body if column < len(row) and row[column]]
            blocks += [Block(BlockKind.BULLET, cell) for cell in cells]
        return blocks
    if not parts:
        return [
            Block(BlockKind.PARAGRAPH, " – ".join(cell for cell in row if cell)) for row in rows
        ]
    blocks: list[Block] = []
    for row in body:
        blocks.append(Block(BlockKind.HEADING, row[0], level=level))
        for column, text in enumerate(row[1:], start=1):
            label = head[column] if column < len(head) else ""
            if text:
                blocks.append(Block(BlockKind.PARAGRAPH, f"{label}: {text}" if label else text))
    return blocks


_MIN_HEADER_BODY_ROWS = 2


def _counted(body: list[list[str]]) -> bool:
    """Rows whose first cell counts them, 1, 2, 3 (perhaps "1."), each with more cells."""
    return len(body) >= _MIN_HEADER_BODY_ROWS and all(
        len(row) >= 2 and row[0].removesuffix(".") == str(number) and any(row[1:])
        for number, row in enumerate(body, start=1)
    )


def _in_columns(head: list[str], body: list[list[str]]) -> bool:
    """A header of short labels over rows whose every cell is a sentence (no row titles)."""
    return (
        len(head) >= 2
        and all(_is_row_title(label) for label in head)
        and len(body) >= 1
        and all(_is_sentence(cell) for row in body for cell in row if cell)
    )


_MAX_SHORT_CELL_WORDS = 12


def looks_like_header_row(rows: list[list[str]]) -> bool:
    """Whether a table's first row, unmarked in the text, is its header: short labels ("Learning |
    What happened | What to do") over at least two rows, each led by a short title and holding a
    sentence, or over rows of sentences only ("Good practice | Areas for development"). A table
    of contacts (short cells throughout) has no such header."""
    if len(rows) < 1 + _MIN_HEADER_BODY_ROWS or not rows[0] or not all(rows[0]):
        return False
    if not all(_is_row_title(label) for label in rows[0]):
        return False
    if _in_columns(rows[0], rows[1:]):
        return True  # "Good practice | Areas for development" over cells of sentences
    return all(
        len(row) >= 2 and _is_row_title(row[0]) and any(_is_sentence(cell) for cell in row[1:])
        for row in rows[1:]
    )


def _is_sentence(text: str) -> bool:
    return text.endswith((".", "!", "?")) or len(text.split()) > _MAX_SHORT_CELL_WORDS


def _is_row_title(text: str) -> bool:
    return (
        0 < len(text.split()) <= _MAX_ROW_TITLE_WORDS
        and len(text) <= _MAX_ROW_TITLE_CHARS
        and not text.endswith((".", ",", ";", "?", "!"))
    )


def heading_level_above(blocks: list[Block], default: int) -> int:
    """A table's row headings sit beside the heading above the table ("Key themes" + a table of
    themes): at its level, so the text reader can treat the rows as the parts they are. Below
    it when that heading opens the document: it is the title."""
    for index in range(len(blocks) - 1, -1, -1):
        if blocks[index].kind is BlockKind.HEADING:
            return blocks[index].level + (1 if index == 0 else 0)
    return default
