"""Snapshots of a plan and its digests: versioned JSON that reads back to the same data."""

import json
from pathlib import Path

import pytest

from briefcast.campaigns.briefing import read_briefing
from briefcast.campaigns.campaign_file import load_campaign
from briefcast.campaigns.plan import assemble
from briefcast.campaigns.snapshot import (
    SnapshotError,
    campaign_from_snapshot,
    campaign_snapshot,
    digest_from_snapshot,
    digest_snapshot,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "national-panel-2020" / "campaign.yaml"


def _through_json(data):
    return json.loads(json.dumps(data))


def test_a_campaign_survives_the_round_trip_through_json():
    campaign = load_campaign(EXAMPLE)
    snapshot = _through_json(campaign_snapshot(campaign))

    assert snapshot["version"] == 1
    assert snapshot["schedule"]["timezone"] == "Europe/London"
    assert "source_lines" not in snapshot
    assert campaign_from_snapshot(snapshot) == campaign


def test_every_digest_survives_the_round_trip_with_its_themes_and_send_time():
    campaign = load_campaign(EXAMPLE)
    for digest in assemble(campaign, read_briefing(campaign.briefing_path)):
        restored = digest_from_snapshot(_through_json(digest_snapshot(digest)))
        assert restored == digest
        assert restored.send_at.utcoffset() == digest.send_at.utcoffset()


def test_an_unknown_version_is_refused_with_a_way_out():
    snapshot = {**campaign_snapshot(load_campaign(EXAMPLE)), "version": 2}
    with pytest.raises(SnapshotError, match=r"version 2.*schedule the campaign again"):
        campaign_from_snapshot(snapshot)
