"""More Word and PDF briefings in shapes partnerships publish, written by make_documents.py.

- a SAR learning brief in Word whose table of learning has a header row bold only by its table
  style (Word's "Header Row" tick box), which the document's text does not mark;
- a 7-minute briefing in Word laid out as a 3 x 3 table of boxes going round the title in the
  middle, as the printed one-page briefings do;
- an untagged two-page rapid review PDF with a band of key messages above question headings, a
  picture for the logo, and a footer numbering its pages;
- an untagged DHR learning brief PDF whose themes each carry a bold "What does this mean for
  practice?" at body size, and a contact box at the end.

People, partnerships and addresses are fictional (example.org). What each should read as is in
manifest.toml, written by hand.
"""

from __future__ import annotations

import io
from pathlib import Path

import docx
from make_documents import BODY, BOLD, Flow
from PIL import Image
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

# -- Word -----------------------------------------------------------------------------------------


def styled_header_table() -> docx.Document:
    """A SAR learning brief: "Key learning" over a table whose header row is bold by the table
    style alone (no bold in the runs), then what to do and questions."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Adults Review: Mrs J – Learning Brief", style="Title")
    d.add_paragraph("Harbourside Safeguarding Adults Board, April 2026")
    d.add_heading("Background", 1)
    d.add_paragraph(
        "Mrs J was 84 and lived with her son, who was her main carer. She died in hospital with "
        "pressure ulcers and malnutrition. Four agencies visited the home in her last year."
    )
    d.add_heading("Key learning", 1)
    rows = [
        ("Learning", "What happened", "What should practitioners do"),
        (
            "Carer stress",
            "Her son told two services he was not coping. It was recorded but not acted on.",
            "Offer a carer's assessment whenever a carer says they are struggling.",
        ),
        (
            "Pressure care",
            "District nurses saw a grade 2 ulcer and planned a review in 4 weeks.",
            "Escalate pressure damage in a person who cannot move themselves.",
        ),
        (
            "Hearing the adult",
            "Mrs J was never seen without her son present.",
            "See the adult on their own and record their wishes in their words.",
        ),
    ]
    table = d.add_table(rows=len(rows), cols=3)
    table.style = "Light Grid Accent 1"  # bold header row from the style: not in the text
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    d.add_heading("Questions for reflection", 1)
    d.add_paragraph("When did you last ask a carer how they are coping?", style="List Bullet")
    d.add_paragraph("Who do you tell when pressure damage gets worse?", style="List Bullet")
    d.add_heading("Contacts", 1)
    contacts = d.add_table(rows=2, cols=2)
    for r, (service, where) in enumerate(
        [("Adult safeguarding hub", "0300 555 0188"), ("Board business unit", "sab@example.org")]
    ):
        contacts.cell(r, 0).text = service
        contacts.cell(r, 1).text = where
    return d


def box_grid() -> docx.Document:
    """A one-page 7-minute briefing in Word: a 3 x 3 table, boxes 1-7 going round the title in
    the middle cell (1 2 3 / 7 title 4 / 6 5 -), each box a bold numbered title and its text."""
    boxes = {
        1: ("Background", ["Two reviews this year involved babies who were shaken."]),
        2: ("Why it matters", ["Crying is the most common trigger for shaking a baby."]),
        3: ("Information", ["Crying peaks at 6 to 8 weeks and often has no clear cause."]),
        4: ("What the reviews found", ["Fathers were rarely given the ICON messages."]),
        5: ("What you should do", ["Talk about crying at every contact, with both parents."]),
        6: ("Questions to consider", ["Who in the family has heard the ICON messages?"]),
        7: ("Further information", ["ICON resources: https://www.example.org/icon"]),
    }
    layout = [[1, 2, 3], [7, 0, 4], [6, 5, None]]  # 0: the title
    d = docx.Document()
    table = d.add_table(rows=3, cols=3)
    table.style = "Table Grid"
    for r, row in enumerate(layout):
        for c, number in enumerate(row):
            cell = table.cell(r, c)
            if number is None:
                continue
            if number == 0:
                cell.paragraphs[0].add_run("7 Minute Briefing").bold = True
                cell.add_paragraph().add_run("Infant crying and abusive head trauma").bold = True
                continue
            title, paragraphs = boxes[number]
            cell.paragraphs[0].add_run(f"{number}. {title}").bold = True
            for text in paragraphs:
                cell.add_paragraph(text)
    d.add_paragraph("Coastline Safeguarding Children Partnership")
    return d


# -- PDF ------------------------------------------------------------------------------------------


def _logo(canvas: Canvas, x: float, y: float) -> None:
    """A logo as a picture only: no text in the PDF for it."""
    picture = Image.new("RGB", (120, 40), (29, 79, 115))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    buffer.seek(0)
    canvas.drawImage(ImageReader(buffer), x, y, width=90, height=30)


def key_messages_band(path: Path) -> None:
    """A two-page rapid review briefing: a logo, a shaded band of key messages across the page
    above question headings, and a footer with the partnership and "Page N of 2"."""
    c = Canvas(str(path), pagesize=A4, invariant=1)
    width, height = A4

    def footer() -> None:
        c.setFont(BODY, 8)
        page = c.getPageNumber()
        c.drawString(56, 30, f"Fenwick Safeguarding Children Partnership – Page {page} of 2")

    _logo(c, width - 146, height - 70)
    f = Flow(c, 56, height - 56, width - 230)
    f.text("Rapid Review Briefing: Baby L", BOLD, 20, after=4)
    f.text("Published March 2026", BODY, 10, after=14)
    band_top = f.y
    c.setFillColor(HexColor("#eef3e8"))
    c.rect(48, band_top - 96, width - 96, 96, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    f = Flow(c, 64, band_top - 8, width - 128)
    f.text("Key messages", BOLD, 13, after=4)
    for message in (
        "Treat a baby's injury as unexplained until the explanation fits.",
        "Share with the health visitor when a baby attends the emergency department.",
        "Ask about every adult who cares for the baby.",
    ):
        f.text(message, BODY, 10, indent=12, bullet="•", after=2)
    f = Flow(c, 56, band_top - 112, width - 112, bottom=60)
    f.on_new_page = footer
    f.text("What happened?", BOLD, 14, after=4)
    f.text(
        "Baby L was 10 weeks old when she was taken to the emergency department with a swollen "
        "arm. A fracture was found and her parents said she had caught it in the cot bars. She "
        "went home the same day."
    )
    f.text("What did we learn about injuries in babies?", BOLD, 14, after=4)
    f.text(
        "A fracture in a baby who cannot move around is rarely accidental. The explanation was "
        "recorded but nobody asked whether it matched the injury, and the paediatric "
        "safeguarding team was not told."
    )
    f.text("What did we learn about sharing information?", BOLD, 14, after=4)
    f.text(
        "The emergency department's discharge letter reached the GP after 9 days and never "
        "reached the health visitor, who saw Baby L twice in that time."
    )
    footer()
    c.showPage()
    f = Flow(c, 56, height - 56, width - 112, bottom=60)
    f.text("Who cares for the baby?", BOLD, 14, after=4)
    f.text(
        "Baby L was often looked after by her mother's new partner. No agency knew his name "
        "until after the second injury."
    )
    f.text("Questions to consider", BOLD, 14, after=4)
    f.text("Do you know who looks after the babies you see?", indent=12, bullet="•", after=2)
    f.text("What do you do when an explanation does not fit?", indent=12, bullet="•")
    footer()
    c.save()


def practice_subheadings(path: Path) -> None:
    """A DHR learning brief: themes at 14 pt bold, each with a bold body-size "What does this
    mean for practice?", and a shaded box of contacts at the end."""
    c = Canvas(str(path), pagesize=A4, invariant=1)
    width, height = A4
    f = Flow(c, 60, height - 60, width - 120)
    f.text("Domestic Homicide Review: Learning Brief", BOLD, 20, after=2)
    f.text("“Mark”, aged 52", BOLD, 15, after=4)
    f.text("Greystone Community Safety Partnership", BODY, 9, after=14)
    f.text("About this brief", BOLD, 14, after=4)
    f.text(
        "Mark was killed by his partner in 2024. This brief is for everyone who works with "
        "adults. Mark's sister chose the name used here."
    )
    themes = [
        (
            "Male victims of domestic abuse",
            "Mark told his GP he was frightened of his partner. The GP recorded low mood.",
            "Ask men about abuse as routinely as you ask women, and use the DASH risk checklist.",
        ),
        (
            "Alcohol and risk",
            "Services saw the couple's drinking as the problem and the abuse as a symptom of it.",
            "Treat alcohol as a risk factor, not an explanation for abuse.",
        ),
        (
            "Referrals to MARAC",
            "A DASH score of 16 did not lead to a MARAC referral because Mark declined one.",
            "Refer high-risk cases to MARAC: consent is not needed where risk is high.",
        ),
    ]
    for title, found, practice in themes:
        f.text(title, BOLD, 14, after=4)
        f.text(found)
        f.text("What does this mean for practice?", BOLD, 10.5, after=3)
        f.text(practice)
    top = f.y - 6
    c.setFillColor(HexColor("#f3eef7"))
    c.rect(52, top - 70, width - 104, 70, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    box = Flow(c, 64, top - 6, width - 128, bottom=top - 70)
    box.text("Support and contacts", BOLD, 12, after=4)
    box.text("Men's advice line: 0808 555 0199", size=10, after=2)
    box.text("Partnership learning team: csp-learning@example.org", size=10)
    c.save()
