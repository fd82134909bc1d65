"""The campaign file written back out, and the plan edits the console makes on it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from briefcast.campaigns.campaign_file import load_campaign, load_campaign_text
from briefcast.campaigns.campaign_writer import (
    PlanEditError,
    add_issue,
    campaign_text,
    keep_themes,
    move_theme,
    remove_issue,
)

EXAMPLE = Path(__file__).parents[2] / "examples" / "national-panel-2020" / "campaign.yaml"


@pytest.fixture(scope="module")
def campaign():
    return load_campaign(EXAMPLE)


def _reloaded(campaign, folder: Path):
    return load_campaign_text(campaign_text(campaign, briefing="briefing.txt"), folder / "c.yaml")


def _value(campaign):
    return replace(campaign, source=None, briefing_path=Path("briefing.txt"))


def test_written_and_read_again_the_campaign_is_unchanged(campaign, tmp_path):
    assert _value(_reloaded(campaign, tmp_path)) == _value(campaign)


def test_every_text_of_an_issue_is_written_out(campaign, tmp_path):
    first = replace(
        campaign.issues[0],
        title="Thinking the best",
        preheader="What the panel found about hopeful plans.",
        intro="TODO: write a sentence or two opening the series",
    )
    again = _reloaded(replace(campaign, issues=(first, *campaign.issues[1:])), tmp_path)
    assert again.issues[0] == replace(first, number=again.issues[0].number)


def test_text_that_yaml_would_type_stays_text(campaign, tmp_path):
    first = replace(campaign.issues[0], subject="Yes", intro="2027-04-13", questions=("null",))
    odd = replace(campaign, title="No", issues=(first, *campaign.issues[1:]))
    again = _reloaded(odd, tmp_path)
    assert (again.title, again.issues[0].subject) == ("No", "Yes")
    assert (again.issues[0].intro, again.issues[0].questions) == ("2027-04-13", ("null",))


def test_moving_a_theme_puts_it_last_in_the_chosen_issue(campaign):
    slug = campaign.issues[1].themes[0]
    moved = move_theme(campaign, slug, to_issue=3)
    assert moved.issues[2].themes[-1] == slug
    assert slug not in moved.issues[1].themes
    assert sorted(t for i in moved.issues for t in i.themes) == sorted(
        t for i in campaign.issues for t in i.themes
    )


def test_an_issue_left_empty_goes_and_part_labels_follow(campaign):
    total = len(campaign.issues)
    labelled = replace(
        campaign,
        issues=tuple(
            replace(i, subject=f"Part {i.number} of {total}: Words {i.number}", themes=i.themes)
            for i in campaign.issues
        ),
    )
    moved = labelled
    for slug in campaign.issues[1].themes:
        moved = move_theme(moved, slug, to_issue=1)
    assert len(moved.issues) == total - 1
    assert [i.number for i in moved.issues] == list(range(1, total))
    assert [i.subject for i in moved.issues] == [
        f"Part {n} of {total - 1}: Words {n if n == 1 else n + 1}" for n in range(1, total)
    ]


def test_a_subject_of_the_authors_own_is_never_renumbered(campaign):
    own = replace(campaign.issues[2], subject="Part of the plan: our own words")
    edited = remove_issue(
        replace(campaign, issues=(*campaign.issues[:2], own, *campaign.issues[3:])), 2
    )
    assert edited.issues[1].subject == "Part of the plan: our own words"


def test_add_issue_takes_the_theme_into_a_new_last_issue(campaign):
    crowded = next(i for i in campaign.issues if len(i.themes) > 1)
    added = add_issue(campaign, crowded.themes[-1])
    assert len(added.issues) == len(campaign.issues) + 1
    assert added.issues[-1].themes == (crowded.themes[-1],)


def test_remove_issue_gives_its_themes_to_the_issue_before(campaign):
    removed = remove_issue(campaign, 2)
    assert removed.issues[0].themes == (*campaign.issues[0].themes, *campaign.issues[1].themes)


def test_keep_themes_drops_the_others(campaign):
    kept = {campaign.issues[0].themes[0]}
    assert [i.themes for i in keep_themes(campaign, kept).issues] == [
        (campaign.issues[0].themes[0],)
    ]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: move_theme(c, "no-such-theme", 1), "no issue has the theme 'no-such-theme'"),
        (lambda c: move_theme(c, c.issues[0].themes[0], 99), "has no issue 99"),
        (lambda c: remove_issue(replace(c, issues=c.issues[:1]), 1), "at least one issue"),
    ],
)
def test_an_impossible_edit_says_why(campaign, edit, message):
    with pytest.raises(PlanEditError, match=message):
        edit(campaign)
