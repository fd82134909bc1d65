"""`briefcast plan`: a draft campaign file from a briefing, through the real command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from click.testing import CliRunner

from briefcast.campaigns.briefing import read_briefing
from briefcast.campaigns.plan import check_campaign, load_campaign
from briefcast.cli import app

SEED = Path(__file__).parents[2] / "examples" / "national-panel-2020" / "briefing.txt"


def plan(*args: str):
    return CliRunner().invoke(app, ["plan", str(SEED), *args])


def test_the_draft_goes_to_stdout_and_loads_with_only_its_unwritten_lines_as_errors(tmp_path):
    result = plan("--start", "2027-04-13", "--lists", "police, health")

    assert result.exit_code == 0, result.output
    out = tmp_path / "campaign.yaml"
    # Printed drafts name the briefing relative to where the command ran; save it beside that.
    draft = yaml.safe_load(result.stdout)
    out.write_text(result.stdout.replace(draft["briefing"], str(SEED)), encoding="utf-8")
    campaign = load_campaign(out)
    found = check_campaign(campaign, read_briefing(SEED), today=date(2026, 11, 26))
    # The seed has no questions of its own and the opening intro is for a person to write.
    assert found and all(
        p.level == "error" and p.message.endswith("is still to be written") for p in found
    )
    assert campaign.lists == ("police", "health")
    assert campaign.schedule.start == date(2027, 4, 13)


def test_writing_a_file_names_the_briefing_relative_to_it_and_summarises(tmp_path):
    out = tmp_path / "series" / "campaign.yaml"
    out.parent.mkdir()

    result = plan("--start", "2027-04-13", "--every", "2w", "--out", str(out))

    assert result.exit_code == 0, result.output
    campaign = load_campaign(out)
    assert campaign.briefing_path.resolve() == SEED.resolve()
    assert campaign.schedule.every_days == 14
    assert result.stderr.startswith(f"wrote {out}: {len(campaign.issues)} issues")
    assert "Part 1 of" in result.stderr and "Tue 13 Apr 2027 09:30" in result.stderr
    assert "Tue 27 Apr 2027 09:30" in result.stderr


def test_the_default_start_is_a_tuesday_at_least_a_week_away():
    result = plan()

    assert result.exit_code == 0, result.output
    start = yaml.safe_load(result.stdout)["schedule"]["start"]
    assert start.weekday() == 1
    assert 7 <= (start - date.today()).days < 14


def test_an_existing_file_is_kept_unless_forced(tmp_path):
    out = tmp_path / "campaign.yaml"
    out.write_text("mine\n", encoding="utf-8")

    refused = plan("--start", "2027-04-13", "--out", str(out))
    assert refused.exit_code == 1
    assert refused.stderr == f"error: {out}: already exists; use --force to replace it\n"
    assert out.read_text(encoding="utf-8") == "mine\n"

    forced = plan("--start", "2027-04-13", "--out", str(out), "--force")
    assert forced.exit_code == 0, forced.output
    assert load_campaign(out).schedule.start == date(2027, 4, 13)


def test_a_bad_cadence_is_a_usage_error():
    result = plan("--every", "monthly")
    assert result.exit_code == 2
    assert "'monthly' is not a cadence" in result.stderr


def test_a_briefing_that_cannot_be_read_is_one_line_and_exit_1(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    result = CliRunner().invoke(app, ["plan", str(empty)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


def test_a_missing_output_folder_is_one_line_and_exit_1(tmp_path):
    out = tmp_path / "no-such-folder" / "campaign.yaml"
    result = plan("--out", str(out))
    assert result.exit_code == 1
    assert result.stderr == f"error: {out}: the folder {out.parent} does not exist\n"


def test_the_briefing_path_is_relative_to_the_campaign_file(tmp_path):
    briefing = tmp_path / "briefings" / "seed.txt"
    briefing.parent.mkdir()
    briefing.write_bytes(SEED.read_bytes())
    out = tmp_path / "series" / "campaign.yaml"
    out.parent.mkdir()

    result = CliRunner().invoke(app, ["plan", str(briefing), "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert "\nbriefing: ../briefings/seed.txt\n" in out.read_text(encoding="utf-8")
    assert load_campaign(out).briefing_path.resolve() == briefing
