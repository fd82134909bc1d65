"""A list the briefing calls its themes ("Key Learning Themes:" over "Theme: text" bullets)."""

from __future__ import annotations

from briefcast.campaigns.briefing import read_briefing_text

_BRIEF = """# Learning brief: Child F

## Background

F was 9 and lived with her grandmother.

{label}

- Voice of the child: F's wishes were written down by her teachers only.
- Kinship care: The grandmother had no assessment of her own needs.

## What should practitioners do?

Ask F what she thinks, and write it in her words.
"""


def _read(label: str):
    return read_briefing_text(_BRIEF.format(label=label), "brief.md")


def test_a_label_line_naming_the_themes_makes_its_titled_bullets_the_themes():
    briefing = _read("Key Learning Themes:")
    assert [theme.title for theme in briefing.themes] == ["Voice of the child", "Kinship care"]
    assert briefing.themes[1].paragraphs == ("The grandmother had no assessment of her own needs.",)
    assert [section.title for section in briefing.sections] == [
        "Background",
        "What should practitioners do?",
    ]
    assert any("'Key Learning Themes': it introduces the themes" in w for w in briefing.warnings)


def test_a_heading_naming_the_themes_does_the_same():
    briefing = _read("## Learning themes")
    assert [theme.title for theme in briefing.themes] == ["Voice of the child", "Kinship care"]


def test_key_messages_over_the_same_bullets_sum_up_and_are_not_the_themes():
    briefing = _read("Key messages:")
    assert [theme.title for theme in briefing.themes] == ["What should practitioners do?"]
    assert "Key messages:" in briefing.sections[0].paragraphs


def test_a_label_with_text_of_its_own_keeps_its_bullets_as_a_list():
    briefing = _read("Key learning themes:\n\nThe review found two things.")
    assert [theme.title for theme in briefing.themes] == ["What should practitioners do?"]


def test_a_bold_lead_is_the_title_of_its_bullet_in_markdown():
    text = _BRIEF.format(label="## Key learning").replace(
        "- Voice of the child:", "- **Voice of the child**"
    )
    briefing = read_briefing_text(text, "brief.md")
    assert briefing.themes[0].title == "Voice of the child"
    assert briefing.themes[0].paragraphs == ("F's wishes were written down by her teachers only.",)
