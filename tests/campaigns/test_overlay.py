"""The author's overlay on a briefing: renames, merges and sections, applied the same every time."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefcast.campaigns.briefing import read_briefing
from briefcast.campaigns.overlay import Edit, Overlay, OverlayError, apply_overlay, check_edit

SEED = Path(__file__).parents[2] / "examples" / "national-panel-2020" / "briefing.txt"


@pytest.fixture(scope="module")
def briefing():
    return read_briefing(SEED)


def test_a_rename_keeps_the_slug_so_the_plan_still_finds_the_theme(briefing):
    overlay = Overlay().rename("domestic-abuse", "Domestic abuse and coercive control")
    edited = apply_overlay(briefing, overlay)
    assert edited.theme("domestic-abuse").title == "Domestic abuse and coercive control"
    assert edited.theme("domestic-abuse").paragraphs == briefing.theme("domestic-abuse").paragraphs
    assert briefing.theme("domestic-abuse").title != "Domestic abuse and coercive control"


def test_reading_again_and_applying_the_same_overlay_gives_the_same_briefing(briefing):
    overlay = (
        Overlay()
        .rename("including-men", "Including fathers and men")
        .merge_with_next("health-plans-for-children")
        .mark_as_section("optimistic-thinking")
    )
    stored = Overlay.from_json(overlay.to_json())
    assert stored == overlay
    assert apply_overlay(read_briefing(SEED), stored) == apply_overlay(briefing, overlay)


def test_merge_with_next_joins_the_following_theme_under_its_own_title(briefing):
    slugs = [theme.slug for theme in briefing.themes]
    first, second = (
        briefing.theme("written-agreements"),
        briefing.themes[slugs.index("written-agreements") + 1],
    )
    edited = apply_overlay(briefing, Overlay().merge_with_next("written-agreements"))
    assert len(edited.themes) == len(briefing.themes) - 1
    merged = edited.theme("written-agreements")
    assert merged.paragraphs == (*first.paragraphs, second.title, *second.paragraphs)
    with pytest.raises(KeyError):
        edited.theme(second.slug)


def test_mark_as_section_moves_the_part_out_of_the_themes(briefing):
    edited = apply_overlay(briefing, Overlay().mark_as_section("optimistic-thinking"))
    assert "optimistic-thinking" not in [theme.slug for theme in edited.themes]
    assert edited.sections[-1].title == briefing.theme("optimistic-thinking").title
    assert edited.sections[-1].paragraphs == briefing.theme("optimistic-thinking").paragraphs


def test_an_edit_the_briefing_no_longer_allows_is_a_warning_not_a_guess(briefing):
    edited = apply_overlay(briefing, Overlay().rename("no-such-theme", "Anything"))
    assert edited.themes == briefing.themes
    assert edited.warnings[-1] == (
        "your edit was not applied: the briefing has no theme 'no-such-theme' any more"
    )


def test_the_last_theme_has_nothing_to_merge_with(briefing):
    with pytest.raises(OverlayError, match="is the last theme"):
        check_edit(briefing, Edit("merge", briefing.themes[-1].slug))


def test_an_overlay_from_another_version_is_refused_with_a_way_out():
    with pytest.raises(OverlayError, match="upgrade briefcast"):
        Overlay.from_json({"version": 99, "edits": []})
