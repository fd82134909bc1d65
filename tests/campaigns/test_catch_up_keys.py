"""The catch-up keys read from a form (`read_catch_up`) by the campaign file's own rules, and the
catch-up's note among the texts still to write while catch-ups are on."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from briefcast.campaigns.briefing import read_briefing
from briefcast.campaigns.campaign_file import (
    CampaignFileError,
    CatchUpValueError,
    load_campaign,
    load_campaign_text,
    read_catch_up,
)
from briefcast.campaigns.model import CatchUp
from briefcast.campaigns.plan import check_campaign, unwritten_texts

EXAMPLE = Path(__file__).parents[2] / "examples" / "national-panel-2020" / "campaign.yaml"
TODAY = date(2027, 1, 4)


def _without_note(text: str) -> str:
    """The example's text with its catch_up_note (a folded block) taken out."""
    return re.sub(r"catch_up_note: >\n(  .*\n)+", "", text)


def _file_with(keys: str) -> CatchUp:
    """The catch-up of the example campaign file with `keys` (YAML lines) in place of its own."""
    text = _without_note(EXAMPLE.read_text(encoding="utf-8")) + keys
    return load_campaign_text(text, EXAMPLE).catch_up


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"catch_up": "off"},
        {"catch_up": "replay", "replay_every": "1w", "replay_cap": "5"},
        {"catch_up": "digest", "catch_up_until": "2027-07-31", "catch_up_note": "Why: you joined."},
        {"catch_up_note": "TODO: write why"},
    ],
)
def test_a_forms_values_read_as_the_same_keys_in_a_campaign_file(values):
    lines = "".join(f"{key}: {value!r}\n" for key, value in values.items())
    assert read_catch_up(values) == _file_with(lines)


def test_empty_values_are_keys_left_out():
    assert (
        read_catch_up({"catch_up_until": "", "replay_cap": " ", "catch_up_note": ""}) == CatchUp()
    )


def test_a_note_over_several_lines_is_kept_as_written():
    note = "You joined one of our lists late.\nHere is what you missed: read it when you can."
    assert read_catch_up({"catch_up_note": note}).note == note


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("catch_up", "sometimes"),
        ("catch_up_until", "31 July"),
        ("replay_every", "often"),
        ("replay_cap", "0"),
    ],
)
def test_a_mistake_names_its_key_with_the_campaign_files_own_words(key, value):
    with pytest.raises(CatchUpValueError) as raised:
        read_catch_up({"catch_up": "replay", key: value, "catch_up_note": "Why you get it."})
    with pytest.raises(CampaignFileError) as in_a_file:
        _file_with(f"{key}: {value!r}\n")
    assert raised.value.key == key
    # The file's message is "FILE:LINE: key: what is wrong"; the form's is the same words.
    assert str(in_a_file.value).endswith(f": {key}: {raised.value.problem}")


def test_an_unwritten_note_is_to_write_only_while_catch_ups_are_on():
    campaign = load_campaign(EXAMPLE)
    briefing = read_briefing(campaign.briefing_path)
    todo = "TODO: write why a new starter gets this"
    on = replace(campaign, catch_up=replace(campaign.catch_up, note=todo))
    (item,) = unwritten_texts(on)
    assert (item.number, item.key, item.text) == (None, "catch_up_note", todo)
    # `check` reports it once, at its line; a page listing texts to write leaves it out.
    found = [str(p) for p in check_campaign(on, briefing, today=TODAY)]
    assert found == [f"{EXAMPLE}:18: error: {todo!r} is still to be written"]
    assert check_campaign(on, briefing, today=TODAY, unwritten=False) == []
    off = replace(on, catch_up=replace(on.catch_up, mode="off"))
    assert unwritten_texts(off) == [] and check_campaign(off, briefing, today=TODAY) == []
    absent = replace(on, catch_up=replace(on.catch_up, note=None))
    assert unwritten_texts(absent) == []  # catch-ups wait for it; `check` lets it be
