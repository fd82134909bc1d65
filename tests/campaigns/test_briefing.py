"""Reading briefings: the seed, one fixture per shape people write, encodings, and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from seed import SEED, SEED_THEMES

from briefcast.campaigns.briefing import BriefingError, read_briefing, read_briefing_text
from briefcast.campaigns.model import Briefing, Theme, slugify
from briefcast.cli import app

BRIEFINGS = Path(__file__).parent / "briefings"


@pytest.fixture(scope="module")
def seed() -> Briefing:
    return read_briefing(SEED)


def text_of(theme: Theme) -> str:
    return "\n".join(theme.paragraphs)


def titles(briefing: Briefing) -> list[str]:
    return [theme.title for theme in briefing.themes]


# -- the seed -----------------------------------------------------------------------------------


def test_seed_has_the_eleven_themes_in_order(seed):
    assert titles(seed) == SEED_THEMES
    assert [theme.slug for theme in seed.themes] == [slugify(title) for title in SEED_THEMES]
    assert seed.warnings == (
        "line 40: left out the heading 'Key practice themes and messages': it introduces the "
        "themes and has no text of its own",
    )


def test_seed_title_and_sections(seed):
    assert seed.title == "NCSCP Briefing Note: National Panel Annual report"
    assert [section.title for section in seed.sections] == ["Forward", "Introduction"]
    assert seed.introduction is seed.sections[1]
    assert len(seed.introduction.paragraphs) == 3


def test_seed_theme_text_does_not_start_with_the_separator(seed):
    optimism = seed.theme("optimistic-thinking")
    assert optimism.paragraphs[0].startswith("32% of rapid reviews")
    assert (
        seed.theme("information-sharing-risk-assessment-and-decision-making")
        .paragraphs[0]
        .startswith("41% of rapid reviews")
    )
    for theme in seed.themes:
        assert theme.paragraphs and not theme.paragraphs[0].startswith(("-", "–", ".", ":"))


def test_seed_introduction_figures_come_with_their_sentences(seed):
    figures = seed.introduction.figures
    values = [figure.value for figure in figures]
    assert values == ["538", "244", "294", "77", "13%", "70", "15%", "80", "54%"]
    for figure in figures:
        assert figure.value in figure.text
    by_value = {figure.value: figure.text for figure in figures}
    assert "near misses" in by_value["77"]
    assert by_value["70"] == by_value["13%"] and "CP plan" in by_value["70"]
    assert by_value["54%"].startswith("In 54% of the cases")


def test_seed_figures_skip_years_dates_durations_and_labels(seed):
    values = {f.value for part in (*seed.sections, *seed.themes) for f in part.figures}
    # "March 2020", "2014-17", "11.6.20", "(page 3)", "15 working days", "17 months", "Tier 4"
    assert not values & {"2020", "2014", "17", "11", "6", "20", "3", "15", "4.5"}
    assert [f.value for f in seed.theme("adolescents-mental-health-and-suicide").figures] == ["80"]
    assert [f.value for f in seed.theme("children-educated-at-home").figures] == ["4", "7"]


def test_seed_paragraphs_belong_to_the_theme_above_them(seed):
    home = seed.theme("children-educated-at-home")
    assert len(home.paragraphs) == 2 and "‘help’ button" in home.paragraphs[1]
    agreements = seed.theme("written-agreements")
    assert agreements.paragraphs[1].startswith("Ofsted’s annual report 2020")
    assert agreements.paragraphs[2].startswith("I have noted reference to agreements")
    assert "Ofsted" not in text_of(seed.theme("resolving-professional-disputes"))


def test_seed_pdf_artefacts_are_repaired_and_real_words_left_alone(seed):
    assert "history of self-harm, overdoses" in text_of(
        seed.theme("adolescents-mental-health-and-suicide")
    )
    assert "work on non-accidental injury" in text_of(seed.theme("including-men"))
    assert "pro active" in text_of(seed.theme("health-plans-for-children"))
    assert "seriously harmed. The Panel" in text_of(
        seed.theme("adolescents-mental-health-and-suicide")
    )
    everything = " ".join(p for part in (*seed.sections, *seed.themes) for p in part.paragraphs)
    assert "  " not in everything and "\n" not in everything


def test_seed_keeps_curly_quotes_and_finds_quotes(seed):
    assert "‘the rule of optimism’" in text_of(seed.theme("optimistic-thinking"))
    quotes = seed.theme("written-agreements").quotes
    assert quotes[0].startswith("At best, written agreements had little or no protective effect")
    assert "near misses" not in " ".join(q for t in seed.themes for q in t.quotes)  # too short


def test_seed_json_through_the_cli():
    result = CliRunner().invoke(app, ["briefing", str(SEED), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["title"].startswith("NCSCP Briefing Note")
    assert [theme["title"] for theme in data["themes"]] == SEED_THEMES
    theme = data["themes"][0]
    assert {"slug", "title", "paragraphs", "figures", "quotes"} <= theme.keys()
    assert theme["figures"][0] == {"value": "32%", "text": theme["figures"][0]["text"]}
    assert all(isinstance(p, str) for p in theme["paragraphs"])
    assert {"title", "paragraphs"} <= data["sections"][0].keys()


def test_seed_summary_through_the_cli():
    result = CliRunner().invoke(app, ["briefing", str(SEED)])
    assert result.exit_code == 0, result.output
    assert "Optimistic thinking" in result.stdout and "32%" in result.stdout


# -- the shapes briefings come in ---------------------------------------------------------------


def test_numbered_seven_minute_briefing():
    briefing = read_briefing(BRIEFINGS / "seven-minute-briefing.txt")
    assert briefing.title == "7 Minute Briefing: Neglect in families with young children"
    # The numbered items are the themes, except the frame: Background, Questions to consider.
    assert titles(briefing) == [
        "Why it matters",
        "Information",
        "What we learned",
        "What you should do",
        "Escalation",
    ]
    assert [s.title for s in briefing.sections] == ["Background", "Questions to consider"]
    learned = briefing.theme("what-we-learned")
    assert (
        learned.paragraphs[0]
        == "• Professional curiosity: ask what a day looks like for the child."
    )
    assert learned.quotes == ("nobody asked the children what it was like to live there",)
    assert [f.value for f in briefing.theme("information").figures] == ["62%"]
    assert briefing.theme("escalation").figures == ()  # "10 working days" is a deadline
    assert briefing.sections[1].paragraphs[0] == "• How do you record the child’s lived experience?"
    assert briefing.warnings == ()


def test_bare_headings_with_page_markers_and_a_running_header():
    briefing = read_briefing(BRIEFINGS / "bare-headings-paged.txt")
    assert briefing.title == "Learning from local reviews: Spring edition"
    assert titles(briefing) == ["Early help", "Working with fathers", "Multi-agency meetings"]
    assert [s.title for s in briefing.sections] == ["Introduction", "Further information"]
    fathers = briefing.theme("working-with-fathers")
    assert len(fathers.paragraphs) == 2
    assert fathers.paragraphs[0].endswith("the father was known to services but not spoken to.")
    everything = " ".join(
        p for part in (*briefing.sections, *briefing.themes) for p in part.paragraphs
    )
    assert "Page" not in everything and "Riverside Safeguarding" not in everything
    assert "A multi-agency approach" in everything  # hyphenated across a line break
    assert briefing.warnings == (
        "dropped 'Riverside Safeguarding Children Partnership | Learning Briefing' "
        "as a running header or footer",
    )


def test_dash_bullets_in_cp1252_with_crlf(tmp_path):
    text = (
        "Learning briefing – Riverside\r\n"
        "\r\n"
        "Key messages\r\n"
        "\r\n"
        "- Information sharing – practitioners didn’t share concerns about the family’s\r\n"
        "  “chaotic” home.\r\n"
        "\r\n"
        "  A shared record would have helped.\r\n"
        "- Supervision – reflective supervision helped workers step back from the case.\r\n"
        "- Escalation – disagreements were not escalated when they should have been.\r\n"
    )
    path = tmp_path / "word-export.txt"
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # the point of the test: this is not UTF-8

    briefing = read_briefing(path)
    assert briefing.title == "Learning briefing – Riverside"
    assert titles(briefing) == ["Information sharing", "Supervision", "Escalation"]
    sharing = briefing.theme("information-sharing")
    assert sharing.paragraphs == (
        "Practitioners didn’t share concerns about the family’s “chaotic” home.",
        "A shared record would have helped.",
    )
    assert briefing.sections == ()  # "Key messages" only introduces the themes
    assert all("\r" not in p for theme in briefing.themes for p in theme.paragraphs)


def test_markdown():
    briefing = read_briefing(BRIEFINGS / "markdown-briefing.md")
    assert briefing.title == "Learning from a local review: Baby M"
    assert titles(briefing) == ["Safe sleep", "Fathers and male carers"]
    assert [s.title for s in briefing.sections] == [
        "Introduction",
        "Background",
        "Questions to consider",
    ]
    sleep = briefing.theme("safe-sleep")
    assert sleep.paragraphs[0].startswith("Safe sleep advice was given")  # no ** left
    assert "the safe sleep guide (https://example.org/safe-sleep)" in sleep.paragraphs[0]
    assert sleep.paragraphs[1] == "What to say"  # a ### sub-heading stays in the theme
    assert sleep.quotes == ("Every sleep, day and night, in the baby’s own cot",)
    assert briefing.theme("fathers-and-male-carers").paragraphs == (
        "• Invite fathers to every appointment.",
        "• Record their details on the child’s file.",
    )
    # A numbered list is a list, not figures "1" and "2".
    assert briefing.sections[2].figures == ()


def test_markdown_headings_in_a_txt_file_with_a_utf8_bom(tmp_path):
    path = tmp_path / "pasted.txt"
    text = (
        "## Neglect\nChildren were left alone.\n\n## Exploitation\nTeenagers were groomed online.\n"
    )
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    briefing = read_briefing(path)
    assert titles(briefing) == ["Neglect", "Exploitation"]
    assert briefing.title == "Pasted"  # no title block: the file name, with a warning
    assert any("title" in warning for warning in briefing.warnings)


def test_text_already_decoded_reads_like_the_file(tmp_path):
    # Readers of other formats (.docx, .pdf) hand their text to read_briefing_text.
    path = tmp_path / "pasted.md"
    text = "# Learning brief\n\n## Neglect\nChildren were **left** alone.\n"
    path.write_text(text, encoding="utf-8")
    from_text, from_file = read_briefing_text(text, "pasted.md"), read_briefing(path)
    assert (from_text.title, from_text.sections, from_text.themes, from_text.warnings) == (
        from_file.title,
        from_file.sections,
        from_file.themes,
        from_file.warnings,
    )
    assert from_text.theme("neglect").paragraphs == ("Children were left alone.",)
    with pytest.raises(BriefingError, match=r"^notes\.docx: is empty"):
        read_briefing_text("\n\n", "notes.docx")


def test_utf16_with_a_bom(tmp_path):
    path = tmp_path / "notepad.txt"
    path.write_bytes("Title\n\n## Neglect\nChildren were left alone.\n".encode("utf-16"))
    assert titles(read_briefing(path)) == ["Neglect"]


def test_bullet_forms():
    briefing = read_briefing(BRIEFINGS / "bullet-forms.txt")
    assert titles(briefing) == [
        "Neglect",  # o Title. Body
        "Self-harm",  # o Title: body (a compound word in the title)
        "Exploitation",  # * Title – body
        "Missing from home",  # * Title - body
        "Education",  # • Title-body
        "Housing",  # – Title: body, indented
        "Multi-agency working",  # • Compound-title-body
    ]
    assert briefing.theme("neglect").paragraphs == (
        "Children were often left without food or heating.",
    )
    assert briefing.theme("multi-agency-working").paragraphs[0].endswith("the same story 5 times.")


def test_a_bullet_on_a_line_of_its_own_is_joined_to_its_text(tmp_path):
    path = tmp_path / "pdftotext.txt"
    path.write_text(
        "Themes\n\n•\nNeglect-children were hungry.\n•\nHousing-families moved often.\n"
    )
    assert titles(read_briefing(path)) == ["Neglect", "Housing"]


def test_a_short_bullet_list_is_not_a_set_of_themes(tmp_path):
    path = tmp_path / "list.txt"
    path.write_text(
        "Agencies involved\n\nPolice\n\nThe agencies were:\n• Police\n• Health\n• Education\n"
    )
    briefing = read_briefing(path)
    assert titles(briefing) == ["Police"]
    assert briefing.theme("police").paragraphs == (
        "The agencies were:",
        "• Police",
        "• Health",
        "• Education",
    )


# -- warnings -----------------------------------------------------------------------------------


def test_warnings_for_an_empty_theme_a_long_theme_and_a_repeated_title(tmp_path):
    long_text = " ".join(["Practitioners should talk to each other."] * 100)
    path = tmp_path / "doubtful.md"
    path.write_text(f"# Doubtful\n\n## Neglect\n\n## Housing\n{long_text}\n\n## Housing\nAgain.\n")
    briefing = read_briefing(path)
    assert [theme.slug for theme in briefing.themes] == ["neglect", "housing", "housing-3"]
    warnings = "\n".join(briefing.warnings)
    assert "line 3: theme 'Neglect' has no text under it" in warnings
    assert "theme 'Housing' has 600 words" in warnings
    assert "line 8: a second theme called 'Housing'" in warnings


# -- files that are not briefings ---------------------------------------------------------------


def _cli_error(path: Path) -> str:
    result = CliRunner().invoke(app, ["briefing", str(path)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: ")
    assert "## Theme title" in lines[0]  # the way that always works
    return lines[0]


@pytest.mark.parametrize(
    "name, content, problem",
    [
        ("empty.txt", b"", "is empty"),
        ("links.txt", b"View this email in your browser\n\nUnsubscribe\n", "only page numbers or"),
        ("blank.txt", b"  \r\n\r\n \t \r\nPage 1 of 1\r\n", "is empty"),
        ("image.txt", bytes(range(256)) * 4, "binary file"),
        ("report-saved-as.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF document"),
        ("briefing-saved-as.txt", b"PK\x03\x04\x14\x00\x06\x00", "Word (.docx)"),
        (
            "prose.txt",
            b"This is one long paragraph of prose that has no headings, no bullets and no\n"
            b"numbered sections, so there is nothing that could be called a theme in it.\n",
            "found no themes",
        ),
    ],
)
def test_unusable_files_give_one_line_errors(tmp_path, name, content, problem):
    path = tmp_path / name
    path.write_bytes(content)
    assert problem in _cli_error(path)
    with pytest.raises(BriefingError):
        read_briefing(path)


def test_a_missing_file_and_a_folder(tmp_path):
    assert "no such file" in _cli_error(tmp_path / "missing.txt")
    assert "is a folder" in _cli_error(tmp_path)


# -- how sure the reader is, and pasted text --------------------------------------------------

CORPUS = Path(__file__).parent / "corpus"


def test_the_summary_says_how_sure_the_reader_is_of_each_heading_and_why():
    result = CliRunner().invoke(app, ["briefing", str(CORPUS / "case-summaries.txt")])
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.stdout.splitlines()]
    case_a = lines.index(next(line for line in lines if line.startswith("theme  1 Case A")))
    assert lines[case_a + 1] == "high (line 6): one of a series: Case A, Case B, Case C"
    assert "medium (line 27): short line followed by a paragraph" in lines


def test_the_json_carries_a_note_for_every_heading():
    result = CliRunner().invoke(app, ["briefing", str(CORPUS / "themes-numbered.md"), "--json"])
    assert result.exit_code == 0, result.output
    notes = json.loads(result.stdout)["headings"]
    assert notes[0] == {
        "line": 6,
        "title": "Theme 1",
        "role": "theme",
        "confidence": "high",
        "reason": "Markdown heading",
    }
    assert [note["role"] for note in notes] == ["theme", "theme", "theme", "section"]


def test_a_briefing_pasted_on_standard_input():
    pasted = (CORPUS / "web-page-pasted.txt").read_bytes()
    result = CliRunner().invoke(app, ["briefing", "-", "--json"], input=pasted)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["title"] == "Learning from local reviews: working with teenagers"
    assert data["source"] == "<stdin>"
    assert [theme["title"] for theme in data["themes"]] == [
        "Listening to young people",
        "Exploitation outside the home",
        "Education and exclusion",
    ]


def test_nothing_pasted_is_one_line_naming_standard_input():
    result = CliRunner().invoke(app, ["briefing", "-"], input=b"\n \n")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: <stdin>: is empty; ") and result.stderr.count("\n") == 1


def test_numbered_boxes_as_markdown_headings_keep_their_titles_without_the_number():
    # How a .docx or .pdf reader hands over a 7-minute briefing's numbered boxes.
    text = (
        "# 7 Minute Briefing: Neglect\n\n## 1. Background\nA review in 2024.\n\n"
        "## 2. Why it matters\nNeglect harms slowly.\n\n## 3. Information\nFive agencies knew.\n"
    )
    briefing = read_briefing_text(text, "neglect.docx")
    assert titles(briefing) == ["Why it matters", "Information"]
    assert [section.title for section in briefing.sections] == ["Background"]


def test_markdown_level_one_headings_over_level_two_themes_introduce_them():
    text = (
        "# Learning from reviews\n\n# Babies\n\n## Safe sleep\nEvery sleep in a cot.\n\n"
        "## Bruising\nRefer any bruise.\n\n# Teenagers\n\n## Exploitation\nPlan for places.\n"
    )
    briefing = read_briefing_text(text, "groups.md")
    assert titles(briefing) == ["Safe sleep", "Bruising", "Exploitation"]
    assert [w.split(":")[1].strip() for w in briefing.warnings] == [
        "left out the heading 'Babies'",
        "left out the heading 'Teenagers'",
    ]


def test_report_section_numbers_are_not_part_of_a_bare_headings_title():
    text = (
        "Thematic review of neglect\n\n2.1 Background\n\nThe review began in May.\n\n"
        "2.2 Information sharing\n\nRecords were not shared.\n\n"
        "2.3 Supervision\n\nSupervision was infrequent.\n"
    )
    briefing = read_briefing_text(text, "review.txt")
    assert titles(briefing) == ["Information sharing", "Supervision"]
    assert [section.title for section in briefing.sections] == ["Background"]


def test_a_heading_wrapped_over_two_lines_is_one_heading_and_a_two_line_sentence_is_not():
    text = (
        "Learning notes\n\nWhen a child is not brought to health\nappointments\n\n"
        "Write was not brought.\n\nSafer sleep advice was given but\nnobody looked.\n\n"
        "Ask to see the cot.\n"
    )
    briefing = read_briefing_text(text, "notes.txt")
    assert titles(briefing) == ["When a child is not brought to health appointments"]
    assert briefing.themes[0].paragraphs == (
        "Write was not brought.",
        "Safer sleep advice was given but nobody looked.",
        "Ask to see the cot.",
    )


def test_footnotes_at_the_end_are_a_paragraph_each_and_a_wrapped_line_is_not_one():
    text = (
        "Learning notes\n\nNeglect\n\nOlder children are less often seen as neglected1 than "
        "babies and young children in\n2 Local areas.\n\n1 Department for Education data, 2024.\n"
        "2 Local audit of 40 referrals.\n"
    )
    briefing = read_briefing_text(text, "notes.txt")
    assert briefing.themes[0].paragraphs == (
        "Older children are less often seen as neglected than babies and young children in 2 "
        "Local areas.",
        "1 Department for Education data, 2024.",
        "2 Local audit of 40 referrals.",
    )
