"""Word and PDF briefings in the shapes found in round two, written by make_documents.py.

- a thematic review PDF whose footnote markers are set small and raised after a word, with the
  footnotes at the foot of the page;
- a rapid review summary in Word laid out as a two-column table, "Good practice" and "Areas
  for development", under bold Normal paragraphs (no heading styles) for its other parts;
- a learning brief in Word whose headings are each in a one-cell table (a shaded banner);
- a SAR briefing in Word with a table of recommendations numbered 1, 2, 3 under "No.".

People, partnerships and addresses are fictional (example.org). What each should read as is in
manifest.toml, written by hand.
"""

from __future__ import annotations

from pathlib import Path

import docx
from make_documents import BODY, BOLD, Flow
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

# -- PDF ------------------------------------------------------------------------------------------


def _with_markers(canvas: Canvas, flow: Flow, parts: list[tuple[str, str]]) -> None:
    """One line of body text, each (text, marker) pair followed by a superscript marker."""
    size = 10.5
    flow.y -= size * 1.3
    x = flow.x
    for text, marker in parts:
        canvas.setFont(BODY, size)
        canvas.drawString(x, flow.y, text)
        x += stringWidth(text, BODY, size)
        if marker:
            canvas.setFont(BODY, size * 0.6)
            canvas.drawString(x, flow.y + size * 0.38, marker)
            x += stringWidth(marker, BODY, size * 0.6)
    flow.y -= 8


def footnote_markers(path: Path) -> None:
    """A thematic review: footnote markers raised after words, footnotes at the foot in 8 pt."""
    c = Canvas(str(path), pagesize=A4, invariant=1)
    width, height = A4
    f = Flow(c, 60, height - 60, width - 120)
    f.text("Thematic Review: Neglect of Adolescents", BOLD, 20, after=14)
    f.text("Seeing neglect in older children", BOLD, 14, after=4)
    _with_markers(
        c, f, [("Older children are less often seen as neglected", "1"), (" than babies.", "")]
    )
    f.text("Practitioners described them as able to look after themselves.")
    f.text("Chronic neglect and drift", BOLD, 14, after=4)
    _with_markers(
        c, f, [("Referrals for chronic neglect", "2"), (" were closed after one visit.", "")]
    )
    f.text("The voice of the young person", BOLD, 14, after=4)
    _with_markers(c, f, [("Young people said nobody asked what home was like", "3"), (".", "")])
    c.setFont(BODY, 8)
    for index, note in enumerate(
        (
            "1 Department for Education statistics, 2024.",
            "2 Local audit of 40 referrals, spring 2025.",
            "3 Conversations with young people held by the review team.",
        )
    ):
        c.drawString(60, 100 - 11 * index, note)
    c.save()


# -- Word -----------------------------------------------------------------------------------------


def good_practice_table() -> docx.Document:
    """A rapid review summary: bold Normal paragraphs as headings (no heading styles), and a
    two-column table "Good practice" | "Areas for development" of short points."""
    d = docx.Document()
    d.add_paragraph().add_run("Rapid Review Summary: Baby N").bold = True
    d.add_paragraph("Millbrook Safeguarding Children Partnership, May 2026")
    d.add_paragraph().add_run("Background").bold = True
    d.add_paragraph(
        "Baby N was 7 weeks old when she was admitted to hospital with a head injury. The rapid "
        "review met within 15 working days."
    )
    d.add_paragraph().add_run("What the review found").bold = True
    table = d.add_table(rows=3, cols=2)
    cells = [
        ("Good practice", "Areas for development"),
        (
            "The midwife recorded the father's mental health history.",
            "The history was not shared with the health visitor.",
        ),
        (
            "The emergency department referred the same day.",
            "No one asked who else looked after the baby.",
        ),
    ]
    for index, (row, texts) in enumerate(zip(table.rows, cells, strict=True)):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.paragraphs[0].add_run(text).bold = index == 0  # the header row, bold in its runs
    d.add_paragraph().add_run("Learning for practice").bold = True
    d.add_paragraph(
        "Ask about every adult who cares for a baby, and share a parent's mental health "
        "history with the health visitor before the first visit."
    )
    d.add_paragraph().add_run("Contact").bold = True
    d.add_paragraph("Learning team: mscp-learning@example.org")
    return d


def cell_headings() -> docx.Document:
    """A learning brief whose headings are shaded banners: each a table of one cell, not bold."""
    d = docx.Document()
    d.add_paragraph().add_run("Learning Brief: Child W").bold = True
    d.add_paragraph("Oakfield Safeguarding Partnership, June 2026")
    parts = [
        ("Background", "W was three and lived with his mother and her partner."),
        (
            "Recognising coercive control",
            "Police records showed the partner controlled the family's money and phones.",
        ),
        ("Hearing the child", "Nobody asked W about home; his nursery saw he was withdrawn."),
        ("Questions to consider", "How do you ask a young child about home?"),
    ]
    for title, text in parts:
        banner = d.add_table(rows=1, cols=1)
        banner.rows[0].cells[0].paragraphs[0].add_run(title)
        d.add_paragraph(text)
    return d


def sar_recommendations_table() -> docx.Document:
    """A SAR briefing with heading styles and a table "No. | Recommendation | Agency"."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Adults Review: Mr T – Briefing", style="Title")
    d.add_heading("Summary", 1)
    d.add_paragraph(
        "Mr T was 72 and lived in a care home. He died after a fall that was not reported."
    )
    d.add_heading("Key findings", 1)
    d.add_paragraph(
        "Falls were recorded as incidents but not reviewed. Staff did not know when to report."
    )
    d.add_heading("Recommendations", 1)
    rows = [
        ("No.", "Recommendation", "Agency"),
        ("1", "Care homes should review every fall within a day.", "Care providers"),
        ("2", "The board should check that falls training is in place.", "Adults Board"),
        ("3", "Commissioners should ask for falls data each quarter.", "Integrated Care Board"),
    ]
    table = d.add_table(rows=len(rows), cols=3)
    for index, (row, texts) in enumerate(zip(table.rows, rows, strict=True)):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.paragraphs[0].add_run(text).bold = index == 0
    return d
