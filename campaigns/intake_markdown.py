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

__all__ = ["Block", "BlockKind", "blocks_to_markdown"]


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
