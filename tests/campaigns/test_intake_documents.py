"""Word and PDF briefings: the corpus in documents/ end to end, the refusals, and the rules the
converters add (titles and heading levels, hyphenation, tables, links, tags, boxes)."""

from __future__ import annotations

import io
import json
import tomllib
import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from docx.enum.style import WD_STYLE_TYPE

from briefcast.campaigns.briefing import BriefingError, read_briefing
from briefcast.campaigns.intake_docx import docx_to_markdown
from briefcast.campaigns.intake_markdown import Block, BlockKind, blocks_to_markdown
from briefcast.campaigns.intake_pdf import join_lines, pdf_to_markdown
from briefcast.campaigns.model import Briefing
from briefcast.cli import app

DOCUMENTS = Path(__file__).parent / "documents"
MANIFEST = tomllib.loads((DOCUMENTS / "manifest.toml").read_text(encoding="utf-8"))


def everything(briefing: Briefing) -> list[str]:
    return [p for part in (*briefing.sections, *briefing.themes) for p in part.paragraphs]


def _corpus() -> list:
    params = []
    for name, expected in MANIFEST["documents"].items():
        marks = []
        if gap := expected.get("known_gap"):
            marks.append(pytest.mark.xfail(reason=gap, strict=True))
        params.append(pytest.param(name, expected, id=name, marks=marks))
    return params


# -- the corpus ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name, expected", _corpus())
def test_corpus_document_reads_as_its_manifest_says(name, expected):
    briefing = read_briefing(DOCUMENTS / name)
    assert briefing.title == expected["title"]
    assert [theme.title for theme in briefing.themes] == expected["themes"]
    if "sections" in expected:
        assert [section.title for section in briefing.sections] == expected["sections"]
    paragraphs = everything(briefing)
    for text in expected.get("contains", []):
        assert any(text in paragraph for paragraph in paragraphs), text
    for text in expected.get("absent", []):
        assert not any(text in paragraph for paragraph in paragraphs), text
        assert text not in briefing.title
    for theme in briefing.themes:
        assert theme.paragraphs, f"{theme.title} has no text"


def test_the_corpus_has_every_shape_the_issue_lists():
    shapes = {expected["shape"] for expected in MANIFEST["documents"].values()}
    assert shapes >= {
        "Word with heading styles",
        "Word with bold-paragraph headings",
        "Word with numbered headings",
        "Word with a table of themes",
        "Word with text boxes",
        "tagged PDF",
        "untagged PDF with headings by font size and weight",
        "two-column learning brief",
        "seven-box 7-minute briefing",
        "PDF with running headers, footers, page numbers and hyphenation",
    }
    for name in [*MANIFEST["documents"], *MANIFEST["bad"]]:
        assert (DOCUMENTS / name).is_file(), name


def test_briefing_command_reads_a_pdf_and_a_word_document():
    for name in ("seven-boxes.pdf", "heading-styles.docx"):
        result = CliRunner().invoke(app, ["briefing", str(DOCUMENTS / name), "--json"])
        assert result.exit_code == 0, result.output
        document = json.loads(result.stdout)
        expected = MANIFEST["documents"][name]
        assert document["title"] == expected["title"]
        assert [theme["title"] for theme in document["themes"]] == expected["themes"]


def test_a_tagged_heading_that_looks_like_body_text_is_found_only_by_its_tag():
    markdown = pdf_to_markdown((DOCUMENTS / "tagged.pdf").read_bytes(), "tagged.pdf")
    assert "## Supporting parents\n" in markdown
    assert markdown.startswith("# Learning Brief: Online Harm and Younger Children\n")


def test_seven_boxes_are_read_by_their_numbers_not_their_places():
    markdown = pdf_to_markdown((DOCUMENTS / "seven-boxes.pdf").read_bytes(), "seven-boxes.pdf")
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Background",
        "## Why it matters",
        "## Information",
        "## What we found",
        "## What you should do",
        "## Questions to consider",
        "## Further information",
    ]
    assert "\n1\n" not in markdown and "\n7\n" not in markdown  # box numbers are not text


# -- documents that cannot be read --------------------------------------------------------------


@pytest.mark.parametrize("name, says", [(n, e["says"]) for n, e in MANIFEST["bad"].items()])
def test_a_bad_document_gets_one_line_naming_it_and_what_to_do(name, says):
    path = DOCUMENTS / name
    result = CliRunner().invoke(app, ["briefing", str(path)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: {path}: ")
    assert says in lines[0]
    with pytest.raises(BriefingError):
        read_briefing(path)


@pytest.mark.parametrize(
    "data, says",
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), "old-style Word (.doc)"),
        (b"<html><body>Learning brief</body></html>", "is not a Word (.docx) document"),
    ],
)
def test_a_docx_that_is_not_one(data, says):
    with pytest.raises(BriefingError, match=r"^report\.docx: ") as error:
        docx_to_markdown(data, "report.docx")
    assert says in str(error.value) and "\n" not in str(error.value)


def test_a_docx_whose_text_would_unpack_to_a_huge_size_is_refused_before_unpacking():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b" " * 60_000_000)
    with pytest.raises(BriefingError, match=r"^big\.docx: is far too big for a briefing"):
        docx_to_markdown(buffer.getvalue(), "big.docx")


def test_a_docx_with_a_broken_document_part():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document>not closed")
    with pytest.raises(BriefingError, match=r"^x\.docx: cannot be read as a Word document"):
        docx_to_markdown(buffer.getvalue(), "x.docx")


@pytest.mark.parametrize(
    "data, says",
    [
        (b"Learning brief, saved as text with the wrong name\n", "is not a PDF document"),
        ((DOCUMENTS / "font-headings.pdf").read_bytes()[:900], "cannot be read as a PDF"),
    ],
)
def test_a_pdf_that_is_not_one_or_is_cut_short(data, says):
    with pytest.raises(BriefingError, match=r"^brief\.pdf: ") as error:
        pdf_to_markdown(data, "brief.pdf")
    assert says in str(error.value) and "\n" not in str(error.value)


# -- blocks to Markdown -------------------------------------------------------------------------


def test_blocks_title_levels_numbers_and_lists():
    text = blocks_to_markdown([
        Block(BlockKind.HEADING, "Learning brief", level=1),
        Block(BlockKind.PARAGRAPH, "An  opening\nparagraph."),
        Block(BlockKind.HEADING, "1. Background", level=2),
        Block(BlockKind.HEADING, "What we found", level=3),
        Block(BlockKind.BULLET, "One"),
        Block(BlockKind.BULLET, "Two"),
        Block(BlockKind.NUMBERED, "First", number=1),
        Block(BlockKind.HEADING, "Step 2: Escalation", level=2),
        Block(BlockKind.PARAGRAPH, "  "),
    ])  # fmt: skip
    assert text == (
        "# Learning brief\n\nAn opening paragraph.\n\n## Background\n\n### What we found\n\n"
        "- One\n- Two\n\n1. First\n\n## Escalation\n"
    )


def test_blocks_title_lines_marked_or_only_looking_like_one():
    marked = [Block(BlockKind.TITLE, "7 Minute Briefing"), Block(BlockKind.TITLE, "Neglect")]
    assert blocks_to_markdown(marked) == "7 Minute Briefing\nNeglect\n"  # the reader joins them
    assert blocks_to_markdown([Block(BlockKind.TITLE, "Neglect")]) == "# Neglect\n"
    assert blocks_to_markdown([Block(BlockKind.OPENING, "Neglect")]) == "Neglect\n"
    # Two headings at the top level: neither is the title.
    two = [Block(BlockKind.HEADING, "A"), Block(BlockKind.HEADING, "B")]
    assert blocks_to_markdown(two) == "## A\n\n## B\n"


# -- Word rules ---------------------------------------------------------------------------------


def _docx(build) -> bytes:
    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_word_numbered_list_carries_on_across_paragraphs_and_restarts_after_a_heading():
    def build(d):
        for title in ("Background", "Why it matters"):
            d.add_paragraph(title, style="List Number")
            d.add_paragraph(f"Text about {title.lower()}.")
        d.add_heading("Actions", 1)
        d.add_paragraph("Ask", style="List Number")
        d.add_paragraph("Record", style="List Number")

    text = docx_to_markdown(_docx(build), "x.docx")
    assert "1. Background\n\nText about background.\n\n2. Why it matters\n" in text
    assert "## Actions\n\n1. Ask\n2. Record\n" in text


def test_word_heading_styles_of_a_partnership_template_keep_their_level():
    def build(d):
        numbered = d.styles.add_style("Heading 2 Numbered", WD_STYLE_TYPE.PARAGRAPH)
        numbered.base_style = d.styles["Heading 2"]
        d.add_paragraph("Neglect audit findings", style="Title")
        d.add_paragraph("Chronologies", style="Heading 2 Numbered")
        d.add_paragraph("Only 9 of 30 cases had one.")

    assert docx_to_markdown(_docx(build), "x.docx") == (
        "# Neglect audit findings\n\n## Chronologies\n\nOnly 9 of 30 cases had one.\n"
    )


def test_word_table_that_is_not_a_list_of_themes_gives_a_paragraph_per_row():
    def build(d):
        d.add_heading("Contacts", 1)
        table = d.add_table(rows=2, cols=2)
        table.cell(0, 0).text = "Safeguarding hub"
        table.cell(0, 1).text = "hub@example.org"
        table.cell(1, 0).text = "Out of hours team, weekends and nights included."
        table.cell(1, 1).text = "0300 555 0100"

    text = docx_to_markdown(_docx(build), "x.docx")
    assert "Safeguarding hub – hub@example.org\n" in text
    assert "Out of hours team, weekends and nights included. – 0300 555 0100\n" in text


def test_word_table_of_short_cells_without_a_header_or_bold_titles_is_not_themes():
    def build(d):
        table = d.add_table(rows=2, cols=2)
        for row, texts in enumerate((("Police", "Sergeant on duty"), ("Health", "Named nurse"))):
            for column, text in enumerate(texts):
                table.cell(row, column).text = text

    assert docx_to_markdown(_docx(build), "x.docx") == (
        "Police – Sergeant on duty\n\nHealth – Named nurse\n"
    )

    # The same rows with their first cells in bold are titled rows: a part each.
    def build_bold(d):
        table = d.add_table(rows=2, cols=2)
        for row, texts in enumerate((("Police", "Sergeant on duty"), ("Health", "Named nurse"))):
            table.cell(row, 0).paragraphs[0].add_run(texts[0]).bold = True
            table.cell(row, 1).text = texts[1]

    assert docx_to_markdown(_docx(build_bold), "x.docx") == (
        "## Police\n\nSergeant on duty\n\n## Health\n\nNamed nurse\n"
    )


def test_word_document_with_only_a_picture_has_no_text():
    with pytest.raises(BriefingError, match=r"^x\.docx: this Word document has no text"):
        docx_to_markdown(_docx(lambda d: d.add_paragraph("   ")), "x.docx")


# -- PDF lines --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lines, vocabulary, joined",
    [
        # Broken where the document writes the word whole: the hyphen was the typesetter's.
        (["Her safe-", "guarding needs"], {"safeguarding"}, "Her safeguarding needs"),
        # Never written whole: the hyphen stays, as in "co-ordinated".
        (["a co-", "ordinated response"], {"co-ordinated"}, "a co-ordinated response"),
        # Written both ways: the hyphenated form wins, nothing is guessed.
        (["multi-", "agency"], {"multiagency", "multi-agency"}, "multi-agency"),
        (["Non-", "Mobile Babies"], set(), "Non-Mobile Babies"),
        (["safe\u00ad", "guarding"], set(), "safeguarding"),  # a soft hyphen only marks a break
        (["Ask them –", "then listen."], set(), "Ask them – then listen."),
        (["Ten-", "", "  year  olds"], set(), "Ten-year olds"),
    ],
)
def test_join_lines(lines, vocabulary, joined):
    assert join_lines(lines, vocabulary) == joined


# -- PDF layout rules, on PDFs drawn here --------------------------------------------------------


def _pdf(draw) -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(595, 842), invariant=1)
    draw(canvas)
    canvas.save()
    return buffer.getvalue()


def _lines(canvas, lines, *, top=760, size=11, font="Helvetica", step=14.3, x=72):
    for index, (indent, text) in enumerate(lines):
        canvas.setFont(font, size)
        canvas.drawString(x + indent, top - index * step, text)


def test_pdf_paragraphs_marked_by_a_first_line_indent_and_a_bold_paragraph_that_is_not_a_heading():
    def draw(c):
        c.setFont("Helvetica-Bold", 20)
        c.drawString(72, 800, "Learning Brief: Missing Children")
        _lines(
            c,
            [
                (0, "This briefing is for everyone who works with children"),
                (0, "who go missing from home or care, and for their"),
                (0, "managers and the designated safeguarding leads."),
            ],
            font="Helvetica-Bold",
            top=770,
        )
        c.setFont("Helvetica-Bold", 14)
        c.drawString(72, 700, "Return home interviews")
        _lines(c, [
            (16, "Return home interviews were offered to 40 of the"),
            (0, "52 children who went missing last year."),
            (16, "Children said they wanted to talk to someone they"),
            (0, "already knew."),
        ], top=680)  # fmt: skip

    markdown = pdf_to_markdown(_pdf(draw), "missing.pdf")
    assert markdown == (
        "# Learning Brief: Missing Children\n\n"
        "This briefing is for everyone who works with children who go missing from home or "
        "care, and for their managers and the designated safeguarding leads.\n\n"
        "## Return home interviews\n\n"
        "Return home interviews were offered to 40 of the 52 children who went missing last "
        "year.\n\n"
        "Children said they wanted to talk to someone they already knew.\n"
    )
