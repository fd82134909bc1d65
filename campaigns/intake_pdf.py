"""Read a PDF briefing into Markdown-like text: `pdf_to_markdown(data, source)`.

A PDF is characters placed on pages; what is a heading, and in which order to read, has to be
found. Two ways, best first:

1. Tagged PDFs (Word's "Save as PDF", accessible designs) carry a structure tree: H1-H6, P, L/LI,
   Table, in reading order; page headers, footers and page numbers are untagged artefacts. The
   tree is followed and each element's text taken from its marked characters.
2. Otherwise the layout is read (campaigns/intake_pdf_layout.py, then intake_pdf_blocks.py):
   headings by font size and weight, two columns, boxes (a 7-minute briefing's seven numbered
   boxes become seven parts), running headers, footers and page numbers dropped.

Both join a paragraph's lines here, repairing hyphenation: "safe-" / "guarding" becomes
"safeguarding" when the document writes that word elsewhere, and stays "safe-guarding" otherwise
(a compound such as "multi-agency" keeps its hyphen: guessing would change words).

PDFs that cannot be read get one line saying what to do: no text layer (a scan), a password,
damage.
"""

from __future__ import annotations

import io
import logging
import re
from collections import defaultdict
from collections.abc import Iterable

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.structure import PDFStructElement, PDFStructTree, StructTreeMissing
from pdfplumber.utils.exceptions import PdfminerException
from pdfplumber.utils.text import extract_text

from briefcast.campaigns.briefing import BriefingError
from briefcast.campaigns.intake_markdown import (
    Block,
    BlockKind,
    blocks_to_markdown,
    heading_level_above,
    table_blocks,
)
from briefcast.campaigns.intake_pdf_blocks import regions_to_blocks
from briefcast.campaigns.intake_pdf_layout import layout_regions, mend_unmapped

__all__ = ["join_lines", "pdf_to_markdown"]

# pdfminer and pdfplumber log what they find odd in a PDF (a font without widths, an unknown
# attribute class) as warnings: lines on stderr about something the user cannot act on.
logging.getLogger("pdfminer").setLevel(logging.ERROR)
logging.getLogger("pdfplumber").setLevel(logging.ERROR)

_PASTE = "or paste the briefing's text into a .txt file"


def pdf_to_markdown(data: bytes, source: str) -> str:
    """The briefing in a PDF as Markdown-like text; BriefingError (one line) if unreadable."""
    if not data.strip():
        raise BriefingError(f"{source}: is empty: export the briefing as PDF again, {_PASTE}")
    if b"%PDF-" not in data[:1024]:
        raise BriefingError(
            f"{source}: is not a PDF document: export the briefing as PDF, {_PASTE}"
        )
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            return _read(pdf, source)
    except PdfminerException as error:
        cause = error.args[0] if error.args else error
        if isinstance(cause, PDFPasswordIncorrect):
            raise BriefingError(
                f"{source}: this PDF is protected by a password: save a copy without the "
                f"password (or export it again from the original document), {_PASTE}"
            ) from None
        if isinstance(cause, PDFEncryptionError):
            raise BriefingError(
                f"{source}: this PDF is encrypted in a way that cannot be read: export it again "
                f"from the original document without protection, {_PASTE}"
            ) from None
        raise _damaged(source, error) from None
    except BriefingError:
        raise
    except Exception as error:  # pdfminer raises many kinds on a damaged file
        raise _damaged(source, error) from None


def _damaged(source: str, error: Exception) -> BriefingError:
    return BriefingError(
        f"{source}: cannot be read as a PDF, it may be damaged ({type(error).__name__}): export "
        f"it again from the original document, {_PASTE}"
    )


def _read(pdf: pdfplumber.PDF, source: str) -> str:
    chars = [char for page in pdf.pages for char in page.chars if char["text"].strip()]
    if not chars:
        raise BriefingError(
            f"{source}: this PDF has no text layer (it is a scan or made of pictures): export "
            f"it from the original document, {_PASTE}"
        )
    vocabulary = _words("\n".join(page.extract_text() or "" for page in pdf.pages))
    blocks = _tagged_blocks(pdf, vocabulary)
    if blocks is None:
        blocks = regions_to_blocks(
            layout_regions(pdf.pages), lambda lines: join_lines(lines, vocabulary)
        )
    return blocks_to_markdown(blocks)


# -- joining lines ------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:[-\u2010][^\W\d_]+)*")
_HYPHENS = ("-", "\u2010", "\u00ad")  # hyphen-minus, hyphen, soft hyphen


def _words(text: str) -> set[str]:
    return {word.lower() for word in _WORD.findall(text)}


def join_lines(lines: Iterable[str], vocabulary: set[str]) -> str:
    """One paragraph from its lines; a word broken at a line end is mended (see the docstring)."""
    text = ""
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            continue
        broken = text[-1:] in _HYPHENS and len(text) > 1 and text[-2].isalpha()
        if broken and line[:1].isupper() and text[-1] != "\u00ad":
            text += line  # "Non-" / "Mobile": a compound with a capital after its hyphen
        elif broken and line[:1].islower():
            head = re.search(r"[^\W\d_]+$", text[:-1])
            tail = re.match(r"[^\W\d_]+", line)
            whole = (head[0] if head else "") + (tail[0] if tail else "")
            # A soft hyphen only ever marks a break; a printed one is kept unless the document
            # itself writes the word whole (and not hyphenated) somewhere.
            drop = text[-1] == "\u00ad" or (
                whole.lower() in vocabulary
                and f"{head[0] if head else ''}-{tail[0] if tail else ''}".lower() not in vocabulary
            )
            text = (text[:-1] if drop else text[:-1] + "-") + line
        else:
            text = f"{text} {line}" if text else line
    return text.replace("\u00ad", "")


# -- tagged PDFs --------------------------------------------------------------------------------

_HEADING_TAG = re.compile(r"H([1-6])?")
_PARAGRAPH_TAGS = frozenset({"P", "Caption", "BlockQuote", "Quote", "Note", "Lbl", "Span"})
_LIST_ITEM_TAGS = frozenset({"LI"})
_SKIPPED_TAGS = frozenset({"Figure", "Formula", "Artifact", "TOC", "TOCI", "Index"})


def _tagged_blocks(pdf: pdfplumber.PDF, vocabulary: set[str]) -> list[Block] | None:
    """The blocks in the structure tree's order, or None when there is no usable tree."""
    try:
        tree = PDFStructTree(pdf)
    except StructTreeMissing:
        return None
    except Exception:  # a broken tree is common in PDFs from odd tools: the layout still reads
        return None
    marked: dict[tuple[int | None, int], list[dict]] = defaultdict(list)
    for page in pdf.pages:
        for char in page.chars:
            if char.get("mcid") is not None:
                marked[(page.page_number, char["mcid"])].append(char)
    page_count = len(pdf.pages)

    def text_of(element: PDFStructElement) -> str:
        chars = [
            char
            for page_number, mcid in element.all_mcids()
            # An element without a page (/Pg) is on the only page there is.
            for char in marked.get((page_number or (1 if page_count == 1 else None), mcid), [])
        ]
        text = extract_text(chars, x_tolerance_ratio=0.15) if chars else ""
        lines = [mend_unmapped(line) for line in text.splitlines()]
        return join_lines(lines, vocabulary)

    blocks = _element_blocks(tree.children, text_of)
    # A tree is only trusted when it has headings and reaches most of the text: some tools tag
    # every paragraph as P, or tag the first page and leave the rest untagged.
    tagged = sum(1 for chars in marked.values() for char in chars if char["text"].strip())
    shown = sum(1 for page in pdf.pages for char in page.chars if char["text"].strip())
    has_headings = any(block.kind is BlockKind.HEADING and block.text for block in blocks)
    return blocks if has_headings and tagged >= 0.8 * shown else None


def _element_blocks(elements: Iterable[PDFStructElement], text_of) -> list[Block]:
    blocks: list[Block] = []
    for element in elements:
        tag = element.type
        heading = _HEADING_TAG.fullmatch(tag)
        if tag in _SKIPPED_TAGS:
            continue
        if tag == "Title":
            blocks.append(Block(BlockKind.TITLE, text_of(element)))
        elif heading:
            blocks.append(Block(BlockKind.HEADING, text_of(element), level=int(heading[1] or 1)))
        elif tag in _LIST_ITEM_TAGS:
            blocks.append(_list_item(element, text_of))
        elif tag == "Table":
            blocks += _table(element, text_of, heading_level_above(blocks, default=2))
        elif tag in _PARAGRAPH_TAGS or not element.children:
            blocks.append(Block(BlockKind.PARAGRAPH, text_of(element)))
        else:  # Document, Part, Sect, Div, Art, L, ...: what they hold, in order
            blocks += _element_blocks(element.children, text_of)
    return blocks


def _table(table: PDFStructElement, text_of, level: int) -> list[Block]:
    """A Table's rows (TR, perhaps inside THead, TBody, TFoot); TH cells mark the header row
    and row titles, as Word tags them."""
    rows: list[PDFStructElement] = []
    pending = list(table.children)
    while pending:
        element = pending.pop(0)
        if element.type == "TR":
            rows.append(element)
        else:
            pending[:0] = element.children
    cells = [[cell for cell in row.children if cell.type in ("TH", "TD")] for row in rows]
    cells = [row for row in cells if row]
    header = bool(cells) and all(cell.type == "TH" for cell in cells[0])
    titled = all(row[0].type == "TH" for row in cells[1 if header else 0 :])
    texts = [[text_of(cell) for cell in row] for row in cells]
    return table_blocks(texts, header=header, titled=titled, level=level)


def _list_item(element: PDFStructElement, text_of) -> Block:
    """An LI: a bullet or a numbered item, by its label; its body (LBody) is the text."""
    label = next((child for child in element.children if child.type == "Lbl"), None)
    bodies = [child for child in element.children if child.type != "Lbl"]
    text = " ".join(text_of(child) for child in bodies) if bodies else text_of(element)
    # The label ("•", "3.") is tagged Lbl, or (Word 365) left in the body's text: read alike.
    if label:
        text = f"{text_of(label)} {text}"
    if number := re.match(r"\(?(\d{1,2})[.)]\s+", text):
        return Block(BlockKind.NUMBERED, text[number.end() :], number=int(number[1]))
    return Block(BlockKind.BULLET, re.sub(r"^[•●▪■◦‣\-–\uf0b7]\s*", "", text))
