"""A draft worth keeping: short subjects in the themes' words, the briefing's own questions and
sentences, related themes together, and nothing unwritten let through."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from seed import SEED

from briefcast.campaigns.briefing import read_briefing, read_briefing_text
from briefcast.campaigns.campaign_file import is_unwritten, unwritten
from briefcast.campaigns.draft import draft_campaign
from briefcast.campaigns.grouping import briefing_parts, briefing_questions, group_themes
from briefcast.campaigns.model import Briefing, Section, Theme
from briefcast.campaigns.plan import CampaignFileError, check_campaign, load_campaign
from briefcast.campaigns.preview import CampaignProblemsError, check_campaign_file
from briefcast.campaigns.titles import SUBJECT_CHARS, issue_subject, issue_title
from briefcast.cli import app

CORPUS = Path(__file__).parent / "corpus"
DOCUMENTS = Path(__file__).parent / "documents"
# The Word and PDF corpus as its manifest lists it (the refused documents are listed apart).
WORD_AND_PDF = tomllib.loads((DOCUMENTS / "manifest.toml").read_text(encoding="utf-8"))
# The text corpus as expected.yaml lists it (its README is not a briefing).
TEXTS = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
BRIEFINGS = [
    SEED,
    *(CORPUS / name for name in sorted(TEXTS)),
    *(DOCUMENTS / name for name in sorted(WORD_AND_PDF["documents"])),
]
TODAY = date(2026, 11, 26)


def drafted(tmp_path: Path, source: Path):
    briefing = read_briefing(source)
    out = tmp_path / "campaign.yaml"
    out.write_text(
        draft_campaign(briefing, source, start=date(2027, 4, 13), lists=["police"]),
        encoding="utf-8",
    )
    return briefing, load_campaign(out)


def sentences_of(themes: list[Theme]) -> str:
    return "\n".join(p for theme in themes for p in theme.paragraphs)


@pytest.mark.parametrize("source", BRIEFINGS, ids=lambda path: path.name)
def test_every_drafted_issue_is_in_the_briefings_own_words(tmp_path, source):
    briefing, campaign = drafted(tmp_path, source)
    own_questions = briefing_questions(briefing)
    used_questions = []
    for issue in campaign.issues:
        themes = [briefing.theme(slug) for slug in issue.themes]
        prefix = f"Part {issue.number} of {len(campaign.issues)}: "
        # Subjects: short, and every word a whole word of the issue's theme titles.
        assert len(issue.subject) <= SUBJECT_CHARS and issue.subject.startswith(prefix)
        title_words = {w.lower() for t in themes for w in re.findall(r"[\w’'-]+", t.title)}
        subject_words = re.findall(r"[\w’'-]+", issue.subject.removeprefix(prefix).lower())
        assert set(subject_words) - {"and", "more"} <= title_words, issue.subject
        # The preview line: a whole sentence of the issue's themes, or left for a person.
        assert is_unwritten(issue.preheader) or issue.preheader in sentences_of(themes)
        # Questions: the briefing's own, or left for a person; never made up.
        for question in issue.questions:
            assert is_unwritten(question) or question in own_questions
        used_questions += [q for q in issue.questions if not is_unwritten(q)]
        assert issue.intro is None or is_unwritten(issue.intro)
    assert sorted(used_questions) == sorted(own_questions)  # every one of its own questions


def test_the_briefings_own_questions_are_found_whatever_their_list_marks():
    assert briefing_questions(read_briefing(CORPUS / "themes-numbered.md")) == [
        "When did supervision last change your view of a family?",
        "What feedback do you get when you refer a child?",
    ]
    assert briefing_questions(read_briefing(CORPUS / "seven-minute-briefing-no14.txt")) == [
        "When did you last see the room where the child sleeps?",
        "What would you do if a colleague in another agency saw things differently?",
    ]
    assert briefing_questions(read_briefing(SEED)) == []


def test_a_question_goes_with_the_themes_it_is_about(tmp_path):
    _, campaign = drafted(tmp_path, CORPUS / "rapid-review-briefing.md")
    knives = "Who in your agency would notice if a child's attendance fell sharply?"
    (with_attendance,) = [issue for issue in campaign.issues if knives in issue.questions]
    assert "key-findings" in with_attendance.themes  # "attendance fell to 61%"


@pytest.mark.parametrize(
    "number, titles, subject",
    [
        (2, ["Domestic Abuse", "Written agreements"], "Domestic abuse and written agreements"),
        (
            2,
            [
                "Information sharing, risk assessment and decision making",
                "Resolving professional disputes",
            ],
            "Information sharing and more",  # 55 characters would not fit
        ),
        (
            3,
            [
                "Adolescents, Mental Health and Suicide",
                "Including Men",
                "Health Plans for Children",
            ],
            "Adolescents, mental health and suicide and more",
        ),
        (
            2,
            ["Finding 2: Substance use as a family pattern", "Finding 3: School exclusion"],
            "Substance use as a family pattern and more",  # the label is not the theme's words
        ),
        (2, ["Case A", "Case B"], "Case A and case B"),  # a label alone is the whole title
        (1, ["Children returned home post court proceedings and later siblings"], None),
    ],
)
def test_subjects_are_shortened_with_the_themes_own_words(number, titles, subject):
    result = issue_subject(number, 4, titles)
    assert len(result) <= SUBJECT_CHARS
    if subject is not None:
        assert result == f"Part {number} of 4: {subject}"
    else:  # one long title without a phrase break: its leading words, whole, no "of" at the end
        assert result == "Part 1 of 4: Children returned home post court proceedings"


def test_question_titles_join_as_questions():
    titles = ["What did we learn?", "Why does this matter?"]
    assert issue_title(titles) == "What did we learn? Why does this matter?"
    assert issue_subject(2, 3, titles) == "Part 2 of 3: What did we learn? Why does this matter?"


def theme(title: str, text: str) -> Theme:
    words = f"{text} " * (60 // len(text.split()) + 1)
    return Theme(title.lower().replace(" ", "-"), title, (words.strip(),))


def test_issues_break_between_unrelated_themes():
    themes = [
        theme("Safe sleep", "babies sleeping cots sofas bedtime"),
        theme("Sleep and alcohol", "babies sleeping alcohol bedtime parents"),
        theme("Knife crime", "knives weapons streets gangs"),
        theme("County lines", "gangs exploitation drugs streets"),
    ]
    # Three themes fit in an issue either way; the break falls where the vocabulary changes.
    groups = group_themes(themes, limit=3 * themes[0].word_count)
    assert [[t.title for t in group] for group in groups] == [
        ["Safe sleep", "Sleep and alcohol"],
        ["Knife crime", "County lines"],
    ]


def test_issues_keep_the_briefings_own_parts_together():
    same = "Practitioners should record what they see and share it with the team."
    text = "# Learning from reviews\n\nAn introduction.\n\n" + "".join(
        f"{heading}\n\n" if heading.startswith("# ") else f"{heading}\n{same}\n\n"
        for heading in ["# Babies", "## Safe sleep", "## Bruising", "## Burns", "# Teenagers",
                        "## Exploitation"]
    )  # fmt: skip
    briefing = read_briefing_text(text, "parts.md")
    assert briefing_parts(briefing) == [1, 1, 1, 2]
    later, parts = briefing.themes[1:], briefing_parts(briefing)[1:]
    limit = 2 * later[0].word_count  # two themes an issue: three themes make two issues
    by_words_alone = group_themes(later, limit=limit)  # the same words everywhere: a tie
    assert [[t.title for t in group] for group in by_words_alone] == [
        ["Bruising"],
        ["Burns", "Exploitation"],
    ]
    # With the briefing's parts, the break falls between "Babies" and "Teenagers".
    assert [[t.title for t in group] for group in group_themes(later, limit, parts)] == [
        ["Bruising", "Burns"],
        ["Exploitation"],
    ]


# -- unwritten text, preheaders ------------------------------------------------------------------


CAMPAIGN = """\
title: Learning from reviews
partnership: Example Partnership
briefing: {briefing}
sender: Example Partnership <learning@example.org>
lists: [police]
schedule:
  start: 2027-04-13
issues:
  - themes: [why-it-matters]
    preheader: {preheader}
    questions:
      - {question}
"""


def campaign_file(tmp_path: Path, preheader: str, question: str) -> Path:
    path = tmp_path / "campaign.yaml"
    briefing = CORPUS / "notepad-utf16.txt"
    text = CAMPAIGN.format(briefing=briefing, preheader=preheader, question=question)
    path.write_text(text, encoding="utf-8")
    return path


def test_unwritten_text_is_an_error_with_its_line_and_stops_scheduling(tmp_path):
    path = campaign_file(tmp_path, f'"{unwritten("a preview")}"', f'"{unwritten("a question")}"')
    campaign = load_campaign(path)
    briefing = read_briefing(campaign.briefing_path)
    found = check_campaign(campaign, briefing, today=TODAY)
    assert [str(p) for p in found if p.level == "error"] == [
        f"{path}:10: error: issue 1: 'TODO: write a preview' is still to be written",
        f"{path}:12: error: issue 1: 'TODO: write a question' is still to be written",
    ]
    # `briefcast schedule` and `check` run this; nothing is rendered or stored.
    with pytest.raises(CampaignProblemsError):
        check_campaign_file(path, today=TODAY)


def test_a_written_preheader_is_the_inbox_preview(tmp_path):
    path = campaign_file(tmp_path, "Games are where children meet strangers now.", "Why?")
    found = check_campaign_file(path, today=TODAY)
    assert found.issues[0].digest.preheader == "Games are where children meet strangers now."


@pytest.mark.parametrize(
    "preheader, problem",
    [
        ("A" + " word" * 20 + ".", "102 characters; at most 90"),
        ("Games and strangers", "write a whole sentence"),
    ],
)
def test_a_preheader_is_one_short_sentence(tmp_path, preheader, problem):
    path = campaign_file(tmp_path, preheader, "Why?")
    with pytest.raises(
        CampaignFileError, match=rf"campaign\.yaml:10: issues\[1\]\.preheader: .*{problem}"
    ):
        load_campaign(path)


# -- `briefcast plan -` ----------------------------------------------------------------------------


def test_planning_a_pasted_briefing_saves_it_beside_the_campaign_file(tmp_path):
    pasted = (CORPUS / "learning-brief-questions.txt").read_bytes()
    out = tmp_path / "campaign.yaml"
    result = CliRunner().invoke(
        app, ["plan", "-", "--start", "2027-04-13", "--out", str(out)], input=pasted
    )
    assert result.exit_code == 0, result.output
    saved = tmp_path / "campaign.briefing.txt"
    assert saved.read_bytes() == pasted
    campaign = load_campaign(out)
    assert campaign.briefing_path.resolve() == saved.resolve()
    assert "How do you find out who the father is when he is not at the visit?" in [
        q for issue in campaign.issues for q in issue.questions
    ]


def test_planning_a_pasted_briefing_to_the_screen_says_to_save_it():
    pasted = (CORPUS / "learning-brief-questions.txt").read_bytes()
    result = CliRunner().invoke(app, ["plan", "-", "--start", "2027-04-13"], input=pasted)
    assert result.exit_code == 0, result.output
    assert "\nbriefing: briefing.txt\n" in result.stdout
    assert "save it as briefing.txt" in result.stderr


def test_a_hand_built_briefing_without_questions_gets_unwritten_ones(tmp_path):
    briefing = Briefing(
        "Title",
        (Section("Questions to consider", ("Talk about it in your team.",)),),
        (theme("Neglect", "hungry cold house"),),
    )
    text = draft_campaign(briefing, Path("b.txt"), start=date(2027, 4, 13))
    assert "# the briefing has none for these themes" in text
    assert '"TODO: write a question for team discussion, or delete this line"' in text
