"""Which headed parts of a briefing are themes, sections or left out (campaigns/briefing_parts.py):
headings that name the learning as a whole, and boxes of key messages that sum the themes up."""

from __future__ import annotations

import pytest

from briefcast.campaigns.briefing import read_briefing_text
from briefcast.campaigns.headings import SUMMARISES_THEMES, is_summary_title, names_the_themes
from briefcast.campaigns.model import Briefing


def titles(briefing: Briefing) -> list[str]:
    return [theme.title for theme in briefing.themes]


def sections(briefing: Briefing) -> list[str]:
    return [section.title for section in briefing.sections]


THREE_THEMES = (
    "## Safe sleep\n\nEvery sleep in a cot.\n\n"
    "## Bruising\n\nRefer any bruise in a baby who is not yet mobile.\n\n"
    "## Fathers\n\nSpeak to fathers on their own.\n\n"
)


@pytest.mark.parametrize(
    "title, names",
    [
        ("Key learning", True),
        ("Key learning for practitioners", True),
        ("Themes", True),
        ("Our findings", True),
        ("What we learnt", True),
        ("Learning", True),
        ("Learning disabilities", False),  # "learning" alone, not as a first word
        ("Neglect", False),
        ("Keys to the house", False),
    ],
)
def test_headings_that_name_the_learning_as_a_whole(title, names):
    assert names_the_themes(title) is names


@pytest.mark.parametrize(
    "title, summary",
    [
        ("Key messages", True),
        ("Key points for practice", True),
        ("At a glance", True),
        ("Key learning", False),  # the learning itself, not a digest of it
        ("Messages from children", False),
    ],
)
def test_headings_that_name_a_digest_of_points(title, summary):
    assert is_summary_title(title) is summary


def test_an_empty_heading_naming_the_learning_introduces_the_themes_below_it():
    text = f"# Learning brief\n\n## Key learning\n\n{THREE_THEMES}"
    briefing = read_briefing_text(text, "brief.md")
    assert titles(briefing) == ["Safe sleep", "Bruising", "Fathers"]
    assert briefing.warnings == (
        "line 3: left out the heading 'Key learning': it introduces the themes and has no text "
        "of its own",
    )
    left_out = [note for note in briefing.headings if note.role == "left out"]
    assert [note.title for note in left_out] == ["Key learning"]


def test_an_empty_heading_that_names_one_theme_is_a_theme_still_to_be_written():
    text = f"# Learning brief\n\n## Domestic abuse\n\n{THREE_THEMES}"
    briefing = read_briefing_text(text, "brief.md")
    assert titles(briefing) == ["Domestic abuse", "Safe sleep", "Bruising", "Fathers"]
    assert "line 3: theme 'Domestic abuse' has no text under it" in briefing.warnings


KEY_MESSAGES = "## Key messages\n\n- Use a cot.\n- Refer bruising.\n- Involve fathers.\n"


@pytest.mark.parametrize("where", ["after", "before"])
def test_a_list_of_key_messages_beside_the_themes_sums_them_up(where):
    body = THREE_THEMES + KEY_MESSAGES if where == "after" else KEY_MESSAGES + "\n" + THREE_THEMES
    briefing = read_briefing_text(f"# Rapid review briefing\n\n{body}", "brief.md")
    assert titles(briefing) == ["Safe sleep", "Bruising", "Fathers"]
    assert sections(briefing) == ["Key messages"]
    assert briefing.sections[0].paragraphs == (
        "• Use a cot.",
        "• Refer bruising.",
        "• Involve fathers.",
    )
    note = next(note for note in briefing.headings if note.title == "Key messages")
    assert (note.role, note.reason) == ("section", SUMMARISES_THEMES)


@pytest.mark.parametrize(
    "text",
    [
        # Beside a single other theme: "Key messages" may be the learning itself.
        "# Brief\n\n## Background\n\nA review.\n\n## Self-neglect\n\nHoarding.\n\n" + KEY_MESSAGES,
        # Written as paragraphs, not a list of points.
        "# Brief\n\n" + THREE_THEMES + "## Key messages\n\nAgencies must share what they know.\n",
        # In the middle of the boxes: one box among others.
        "# Brief\n\n## Safe sleep\n\nA cot.\n\n" + KEY_MESSAGES + "\n## Bruising\n\nRefer.\n\n"
        "## Fathers\n\nAsk.\n",
    ],
    ids=["one-other-theme", "paragraphs", "in-the-middle"],
)
def test_key_messages_that_are_learning_in_their_own_right_stay_a_theme(text):
    assert "Key messages" in titles(read_briefing_text(text, "brief.md"))


def test_a_list_under_key_learning_is_the_learning_not_a_summary():
    text = "# Brief\n\n" + THREE_THEMES + "## Key learning\n\n- Ask.\n- Record.\n"
    assert titles(read_briefing_text(text, "brief.md"))[-1] == "Key learning"


def test_boxes_numbered_without_a_full_stop_count_from_one():
    boxes = ["Background", "Why it matters", "Information", "What to do"]
    text = "7 Minute Briefing\nNeglect\n\n" + "".join(
        f"{n} {title}\n\nText of box {n}.\n\n" for n, title in enumerate(boxes, 1)
    )
    briefing = read_briefing_text(text, "brief.txt")
    assert briefing.title == "7 Minute Briefing: Neglect"
    assert titles(briefing) == ["Why it matters", "Information", "What to do"]
    assert sections(briefing) == ["Background"]
    assert {note.reason for note in briefing.headings if note.role == "theme"} == {
        "numbered like 2 others"
    }


def test_short_lines_that_start_with_a_count_keep_their_number():
    text = (
        "Learning brief\n\n1 Introduction\n\nTwo lists.\n\n5 Ways to help\n\nListen first.\n\n"
        "3 Things to avoid\n\nPromising secrecy.\n"
    )
    briefing = read_briefing_text(text, "brief.txt")
    # 1, 5, 3 do not count on from 1: the numbers are the author's words.
    assert titles(briefing) == ["1 Introduction", "5 Ways to help", "3 Things to avoid"]


ARTICLES = (
    "Newsletter\n\nTwo reviews this winter.\n\nSafer sleep\n\nWhat happened\n\n"
    "A baby slept on a sofa.\n\n"
    "What we learned\n\nRepeat the advice.\n\nBruising\n\nWhat happened\n\n"
    "A bruise was not referred.\n\nWhat we learned\n\nRefer the same day.\n"
)


def test_headings_repeated_under_each_theme_are_its_sub_headings():
    briefing = read_briefing_text(ARTICLES, "news.txt")
    assert titles(briefing) == ["Safer sleep", "Bruising"]
    assert briefing.theme("bruising").paragraphs == (
        "What happened",
        "A bruise was not referred.",
        "What we learned",
        "Refer the same day.",
    )
    assert not any("a second theme" in warning for warning in briefing.warnings)


@pytest.mark.parametrize(
    "text",
    [
        # A repeat before any heading of its own: nothing owns it.
        "Newsletter\n\nWhat happened\n\nOne.\n\nSafer sleep\n\nTwo.\n\nWhat happened\n\nThree.\n",
        # Twice under one heading: the author's own themes, however named.
        "Newsletter\n\nSafer sleep\n\nOne.\n\nWhat happened\n\nTwo.\n\nWhat happened\n\nThree.\n",
    ],
    ids=["no-owner", "twice-under-one"],
)
def test_repeats_that_no_heading_owns_stay_themes(text):
    assert titles(read_briefing_text(text, "news.txt")).count("What happened") == 2
