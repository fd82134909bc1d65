"""Write the Word and PDF test briefings in this folder (run it again after changing one).

    python tests/campaigns/documents/make_documents.py   (with the project's [test] extras)

Each document copies a shape partnerships publish: a learning brief with Word heading styles, one
typed with bold lines for headings, a newsletter item with Heading 1 as its title, a Word
7-minute briefing with a numbered list or text boxes, findings in a table; PDFs that are tagged
(as Word's "Save as PDF" writes them, one with a table of themes), untagged with headings only by
font, two columns, a sidebar box, seven numbered boxes, running headers and page numbers with
hyphenated lines (more in more_shapes.py); and the documents that must be refused (a scan, a
password, a zip that is not Word, empty files). Partnerships, people and addresses are fictional
(example.org).

What each should read as (title, themes) is written by hand in manifest.toml, not derived here.
The writers (python-docx, reportlab) are test extras; the tagged PDFs are written object by
object below, because no library in reach writes tagged PDF. Word files get new timestamps on
each run, so only commit the ones whose content changed.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
from docx.oxml import parse_xml
from docx.shared import Pt
from PIL import Image, ImageDraw
from reportlab.lib import pdfencrypt
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

HERE = Path(__file__).parent

# -- Word -----------------------------------------------------------------------------------------


def heading_styles() -> docx.Document:
    """A rapid review learning brief written with Word's Title and Heading styles."""
    d = docx.Document()
    d.add_paragraph("Learning from a Rapid Review: Baby M", style="Title")
    d.add_paragraph("Riverside Safeguarding Children Partnership, March 2026")
    d.add_heading("Introduction", 1)
    d.add_paragraph(
        "Baby M was eleven weeks old when she was taken to hospital after an unexpected "
        "collapse at home. The partnership held a rapid review within 15 working days. This "
        "brief shares what practitioners in every agency can take from it."
    )
    d.add_heading("Safe sleep", 1)
    d.add_paragraph(
        "Both parents had been given safe sleep advice on the maternity ward, but nobody "
        "returned to it when the family moved to a one-bedroom flat with no cot."
    )
    d.add_heading("What to do", 2)
    d.add_paragraph(
        "Ask where the baby sleeps at every contact, day and night.", style="List Bullet"
    )
    d.add_paragraph("Look at the sleeping space yourself.", style="List Bullet")
    d.add_heading("Working with fathers and male carers", 1)
    d.add_paragraph(
        "Baby M’s father attended 2 of the 9 health appointments but was not spoken to "
        "directly. His own history of depression was not known to the health visitor."
    )
    d.add_paragraph(
        "Practitioners said “we thought of him as a visitor rather than a parent”, which the "
        "review heard more than once."
    )
    d.add_heading("Information sharing at discharge", 1)
    d.add_paragraph(
        "The discharge summary reached the GP after 12 days. Midwifery, health visiting and "
        "the GP each held part of the picture and nobody held all of it."
    )
    d.add_heading("Questions to consider", 1)
    d.add_paragraph("Who lives in the home, and who visits?", style="List Bullet")
    d.add_paragraph("When did you last speak with a father on his own?", style="List Bullet")
    d.add_heading("Further information", 1)
    paragraph = d.add_paragraph("The safe sleep guidance is on the partnership website: ")
    _hyperlink(paragraph, "Safe sleep guidance", "https://www.example.org/safe-sleep")
    return d


def bold_headings() -> docx.Document:
    """A safeguarding adults review brief typed in Normal style, headings only made bold."""
    d = docx.Document()
    _bold(d, "Safeguarding Adults Review: Mr K – Learning Brief", size=16)
    d.add_paragraph(
        "Northfield Safeguarding Adults Board commissioned this review after Mr K, a man in his "
        "seventies, died at home in winter 2025."
    )
    _bold(d, "Introduction")
    d.add_paragraph(
        "Mr K lived alone and had refused most offers of help for several years. Seven "
        "agencies were in contact with him in his last year."
    )
    _bold(d, "Self-neglect and hoarding")
    p = d.add_paragraph()
    p.add_run("Recognise it early. ").bold = True
    p.add_run(
        "The home was cluttered to the point that the fire service could not reach the "
        "kitchen; 4 referrals described the clutter but none used the self-neglect pathway."
    )
    _bold(d, "Mental capacity assessments")
    d.add_paragraph(
        "Mr K was assumed to have capacity because he could repeat what he had been told. No "
        "assessment looked at whether he could act on it (executive capacity)."
    )
    _bold(d, "Making safeguarding personal")
    d.add_paragraph(
        "Mr K said he wanted “to be left in peace, not left alone”. Plans recorded the first "
        "half of that sentence and not the second."
    )
    _bold(d, "Further information")
    d.add_paragraph("Self-neglect procedures: https://www.example.org/self-neglect")
    return d


def numbered_headings() -> docx.Document:
    """A 7-minute briefing written in Word: Title and Subtitle, headings a numbered list."""
    d = docx.Document()
    d.add_paragraph("7 Minute Briefing", style="Title")
    d.add_paragraph("Child exploitation", style="Subtitle")
    parts = [
        (
            "Background",
            "This briefing draws on two local reviews of teenagers who were "
            "exploited through county lines between 2024 and 2025.",
        ),
        (
            "Why it matters",
            "Exploitation is often first seen as a young person going missing, "
            "being excluded or carrying cash. 3 in 5 of the young people in the reviews had been "
            "missing before anyone named exploitation.",
        ),
        (
            "Information",
            "Both young people were treated as offenders when they were found "
            "with drugs, rather than as victims of criminal exploitation.",
        ),
        (
            "What we learned",
            "Language matters: phrases such as “putting himself at risk” "
            "placed the responsibility on the child.",
        ),
        (
            "What you should do",
            "Complete the exploitation screening tool and share it with "
            "the exploitation hub the same day.",
        ),
        ("Questions to consider", "How would you recognise a child being groomed online?"),
        ("Further information", "Exploitation hub: exploitation.hub@example.org"),
    ]
    for title, text in parts:
        item = d.add_paragraph(style="List Number")
        item.add_run(title).bold = True
        d.add_paragraph(text)
    return d


def theme_table() -> docx.Document:
    """A practice review summary whose findings are a table: theme, finding, what to do."""
    d = docx.Document()
    d.add_paragraph("Local Child Safeguarding Practice Review: Sibling Group C", style="Title")
    d.add_heading("Summary", 1)
    d.add_paragraph(
        "Three brothers aged 4, 7 and 9 lived with domestic abuse and neglect for several "
        "years. The review found four themes for the partnership."
    )
    d.add_heading("Key learning", 1)
    rows = [
        ("Theme", "What we found", "What this means for practice"),
        (
            "Voice of the child",
            "The brothers were seen together and never on their own.",
            "See each child alone and record what they say in their own words.",
        ),
        (
            "Domestic abuse",
            "Police attended 11 incidents; schools were told of 2.",
            "Use Operation Encompass so the school knows by the next morning.",
        ),
        (
            "Neglect",
            "Each visit was judged on the day, without a chronology.",
            "Keep a shared chronology and use the neglect toolkit.",
        ),
        (
            "Escalation",
            "Professionals disagreed about thresholds but did not escalate.",
            "Use the resolving professional differences protocol.",
        ),
    ]
    table = d.add_table(rows=len(rows), cols=3)
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            run = table.cell(r, c).paragraphs[0].add_run(text)
            run.bold = r == 0 or c == 0
    d.add_heading("Further information", 1)
    d.add_paragraph("The full review is at https://www.example.org/reviews/sibling-group-c")
    return d


def text_boxes() -> docx.Document:
    """A 7-minute briefing laid out in Word as seven text boxes on one page."""
    d = docx.Document()
    _bold(d, "7 Minute Briefing – Professional curiosity", size=20)
    anchor = d.add_paragraph()
    boxes = [
        (
            "1. Background",
            [
                "Professional curiosity means exploring and understanding what is "
                "happening in a family rather than taking it at face value."
            ],
        ),
        (
            "2. Why it matters",
            [
                "Reviews keep finding that practitioners accepted explanations "
                "that, looked at together, did not add up."
            ],
        ),
        (
            "3. Information",
            [
                "Disguised compliance is when a parent appears to co-operate "
                "to stop professionals looking too closely."
            ],
        ),
        (
            "4. Barriers",
            [
                "Heavy caseloads, fear of conflict and wanting to keep a good "
                "relationship with the family."
            ],
        ),
        (
            "5. What you can do",
            ["Think the unthinkable.", "Check what you are told against what you see."],
        ),
        ("6. Questions to consider", ["When did you last question an explanation?"]),
        ("7. Further information", ["Training: https://www.example.org/curiosity"]),
    ]
    for title, paragraphs in boxes:
        anchor._p.append(_text_box(title, paragraphs))
    d.add_paragraph("Riverside Safeguarding Children Partnership")
    return d


def heading1_title() -> docx.Document:
    """A partnership newsletter item: Heading 1 for the title, Heading 2 for the parts, a
    nested list and a link."""
    d = docx.Document()
    d.add_heading("Practice Matters: Learning from Neglect Audits", 1)
    d.add_paragraph(
        "The partnership audited 30 cases of neglect across children’s social care, health "
        "and schools in the autumn. This is what the audit found."
    )
    d.add_heading("Chronologies", 2)
    d.add_paragraph(
        "Only 9 of the 30 cases had a chronology that brought together what every agency knew."
    )
    d.add_heading("The child’s lived experience", 2)
    d.add_paragraph("Records described what parents said more often than what children said.")
    d.add_paragraph("Ask the child about a typical day:", style="List Bullet")
    d.add_paragraph("what they eat and who makes it;", style="List Bullet 2")
    d.add_paragraph("who takes them to school.", style="List Bullet 2")
    d.add_heading("Using the neglect toolkit", 2)
    paragraph = d.add_paragraph("The toolkit was used in 12 cases. ")
    _hyperlink(paragraph, "Download the neglect toolkit", "https://www.example.org/toolkit")
    d.add_heading("Contacts", 2)
    d.add_paragraph("Partnership business unit: learning@example.org")
    return d


def _bold(d: docx.Document, text: str, size: int | None = None) -> None:
    run = d.add_paragraph().add_run(text)
    run.bold = True
    if size:
        run.font.size = Pt(size)


def _hyperlink(paragraph, text: str, url: str) -> None:
    part = paragraph.part
    r_id = part.relate_to(
        url,
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink",
        is_external=True,
    )
    paragraph._p.append(
        parse_xml(
            f'<w:hyperlink xmlns:w="{_W}" xmlns:r="{_R}" r:id="{r_id}">'
            f"<w:r><w:t>{text}</w:t></w:r></w:hyperlink>"
        )
    )


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_V = "urn:schemas-microsoft-com:vml"


def _text_box(title: str, paragraphs: list[str]):
    """A VML text box run (what Word writes as the fallback of every text box)."""
    body = f'<w:p><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{title}</w:t></w:r></w:p>'
    body += "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{p}</w:t></w:r></w:p>' for p in paragraphs
    )
    return parse_xml(
        f'<w:r xmlns:w="{_W}" xmlns:v="{_V}"><w:pict>'
        '<v:shape type="#_x0000_t202" style="width:230pt;height:150pt">'
        f"<v:textbox><w:txbxContent>{body}</w:txbxContent></v:textbox>"
        "</v:shape></w:pict></w:r>"
    )


# -- PDF with reportlab ---------------------------------------------------------------------------

BODY = "Helvetica"
BOLD = "Helvetica-Bold"


BROKEN: list[str] = []  # the words wrap() broke at a line end, printed for the manifest's author


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of at most `width`. A word may break after a hyphen of its own ("multi-agency") or
    where it is written "safe|guarding", printed as "safe-" at the end of the line."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        whole = word.replace("|", "")
        trial = f"{line} {whole}".strip()
        if stringWidth(trial, font, size) <= width:
            line = trial
            continue
        pieces = re.split(r"(?<=-)|\|", word)
        for cut in range(len(pieces) - 1, 0, -1):
            head = "".join(pieces[:cut])
            head += "" if head.endswith("-") else "-"
            if stringWidth(f"{line} {head}".strip(), font, size) <= width:
                lines.append(f"{line} {head}".strip())
                line = "".join(pieces[cut:])
                BROKEN.append(f"{head}{line}")
                break
        else:
            lines.append(line)
            line = whole
    return [*lines, line] if line else lines


class Flow:
    """Writes text down a column of a reportlab canvas, moving to a new page when it is full."""

    def __init__(self, canvas: Canvas, x: float, top: float, width: float, bottom: float = 72):
        self.c, self.x, self.top, self.width, self.bottom = canvas, x, top, width, bottom
        self.y = top
        self.on_new_page = lambda: None

    def text(
        self,
        text: str,
        font: str = BODY,
        size: float = 10.5,
        after: float = 8,
        indent: float = 0,
        bullet: str = "",
        color=None,
    ) -> None:
        leading = size * 1.3
        for index, line in enumerate(wrap(text, font, size, self.width - indent)):
            if self.y - leading < self.bottom:
                self.c.showPage()
                self.on_new_page()
                self.y = self.top
            self.y -= leading
            if color is not None:
                self.c.setFillColor(color)
            self.c.setFont(font, size)
            if bullet and index == 0:
                self.c.drawString(self.x + indent - 11, self.y, bullet)
            self.c.drawString(self.x + indent, self.y, line)
            self.c.setFillColorRGB(0, 0, 0)
        self.y -= after


def font_headings(path: Path) -> None:
    """An untagged learning brief: headings only by size and weight, one column, bullets."""
    c = Canvas(str(path), pagesize=A4, invariant=1)
    f = Flow(c, 64, A4[1] - 64, A4[0] - 128)
    f.text("Rapid Review Learning Brief: Bruising in Non-Mobile Babies", BOLD, 20, after=6)
    f.text("Eastbrook Safeguarding Children Partnership · January 2026", BODY, 9, after=16)
    f.text("Summary", BOLD, 14, after=4)
    f.text(
        "This brief follows a rapid review about a five-month-old baby who was seen by three "
        "services with a small bruise to the ear before a serious injury was found."
    )
    f.text("Bruising in babies who are not yet mobile", BOLD, 14, after=4)
    f.text(
        "A baby who cannot crawl or cruise should not have bruises. Any bruise, however small, "
        "needs a referral the same day, even when a parent offers an explanation."
    )
    f.text("What the review found", BOLD, 10.5, after=3)
    f.text(
        "The bruise was recorded by the GP practice, the pharmacy and the health visitor, "
        "and each thought another service had referred."
    )
    f.text("Explanations from parents and carers", BOLD, 14, after=4)
    f.text(
        "The parents said the baby had been caught by a toy. The explanation was accepted "
        "without asking how a toy could cause a bruise behind the ear."
    )
    f.text("Be curious about how an injury happened.", indent=14, bullet="•", after=3)
    f.text("Record the explanation in the words used.", indent=14, bullet="•")
    f.text("Referral to children’s social care", BOLD, 14, after=4)
    f.text(
        "Follow the bruising protocol for non-mobile babies: 1 in 5 serious injuries in "
        "babies reviewed nationally were preceded by a minor bruise."
    )
    f.text("Questions to consider", BOLD, 14, after=4)
    f.text("Do you know where to find the bruising protocol?", indent=14, bullet="•")
    c.save()


def two_columns(path: Path) -> None:
    """A designed two-column learning brief with a title banner and a footer on each page."""
    c = Canvas(str(path), pagesize=A4, invariant=1)
    width, height = A4
    gutter, margin = 24, 48
    column = (width - 2 * margin - gutter) / 2

    def furniture(page: int) -> None:
        c.setFont(BODY, 8)
        c.drawString(
            margin,
            30,
            "Wellmoor Safeguarding Partnership | Learning brief | www.example.org/learning",
        )
        c.drawRightString(width - margin, 30, str(page))

    c.setFillColor(HexColor("#1d4f73"))
    c.rect(margin, height - 120, width - 2 * margin, 72, stroke=0, fill=1)
    c.setFillColor(white)
    c.setFont(BOLD, 22)
    c.drawString(margin + 16, height - 92, "Learning Brief: Child Q")
    c.setFont(BODY, 12)
    c.drawString(margin + 16, height - 110, "Child safeguarding practice review, 2026")
    c.setFillColorRGB(0, 0, 0)
    intro = Flow(c, margin, height - 132, width - 2 * margin)
    intro.text(
        "Child Q was 14 when she was admitted to hospital after taking an overdose. She "
        "was known to her school, the school nurse and the youth service. This brief "
        "sets out what the review asks every practitioner to take away.",
        BODY,
        11,
        after=10,
    )
    top = intro.y
    left = Flow(c, margin, top, column)
    right = Flow(c, margin + column + gutter, top, column)
    left.text("Hearing the child", BOLD, 13, after=4)
    left.text(
        "Child Q told a teaching assistant that she was “tired of being the adult at "
        "home”. The comment was passed on but nobody asked her what she meant by it.",
        size=10,
    )
    left.text("Young carers", BOLD, 13, after=4)
    left.text(
        "Child Q looked after her mother, who has multiple sclerosis, and her two younger "
        "brothers. Her school attendance fell to 71% in the autumn term, and the young "
        "carers service was never told about her. Young carers often hide what they "
        "do at home because they worry about",
        size=10,
        after=0,
    )
    left.y = left.bottom  # the column is full: the sentence runs on at the top of the next one
    right.text("what will happen to their family if anyone finds out.", size=10)
    right.text("Self-harm", BOLD, 13, after=4)
    right.text(
        "The school nurse saw healed cuts on Child Q’s arm in March. The self-harm "
        "pathway was started but closed when she did not attend two appointments.",
        size=10,
    )
    right.text("Transition between services", BOLD, 13, after=4)
    right.text(
        "When Child Q moved from the youth service to CAMHS, the referral carried "
        "her diagnosis but not her caring role.",
        size=10,
    )
    furniture(1)
    c.showPage()
    left = Flow(c, margin, height - 60, column)
    right = Flow(c, margin + column + gutter, height - 60, column)
    left.text("Questions to consider", BOLD, 13, after=4)
    left.text("How do you ask a young person what they do at home?", size=10, indent=12, bullet="•")
    right.text("Further information", BOLD, 13, after=4)
    right.text("Young carers service: youngcarers@example.org", size=10)
    furniture(2)
    c.save()


def seven_boxes(path: Path) -> None:
    """A one-page 7-minute briefing: seven numbered boxes laid out in a U, read by number."""
    c = Canvas(str(path), pagesize=landscape(A4), invariant=1)
    width, height = landscape(A4)
    c.setFont(BOLD, 14)
    c.drawCentredString(width / 2, height - 40, "7 Minute Briefing")
    c.setFont(BOLD, 24)
    c.drawCentredString(width / 2, height - 68, "Hidden men in the lives of babies")
    boxes = {
        1: (
            "Background",
            [
                "Men in a baby’s life are often invisible to services: a new "
                "partner, a visiting father, an uncle who babysits."
            ],
        ),
        2: (
            "Why it matters",
            [
                "Most serious injuries to babies in local reviews were caused "
                "by a male carer who was not known to services."
            ],
        ),
        3: (
            "Information",
            [
                "In 6 of the 8 reviews the man had his own history of violence "
                "or substance use that no agency had asked about."
            ],
        ),
        4: (
            "What we found",
            [
                "Assessments described the mother and baby well but recorded "
                "men as “dad” or “partner”, with no name."
            ],
        ),
        5: (
            "What you should do",
            [
                "Ask who lives in or visits the home.",
                "Invite fathers to appointments in their own right.",
            ],
        ),
        6: (
            "Questions to consider",
            ["What do you know about the men in the babies’ lives on your caseload?"],
        ),
        7: ("Further information", ["Guidance: https://www.example.org/hidden-men"]),
    }
    w, h, gap = 180, 190, 18
    x0 = (width - 4 * w - 3 * gap) / 2
    top_row, bottom_row = height - 100, height - 100 - h - gap
    # Clockwise from the top left: 1 2 3 4 along the top, then 5 6 7 back along the bottom.
    positions = {
        1: (0, top_row),
        2: (1, top_row),
        3: (2, top_row),
        4: (3, top_row),
        5: (3, bottom_row),
        6: (2, bottom_row),
        7: (1, bottom_row),
    }
    for number, (title, paragraphs) in boxes.items():
        column, top = positions[number]
        x = x0 + column * (w + gap)
        c.setStrokeColor(HexColor("#7a2e8c"))
        c.roundRect(x, top - h, w, h, 10, stroke=1, fill=0)
        c.setFillColor(HexColor("#7a2e8c"))
        c.setFont(BOLD, 22)
        c.drawString(x + 10, top - 28, str(number))
        c.setFillColorRGB(0, 0, 0)
        f = Flow(c, x + 10, top - 34, w - 20, bottom=top - h)
        f.text(title, BOLD, 12, after=4)
        for paragraph in paragraphs:
            f.text(paragraph, BODY, 9, after=4)
    c.setFont(BODY, 8)
    c.drawString(x0, 24, "Riverside Safeguarding Children Partnership")
    c.save()


def paged(path: Path) -> None:
    """Two pages with a running header, "Page n of 2" and words hyphenated at line ends."""
    c = Canvas(str(path), pagesize=A4, invariant=1)
    width, height = A4
    pages = [1]

    def furniture() -> None:
        c.setFont(BODY, 8)
        c.drawString(64, height - 40, "Northfield Safeguarding Adults Board – Learning Brief")
        c.drawCentredString(width / 2, 36, f"Page {pages[-1]} of 2")
        pages.append(pages[-1] + 1)

    furniture()
    f = Flow(c, 64, height - 64, 190, bottom=72)  # a narrow column, so words break
    f.on_new_page = furniture
    f.text("Safeguarding Adults Review: Ms T", BOLD, 18, after=8)
    f.text("Self-neglect", BOLD, 14, after=4)
    f.text(
        "Ms T lived alone and declined most support for many years. Her safe|guarding needs "
        "were discussed at four multi-agency meetings, yet the actions agreed were not "
        "followed up by anyone. Practi|tioners described her home as unsafe but nobody "
        "recorded a plan.",
        size=11,
    )
    f.text(
        "The review found that self-neglect is a safe|guarding matter and calls for a "
        "co-ordinated response from every agency involved in the person’s care, including "
        "the GP, the housing provider, the fire service and adult social care, who each "
        "held a part of the picture of Ms T’s life and of the risks she faced at home.",
        size=11,
    )
    f.text("Mental capacity and executive function", BOLD, 14, after=4)
    f.text(
        "Ms T could explain the risks of her situation but could not act on them. The "
        "assess|ments looked at her decision in the moment and not at whether she could "
        "carry it out. Practitioners should consider executive function when someone "
        "repeatedly says one thing and does another.",
        size=11,
    )
    f.text("Carers’ assessments", BOLD, 14, after=4)
    f.text(
        "Her neighbour did her shopping for eight years and was never offered a carer’s "
        "assessment. Carers are often the first to see when things change, and their "
        "observations are valuable infor|mation for the multi-agency network.",
        size=11,
    )
    f.text("Working with housing providers", BOLD, 14, after=4)
    f.text(
        "The housing provider knew that Ms T’s gas had been capped for 9 months. Housing "
        "officers are part of the multi-agency network and should be invited to "
        "safeguarding meetings.",
        size=11,
    )
    f.text("Further information", BOLD, 14, after=4)
    f.text("Self-neglect guidance for practitioners: https://www.example.org/self-neglect", size=11)
    c.save()


def sidebar(path: Path) -> None:
    """A rapid review briefing with a shaded "Key messages" box down the right of the text."""
    c = Canvas(str(path), pagesize=A4, invariant=1)
    height = A4[1]
    c.setFont(BOLD, 20)
    c.drawString(48, height - 70, "Rapid Review Briefing: Baby R")
    c.setFont(BODY, 10)
    c.drawString(48, height - 88, "Riverside Safeguarding Children Partnership")
    main = Flow(c, 48, height - 110, 330)
    main.text("Background", BOLD, 14, after=4)
    main.text(
        "Baby R, aged 4 months, was admitted to hospital with a head injury. His mother was 19 "
        "and had been a looked-after child. The family had moved twice in six months.",
        size=10.5,
    )
    main.text("Pre-birth assessment", BOLD, 14, after=4)
    main.text(
        "A pre-birth assessment was started at 30 weeks but not finished before the birth, "
        "because the family moved to another area and the case was transferred.",
        size=10.5,
    )
    main.text("Transfers between areas", BOLD, 14, after=4)
    main.text(
        "The receiving team got a closing summary, not the open assessment. 3 weeks passed "
        "before the first visit in the new area.",
        size=10.5,
    )
    main.text("Care leavers as parents", BOLD, 14, after=4)
    main.text(
        "Baby R’s mother had a personal adviser from the leaving care team who was not told "
        "about the pregnancy by any other service.",
        size=10.5,
    )
    box_x, box_top, box_w = 400, height - 110, 147
    c.setFillColor(HexColor("#e8f0f7"))
    c.rect(box_x, box_top - 260, box_w, 260, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    box = Flow(c, box_x + 10, box_top - 6, box_w - 20, bottom=box_top - 260)
    box.text("Key messages", BOLD, 12, after=6)
    for message in (
        "Finish a pre-birth assessment before a case moves.",
        "Send the open assessment, not only a summary.",
        "Tell the personal adviser of a care leaver who is pregnant.",
    ):
        box.text(message, BODY, 9.5, indent=10, bullet="•", after=4)
    c.save()


def image_only(path: Path) -> None:
    """A scanned page: a picture of text and no text layer."""
    picture = Image.new("L", (600, 200), 255)
    ImageDraw.Draw(picture).text((20, 20), "7 Minute Briefing: Neglect", fill=0)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    buffer.seek(0)
    c = Canvas(str(path), pagesize=A4, invariant=1)
    from reportlab.lib.utils import ImageReader

    c.drawImage(ImageReader(buffer), 40, 500, 500, 166)
    c.save()


def password_protected(path: Path) -> None:
    c = Canvas(
        str(path),
        pagesize=A4,
        invariant=1,
        encrypt=pdfencrypt.StandardEncryption("open sesame", ownerPassword="owner", strength=128),
    )
    c.setFont(BOLD, 18)
    c.drawString(64, 760, "Learning Brief: Confidential draft")
    c.save()


def zip_of_something_else(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("attendance.csv", "name,date\nTraining day,2026-03-01\n")
        archive.writestr("photos/readme.txt", "Photos from the learning event.\n")


# -- the tagged PDF, object by object ----------------------------------------------------------


def tagged(path: Path) -> None:
    """A tagged PDF as Word's "Save as PDF" writes one: H1 title, H2 parts (under Word's style
    names, role-mapped), paragraphs and a list in a structure tree, header and page numbers
    as artefacts. One heading looks exactly like body text: only its tag says it is one."""
    content = [
        ("Heading1", "Learning Brief: Online Harm and Younger Children", BOLD, 18),
        (
            "P",
            "Southgate Safeguarding Partnership published this brief after two reviews in "
            "which children under 11 were harmed through contact that began online.",
            BODY,
            11,
        ),
        ("Heading2", "Introduction", BOLD, 14),
        (
            "P",
            "Both children were groomed through games with chat functions. Their parents "
            "believed the games were safe because they were rated for their age.",
            BODY,
            11,
        ),
        ("Heading2", "Gaming and chat", BOLD, 14),
        (
            "P",
            "Practitioners rarely asked which games children played or who they talked to "
            "while playing. 2 of the 3 schools involved had no record of online safety "
            "conversations with the families.",
            BODY,
            11,
        ),
        ("LI", "Ask children to show you the games they play.", BODY, 11),
        ("LI", "Ask who they talk to while playing.", BODY, 11),
        # Drawn as body text (no bold, no bigger size): only the tag makes it a heading.
        ("Heading2", "Supporting parents", BODY, 11),
        (
            "P",
            "Parents said they did not know how to set up parental controls and felt "
            "embarrassed to ask. The partnership’s online safety sessions are open to "
            "parents and carers.",
            BODY,
            11,
        ),
        ("Heading2", "Questions to consider", BOLD, 14),
        ("P", "How would you start a conversation about a child’s online life?", BODY, 11),
    ]
    _tagged_pdf(path, content, "Southgate Safeguarding Partnership - Learning Brief")


def tagged_table(path: Path) -> None:
    """A Word briefing saved as tagged PDF whose findings are a table (TH header row)."""
    content = [
        ("Heading1", "Rapid Review Summary: Child S", BOLD, 18),
        (
            "P",
            "Child S, aged 2, was admitted to hospital with a fractured arm. The review found "
            "three themes for partners across Westvale.",
            BODY,
            11,
        ),
        (
            "Table",
            [
                ["Theme", "Finding", "Action"],
                [
                    "Early help",
                    "The family was offered early help twice but the offer was not followed up.",
                    "Follow up an early help offer that is not taken up within 10 working days.",
                ],
                [
                    "Fathers and partners",
                    "The mother’s partner lived in the home but was not known to health.",
                    "Ask who lives in the home at every health contact.",
                ],
                [
                    "Injuries in young children",
                    "A bruise seen at nursery was not shared with the health visitor.",
                    "Share any injury to a child under 2 with the health visitor.",
                ],
            ],
            BODY,
            9.5,
        ),
        ("Heading2", "Further information", BOLD, 14),
        ("P", "Westvale Safeguarding Partnership: www.example.org/westvale", BODY, 11),
    ]
    _tagged_pdf(path, content, "Westvale Safeguarding Partnership - Rapid Review")


def _tagged_pdf(path: Path, content: list, header: str) -> None:
    page_width, page_height = 595, 842
    objects: list[bytes] = []

    def add(body: str | bytes) -> int:
        objects.append(body.encode("latin-1") if isinstance(body, str) else body)
        return len(objects)

    # Object numbers decided up front so elements can point at each other.
    catalog, pages_obj, page_obj, font_regular, font_bold, tree_root, document = range(1, 8)
    for _ in range(7):
        objects.append(b"")
    stream: list[str] = []
    # The running header and the page number are artefacts: no structure, not read.
    stream.append(f"/Artifact <</Type /Pagination>> BDC BT /F1 8 Tf 64 810 Td ({header}) Tj ET EMC")
    stream.append("/Artifact <</Type /Pagination>> BDC BT /F1 8 Tf 290 30 Td (1) Tj ET EMC")
    y = page_height - 72
    elements: list[tuple[str, list[int]]] = []  # (tag, mcids)
    mcid = 0
    for tag, text, font, size in content:
        if tag == "Table":
            width = (page_width - 128) / len(text[0])
            cells_of_rows = []
            for row_index, row in enumerate(text):
                cell_tag, cell_font = ("TH", "/F2") if row_index == 0 else ("TD", "/F1")
                wrapped = [
                    wrap(cell, BOLD if row_index == 0 else BODY, size, width - 8) for cell in row
                ]
                cells = []
                for column, lines in enumerate(wrapped):
                    cell_mcids = []
                    for number, line in enumerate(lines):
                        stream.append(
                            f"/{cell_tag} <</MCID {mcid}>> BDC BT {cell_font} {size} Tf "
                            f"{64 + column * width:.1f} {y - (number + 1) * size * 1.3:.1f} Td "
                            f"({_pdf_string(line)}) Tj ET EMC"
                        )
                        cell_mcids.append(mcid)
                        mcid += 1
                    cells.append((cell_tag, cell_mcids))
                y -= max(len(lines) for lines in wrapped) * size * 1.3 + 6
                cells_of_rows.append(cells)
            elements.append(("Table", cells_of_rows))
            continue
        indent = 14 if tag == "LI" else 0
        lines = wrap(text, font, size, page_width - 128 - indent)
        y -= size * 0.6 if tag.startswith("Heading") else 0
        mcids = []
        if tag == "LI":
            stream.append(
                f"/Lbl <</MCID {mcid}>> BDC BT /F1 {size} Tf 64 {y - size * 1.3:.1f} "
                "Td (\\225) Tj ET EMC"
            )
            mcids.append(mcid)
            mcid += 1
        font_name = "/F2" if font == BOLD else "/F1"
        marked = "LBody" if tag == "LI" else tag
        for line in lines:
            y -= size * 1.3
            stream.append(
                f"/{marked} <</MCID {mcid}>> BDC BT {font_name} {size} Tf "
                f"{64 + indent} {y:.1f} Td ({_pdf_string(line)}) Tj ET EMC"
            )
            mcids.append(mcid)
            mcid += 1
        y -= 6
        elements.append((tag, mcids))
    data = "\n".join(stream).encode("latin-1")
    content_obj = add(b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream")
    # Structure elements: lists are L > LI > (Lbl, LBody).
    kids: list[int] = []
    parent_of_mcid: dict[int, int] = {}
    list_obj: int | None = None
    for tag, mcids in elements:
        if tag == "Table":
            list_obj = None
            table_obj = add("")
            kids.append(table_obj)
            row_objs = []
            for cells in mcids:
                row_obj = add("")
                cell_objs = []
                for cell_tag, cell_mcids in cells:
                    cell_obj = add(
                        f"<< /Type /StructElem /S /{cell_tag} /P {row_obj} 0 R /Pg {page_obj} 0 R "
                        f"/K [{' '.join(map(str, cell_mcids))}] >>"
                    )
                    cell_objs.append(cell_obj)
                    for m in cell_mcids:
                        parent_of_mcid[m] = cell_obj
                objects[row_obj - 1] = (
                    f"<< /Type /StructElem /S /TR /P {table_obj} 0 R /K ["
                    + " ".join(f"{c} 0 R" for c in cell_objs)
                    + "] >>"
                ).encode()
                row_objs.append(row_obj)
            objects[table_obj - 1] = (
                f"<< /Type /StructElem /S /Table /P {document} 0 R /K ["
                + " ".join(f"{r} 0 R" for r in row_objs)
                + "] >>"
            ).encode()
            continue
        if tag == "LI":
            if list_obj is None:
                list_obj = add("")
                kids.append(list_obj)
                list_items: list[int] = []
            item = add("")
            label = add(
                f"<< /Type /StructElem /S /Lbl /P {item} 0 R /Pg {page_obj} 0 R /K {mcids[0]} >>"
            )
            body = add(
                f"<< /Type /StructElem /S /LBody /P {item} 0 R /Pg {page_obj} 0 R "
                f"/K [{' '.join(map(str, mcids[1:]))}] >>"
            )
            objects[item - 1] = (
                f"<< /Type /StructElem /S /LI /P {list_obj} 0 R /K [{label} 0 R {body} 0 R] >>"
            ).encode()
            list_items.append(item)
            parent_of_mcid[mcids[0]] = label
            for m in mcids[1:]:
                parent_of_mcid[m] = body
            objects[list_obj - 1] = (
                f"<< /Type /StructElem /S /L /P {document} 0 R /K ["
                + " ".join(f"{i} 0 R" for i in list_items)
                + "] >>"
            ).encode()
            continue
        list_obj = None
        element = add(
            f"<< /Type /StructElem /S /{tag} /P {document} 0 R /Pg {page_obj} 0 R "
            f"/K [{' '.join(map(str, mcids))}] >>"
        )
        kids.append(element)
        for m in mcids:
            parent_of_mcid[m] = element
    parents = " ".join(f"{parent_of_mcid[m]} 0 R" for m in range(mcid))
    objects[catalog - 1] = (
        f"<< /Type /Catalog /Pages {pages_obj} 0 R /MarkInfo << /Marked "
        f"true >> /StructTreeRoot {tree_root} 0 R /Lang (en-GB) >>"
    ).encode()
    objects[pages_obj - 1] = f"<< /Type /Pages /Kids [{page_obj} 0 R] /Count 1 >>".encode()
    objects[page_obj - 1] = (
        f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 {page_width} {page_height}] "
        f"/Resources << /Font << /F1 {font_regular} 0 R /F2 {font_bold} 0 R >> >> "
        f"/Contents {content_obj} 0 R /StructParents 0 /Tabs /S >>"
    ).encode()
    for number, name in ((font_regular, "Helvetica"), (font_bold, "Helvetica-Bold")):
        objects[number - 1] = (
            f"<< /Type /Font /Subtype /Type1 /BaseFont /{name} /Encoding /WinAnsiEncoding >>"
        ).encode()
    objects[tree_root - 1] = (
        f"<< /Type /StructTreeRoot /K [{document} 0 R] /ParentTree << /Nums [0 [{parents}]] >> "
        "/RoleMap << /Heading1 /H1 /Heading2 /H2 >> >>"
    ).encode()
    objects[document - 1] = (
        f"<< /Type /StructElem /S /Document /P {tree_root} 0 R /K ["
        + " ".join(f"{k} 0 R" for k in kids)
        + "] >>"
    ).encode()
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))


def _pdf_string(text: str) -> str:
    """A PDF literal string in WinAnsi: curly quotes and dashes as octal escapes."""
    out = []
    for byte in text.encode("cp1252"):
        char = chr(byte)
        if char in "()\\":
            out.append("\\" + char)
        elif byte > 126:
            out.append(f"\\{byte:03o}")
        else:
            out.append(char)
    return "".join(out)


def main() -> None:
    import more_shapes  # builds on this module's helpers; imported here, not at the top
    import shapes_round_two

    word = {
        "heading-styles.docx": heading_styles,
        "bold-headings.docx": bold_headings,
        "numbered-headings.docx": numbered_headings,
        "theme-table.docx": theme_table,
        "text-boxes.docx": text_boxes,
        "heading1-title.docx": heading1_title,
        "styled-header-table.docx": more_shapes.styled_header_table,
        "box-grid.docx": more_shapes.box_grid,
        "good-practice-table.docx": shapes_round_two.good_practice_table,
        "cell-headings.docx": shapes_round_two.cell_headings,
        "sar-recommendations-table.docx": shapes_round_two.sar_recommendations_table,
    }
    for name, make in word.items():
        document = make()
        document.core_properties.author = "Briefcast tests"
        document.save(HERE / name)
    for name, write in {
        "tagged.pdf": tagged,
        "tagged-table.pdf": tagged_table,
        "font-headings.pdf": font_headings,
        "two-columns.pdf": two_columns,
        "seven-boxes.pdf": seven_boxes,
        "paged-hyphenated.pdf": paged,
        "sidebar.pdf": sidebar,
        "key-messages-band.pdf": more_shapes.key_messages_band,
        "practice-subheadings.pdf": more_shapes.practice_subheadings,
        "footnote-markers.pdf": shapes_round_two.footnote_markers,
        "bad-image-only.pdf": image_only,
        "bad-password.pdf": password_protected,
        "bad-zip-not-word.docx": zip_of_something_else,
    }.items():
        write(HERE / name)
    print("words broken at a line end:", ", ".join(BROKEN))
    (HERE / "bad-empty.pdf").write_bytes(b"")
    (HERE / "bad-empty.docx").write_bytes(b"")


if __name__ == "__main__":
    main()
