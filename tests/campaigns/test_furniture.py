"""What PDFs, web pages and emails add around a briefing: found, taken out, and reported."""

from __future__ import annotations

import pytest

from briefcast.campaigns.briefing import read_briefing_text
from briefcast.campaigns.furniture import clean_lines


def texts(text: str) -> list[str]:
    return [line.text for line in clean_lines(text).lines if line.text]


@pytest.mark.parametrize(
    "chrome",
    [
        "View this email in your browser",
        "Having trouble viewing this email? View it online",
        "Skip to main content",
        "Back to top",
        "Share on Facebook | Share on X | Share on LinkedIn",
        "Click here",
        "Read more",
        "Print this page",
        "Forward to a friend",
        "Unsubscribe | Manage your preferences",
        "You are receiving this because you subscribed to our learning updates.",
        "Quick Exit",
        "Toggle Contrast",
        "Accessibility statement | Privacy notice | Cookies",
        "You are here: Home > Learning from reviews > Safeguarding Adults Reviews",
        "Home › Adults › Learning briefs",
        "© 2026 Northbrook Safeguarding Adults Board",
        "Copyright © 2026 Southvale Safeguarding Partnership, All rights reserved.",
        "Our mailing address is: Southvale Safeguarding Partnership, 1 Example Road.",
        "CAUTION: This email originated from outside of the organisation. Do not click links.",
        "This email is confidential and intended solely for the use of the individual to whom it "
        "is addressed. If you have received this email in error please tell the sender.",
        # Pictures: alt text naming a logo or banner, Outlook's and Gmail's placeholders.
        "Northbrook Safeguarding Adults Board logo",
        "LGA/ADASS banner",
        "[cid:image001.png@01DC7A2B.5E3F1A40]",
        "[image: Partnership logo]",
    ],
)
def test_email_and_web_chrome_is_left_out_with_a_warning_quoting_it(chrome):
    cleaned = clean_lines(f"Safer sleep\n\n{chrome}\n\nBabies sleep safest in a cot.\n")
    assert [line.text for line in cleaned.lines if line.text] == [
        "Safer sleep",
        "Babies sleep safest in a cot.",
    ]
    assert any(repr(chrome) in warning for warning in cleaned.left_out)


@pytest.mark.parametrize(
    "line",
    [
        "Forward",
        "Working with fathers",
        "Further reading",
        "Online safety",
        "Next steps",
        "Home visits",  # "home" starts a breadcrumb only with a separator after it
        "Home/school communication",
        "You are here to listen, not to fix things",
        "Designing a new logo with young people was their idea, and it shows.",
        "The grant was intended solely for housing costs.",
    ],
)
def test_headings_that_share_a_word_with_chrome_stay(line):
    assert texts(f"{line}\n\nText.\n") == [line, "Text."]


def test_a_repeated_line_is_a_running_header_only_in_a_paged_document():
    cases = [f"Case {c}\nWhat we learned\nThe plan for case {c} drifted.\n\n" for c in "ABC"]
    unpaged = clean_lines("".join(cases))
    assert unpaged.left_out == []
    assert texts("".join(cases)).count("What we learned") == 3
    paged = clean_lines("Page 1 of 3\n".join(cases))
    assert paged.left_out == ["dropped 'What we learned' as a running header or footer"]


def test_a_sub_heading_repeated_mid_page_is_no_running_header_though_the_footer_is():
    # Each page: a case, its repeated sub-headings in the middle, the partnership's footer.
    page = (
        "Case {c}\n\nFamily {c} moved twice.\n\nWhat we learned\n\nThe plan for case {c} "
        "drifted.\n\nNobody owned plan {c}.\n\nBrookfield SCP learning\n{n}\n\f"
    )
    text = "".join(page.format(c=c, n=n) for n, c in enumerate("ABC", 1))
    cleaned = clean_lines(text)
    assert cleaned.left_out == ["dropped 'Brookfield SCP learning' as a running header or footer"]
    assert texts(text).count("What we learned") == 3


def test_markdown_headings_numbered_alike_are_never_running_headers():
    text = "# Themes\n\n## Theme 1\nOne.\n\n## Theme 2\nTwo.\n\n## Theme 3\nThree.\n\nPage 1\n"
    assert clean_lines(text).left_out == []
    briefing = read_briefing_text(text, "themes.md")
    assert [theme.title for theme in briefing.themes] == ["Theme 1", "Theme 2", "Theme 3"]


def test_a_running_header_repeating_the_title_still_gives_the_title():
    page = "Learning from Baby Jo\n\n{heading}\n\nWhat we learned about {heading}.\n\nPage {n}\n"
    text = "".join(
        page.format(heading=h, n=n) for n, h in enumerate(["Crying", "Fathers", "Sleep"])
    )
    briefing = read_briefing_text(text, "jo.txt")
    assert briefing.title == "Learning from Baby Jo"
    assert [theme.title for theme in briefing.themes] == ["Crying", "Fathers", "Sleep"]


def test_a_contents_list_is_left_out_with_its_heading_and_the_headings_stay():
    text = (
        "Newsletter\n\nIn this issue\nSafer sleep\nPrivate fostering\n\n"
        "Safer sleep\n\nBabies sleep safest in a cot.\n\n"
        "Private fostering\n\nTell children's social care.\n"
    )
    cleaned = clean_lines(text)
    assert texts(text)[:2] == ["Newsletter", "Safer sleep"]
    assert cleaned.left_out == [
        "left out a table of contents repeating the headings: "
        "'In this issue', 'Safer sleep', 'Private fostering'"
    ]


def test_an_emails_subject_is_its_title_and_its_sign_off_is_left_out():
    text = (
        "From: Learning team <learning@example.org>\nSent: 3 June 2024\nTo: All staff\n"
        "Subject: Learning from Child K\n\nDear colleagues,\n\nBruising\n\nAny bruise on a baby "
        "must be referred.\n\nKind regards,\n\nSam Example\nLearning lead\n"
    )
    briefing = read_briefing_text(text, "email.txt")
    assert briefing.title == "Learning from Child K"
    assert [theme.title for theme in briefing.themes] == ["Bruising"]
    assert briefing.theme("bruising").paragraphs == ("Any bruise on a baby must be referred.",)
    assert briefing.warnings[:2] == (
        "took the title from the email's Subject line; left out "
        "'From: Learning team <learning@example.org>', 'Sent: 3 June 2024', 'To: All staff'",
        "line 12: left out the sign-off 'Kind regards, / Sam Example / Learning lead'",
    )


def test_web_text_with_one_paragraph_per_line_is_split_into_paragraphs():
    long = (
        "This sentence is long enough to be a paragraph copied from a web page, not a wrapped line."
    )
    cleaned = clean_lines(f"Title\nFirst heading\n{long}\nSecond heading\n{long}\n")
    assert cleaned.one_per_line
    assert [line.text for line in cleaned.lines] == [
        "Title", "", "First heading", "", long, "", "Second heading", "", long,
    ]  # fmt: skip


def test_hard_wrapped_text_is_not_split():
    wrapped = "Practitioners knew about the parents'\nneeds but little about the child.\n"
    cleaned = clean_lines(f"Title\n\nHeading\n{wrapped}\nNext\n{wrapped}")
    assert not cleaned.one_per_line


def test_questions_in_a_list_are_not_headings_but_a_question_before_its_answer_is():
    text = (
        "Learning brief\n\nWhat happened?\n\nA baby was injured at home.\n\n"
        "Questions to consider\n\nHow do you ask about fathers?\n\nWho checks the explanation?\n"
    )
    briefing = read_briefing_text(text, "brief.txt")
    assert [theme.title for theme in briefing.themes] == ["What happened?"]
    assert briefing.sections[-1].paragraphs == (
        "How do you ask about fathers?",
        "Who checks the explanation?",
    )
    (note,) = [note for note in briefing.headings if note.role == "theme"]
    assert (note.confidence, note.reason) == ("low", "question heading")


def test_a_footer_of_parts_between_bars_is_left_out_only_as_the_last_line():
    footer = "Westmere Safeguarding Partnership | One minute guides | www.example.org/guides"
    cleaned = clean_lines(f"Recording\n\nWrite it down.\n\n{footer}\n")
    assert texts(f"Recording\n\nWrite it down.\n\n{footer}\n") == ["Recording", "Write it down."]
    assert cleaned.left_out == [f"line 5: left out {footer!r} (a page footer, not learning)"]
    # The same line in the middle is the author's: a contact line, say.
    assert footer in texts(f"Contacts\n\n{footer}\n\nRecording\n\nWrite it down.\n")


def test_a_markdown_image_on_its_own_line_is_a_picture_and_in_a_sentence_its_words():
    text = (
        "![Eastholme CSP logo](logo.png)\n\n# Learning brief\n\n## Economic abuse\n\n"
        "See the ![flow chart](chart.png) for the route.\n"
    )
    briefing = read_briefing_text(text, "brief.md")
    assert briefing.title == "Learning brief"
    assert briefing.themes[0].paragraphs == ("See the flow chart (chart.png) for the route.",)
    assert briefing.warnings == (
        "line 1: left out '[image: Eastholme CSP logo (logo.png)]' (a picture's name or "
        "description, not learning)",
    )


def test_a_bulleted_in_this_issue_list_is_a_table_of_contents():
    text = (
        "Newsletter\n\nIn this issue\n• Safer sleep\n• Private fostering\n\n"
        "Safer sleep\n\nBabies sleep safest in a cot.\n\n"
        "Private fostering\n\nTell children's social care.\n"
    )
    assert clean_lines(text).left_out == [
        "left out a table of contents repeating the headings: "
        "'In this issue', '• Safer sleep', '• Private fostering'"
    ]


def test_a_confidentiality_notice_after_the_sign_off_does_not_hide_the_sign_off():
    text = (
        "Subject: Learning from Child P\nFrom: Learning team\n\nHome visits\n\n"
        "Nobody tried again.\n\nKind regards,\n\nSam Example\nLearning officer\n\n"
        "This email is confidential and intended solely for the addressee.\n"
    )
    briefing = read_briefing_text(text, "email.txt")
    assert [theme.title for theme in briefing.themes] == ["Home visits"]
    assert briefing.theme("home-visits").paragraphs == ("Nobody tried again.",)
    assert "line 8: left out the sign-off 'Kind regards, / Sam Example / Learning officer'" in (
        briefing.warnings
    )


@pytest.mark.parametrize(
    "opening",
    [
        "From: A Sender <a.sender@example.org>\nSent: 1 March 2026 10:00\nTo: Team <t@example.org>",
        "-----Original Message-----\nFrom: A Sender <a.sender@example.org>",
        "On Mon, 2 Mar 2026 at 10:00, A Sender <a.sender@example.org> wrote:",
    ],
)
def test_the_earlier_message_quoted_below_a_reply_is_left_out_and_quoted(opening):
    text = f"Neglect\n\nLook at the home.\n\n{opening}\n\nFine by me, send it out.\n"
    cleaned = clean_lines(text)
    assert texts(text) == ["Neglect", "Look at the home."]
    assert "Fine by me, send it out." in cleaned.left_out[-1]
    assert cleaned.left_out[-1].startswith("line 5: left out the earlier message")


def test_a_from_line_in_the_text_is_not_an_earlier_message():
    text = "Neglect\n\nFrom: the review panel's report.\n\nLook at the home.\n"
    assert clean_lines(text).left_out == []


def test_a_sign_off_without_its_comma_is_still_a_sign_off():
    text = "Neglect\n\nLook at the home.\n\nKind regards\nJo Example\nLearning team\n"
    assert texts(text) == ["Neglect", "Look at the home."]
