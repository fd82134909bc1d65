"""Word tables as partnerships lay them out: a header row bold only by its table style, and a
7-minute briefing's boxes in a table going round the title (campaigns/intake_docx.py)."""

from __future__ import annotations

import io

import docx

from briefcast.campaigns.intake_docx import docx_to_markdown
from briefcast.campaigns.intake_markdown import looks_like_header_row


def _docx(build) -> bytes:
    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _table(d, rows: list[tuple[str, ...]]) -> None:
    table = d.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Light Grid Accent 1"  # its header row is bold by the style, not in the text
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text


LEARNING = [
    ("Learning", "What happened", "What to do"),
    ("Carer stress", "The son said he was not coping.", "Offer a carer's assessment."),
    ("Pressure care", "A grade 2 ulcer was seen.", "Escalate pressure damage."),
]


def test_short_labels_over_rows_of_sentences_are_a_header_row():
    assert looks_like_header_row([list(row) for row in LEARNING])
    text = docx_to_markdown(_docx(lambda d: _table(d, LEARNING)), "x.docx")
    assert text == (
        "## Carer stress\n\nWhat happened: The son said he was not coping.\n\n"
        "What to do: Offer a carer's assessment.\n\n## Pressure care\n\n"
        "What happened: A grade 2 ulcer was seen.\n\nWhat to do: Escalate pressure damage.\n"
    )


def test_a_table_of_short_cells_throughout_has_no_header_row():
    contacts = [
        ("Service", "Telephone", "Email"),
        ("Safeguarding hub", "0300 555 0188", "hub@example.org"),
        ("Out of hours", "0300 555 0199", "ooh@example.org"),
    ]
    assert not looks_like_header_row([list(row) for row in contacts])
    text = docx_to_markdown(_docx(lambda d: _table(d, contacts)), "x.docx")
    assert "Safeguarding hub – 0300 555 0188 – hub@example.org\n" in text
    assert "##" not in text


def test_two_rows_are_too_few_to_say_the_first_is_a_header():
    assert not looks_like_header_row([list(row) for row in LEARNING[:2]])


def _grid(d, layout: list[list[str | None]]) -> None:
    table = d.add_table(rows=len(layout), cols=len(layout[0]))
    for r, row in enumerate(layout):
        for c, title in enumerate(row):
            if title is None:
                continue
            cell = table.cell(r, c)
            cell.paragraphs[0].add_run(title).bold = True
            if "." in title[:3]:  # a numbered box: its heading and its text
                cell.add_paragraph(f"Text of {title.split(maxsplit=1)[1].lower()}.")
            else:
                cell.add_paragraph().add_run("Neglect").bold = True  # the title cell: bold only


def test_boxes_going_round_the_title_are_read_by_number_the_title_first():
    layout = [
        ["1. Background", "2. Why it matters", "3. Information"],
        ["6. Further information", "7 Minute Briefing", "4. What we found"],
        [None, "5. What to do", None],
    ]
    text = docx_to_markdown(_docx(lambda d: _grid(d, layout)), "x.docx")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert text.startswith("7 Minute Briefing\nNeglect\n\n## Background\n\nText of background.\n")
    assert headings == [
        "## Background",
        "## Why it matters",
        "## Information",
        "## What we found",
        "## What to do",
        "## Further information",
    ]


def test_boxes_whose_numbers_do_not_count_from_one_keep_their_places():
    layout = [["2. Why it matters", "1. Background"], ["2. Information", "3. What to do"]]
    text = docx_to_markdown(_docx(lambda d: _grid(d, layout)), "x.docx")
    assert text.index("Why it matters") < text.index("Background") < text.index("What to do")


def test_rows_counted_in_their_first_cell_are_a_numbered_list():
    rows = [
        ("No.", "Recommendation", "Agency"),
        ("1", "Review every fall within a day.", "Care providers"),
        ("2", "Check that falls training is in place.", "Adults Board"),
    ]
    markdown = docx_to_markdown(_docx(lambda d: _table(d, rows)), "recommendations.docx")
    assert markdown.splitlines() == [
        "1. Review every fall within a day. – Agency: Care providers",
        "2. Check that falls training is in place. – Agency: Adults Board",
    ]


def test_short_column_headers_over_sentences_are_read_down_the_columns():
    rows = [
        ("Good practice", "Areas for development"),
        ("The midwife asked about the father.", "Nobody told the health visitor."),
        ("The hospital referred the same day.", "No one asked who babysat."),
    ]
    markdown = docx_to_markdown(_docx(lambda d: _table(d, rows)), "review.docx")
    assert "- The midwife asked about the father.\n- The hospital referred the same day." in (
        markdown
    )
    assert markdown.index("Areas for development") > markdown.index("The hospital referred")
