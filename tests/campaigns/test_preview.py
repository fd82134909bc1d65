"""Preview and check the example campaign: the library functions and the two commands."""

from __future__ import annotations

import email.policy
import html
from datetime import date
from email.parser import BytesParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefcast.campaigns import render
from briefcast.campaigns.briefing import read_briefing
from briefcast.campaigns.preview import CampaignProblemsError, check_campaign_file
from briefcast.cli import app
from briefcast.delivery.preview import preview_campaign

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "national-panel-2020"
CAMPAIGN = EXAMPLE / "campaign.yaml"
BEFORE_THE_SERIES = date(2027, 1, 4)
BASE_URL = "https://briefcast.example.org"


@pytest.fixture(scope="module")
def previewed(tmp_path_factory):
    out = tmp_path_factory.mktemp("preview")
    return preview_campaign(CAMPAIGN, out, base_url=BASE_URL, today=BEFORE_THE_SERIES)


def test_every_issue_is_written_as_html_text_and_message(previewed):
    assert len(previewed.issues) == 6
    for issue in previewed.issues:
        stem = issue.digest.slug
        assert stem.startswith(f"{issue.digest.number:02d}-")
        for suffix in (".html", ".txt", ".eml"):
            assert (previewed.out_dir / f"{stem}{suffix}").is_file(), stem + suffix
    assert previewed.index == previewed.out_dir / "index.html"


def test_every_check_passes_on_the_example(previewed):
    assert previewed.ok, [issue.problems for issue in previewed.issues]


def test_all_eleven_themes_appear_in_the_html_and_the_text(previewed):
    themes = read_briefing(EXAMPLE / "briefing.txt").themes
    assert len(themes) == 11
    pages = " ".join(html.unescape(p.read_text("utf-8")) for p in previewed.out_dir.glob("*.html"))
    texts = " ".join(p.read_text("utf-8") for p in previewed.out_dir.glob("[0-9]*.txt"))
    for theme in themes:
        assert theme.title in pages, theme.title
        assert theme.title in texts, theme.title


def test_the_sample_reader_gets_links_on_the_base_url(previewed):
    page = next(previewed.out_dir.glob("02-*.html")).read_text("utf-8")
    assert "Dear Sam Sample," in page
    assert f'href="{BASE_URL}/u/preview-token"' in page
    assert f'href="{BASE_URL}/a/preview-token"' in page
    assert "[[" not in page


def test_the_eml_is_the_whole_message_for_the_sample_reader(previewed):
    raw = next(previewed.out_dir.glob("02-*.eml")).read_bytes()
    message = BytesParser(policy=email.policy.default).parsebytes(raw)
    assert str(message["To"]) == "Sam Sample <sam.sample@example.org>"
    assert message["Subject"] == previewed.issues[1].digest.subject
    assert message.get_content_type() == "multipart/alternative"
    for header in ("From", "Date", "Message-ID", "List-Id", "List-Unsubscribe"):
        assert message[header], header
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"<{BASE_URL}/u/preview-token>" in message["List-Unsubscribe"]


def test_the_index_lists_issues_dates_subjects_lists_and_results(previewed):
    index = html.unescape(previewed.index.read_text("utf-8"))
    assert '<html lang="en-GB">' in index
    for issue in previewed.issues:
        assert issue.digest.subject in index
        assert f'href="{issue.digest.slug}.html"' in index
    assert "Tuesday 13 April 2027, 09:30" in index
    assert "children-social-care" in index
    assert index.count("Passed") == 6


def test_check_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = check_campaign_file(CAMPAIGN, today=BEFORE_THE_SERIES)
    assert result.ok and result.out_dir is None
    assert list(tmp_path.iterdir()) == []


def test_the_default_folder_is_preview_slash_the_campaign_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = preview_campaign(CAMPAIGN, base_url=BASE_URL, today=BEFORE_THE_SERIES)
    assert result.out_dir == Path("preview/national-panel-2020")
    assert (tmp_path / "preview/national-panel-2020/index.html").is_file()


def copy_campaign(tmp_path: Path, *, broken: bool = False) -> Path:
    """The example, moved to a year that stays in the future (the commands check against today)."""
    text = CAMPAIGN.read_text("utf-8")
    text = text.replace("briefing: briefing.txt", f"briefing: {EXAMPLE / 'briefing.txt'}")
    text = text.replace("2027-", "2099-")
    if broken:
        text = text.replace("- domestic-abuse", "- domestic-abuses", 1)
    path = tmp_path / "campaign.yaml"
    path.write_text(text, "utf-8")
    return path


def test_campaign_errors_stop_before_rendering(tmp_path):
    with pytest.raises(CampaignProblemsError) as raised:
        check_campaign_file(copy_campaign(tmp_path, broken=True))
    assert any("domestic-abuses" in str(problem) for problem in raised.value.problems)
    assert str(raised.value).startswith(f"{tmp_path / 'campaign.yaml'}: 1 error in the campaign")


# -- the commands -------------------------------------------------------------------------------


def test_preview_command_writes_and_says_where(tmp_path, monkeypatch):
    monkeypatch.setenv("BRIEFCAST_BASE_URL", BASE_URL)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["preview", str(copy_campaign(tmp_path)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote 6 issues to {out}" in result.output
    assert result.output.count("OK ") == 6
    assert f"{BASE_URL}/u/preview-token" in next(out.glob("01-*.html")).read_text("utf-8")


def test_check_command_reports_each_issue(tmp_path):
    result = CliRunner().invoke(app, ["check", str(copy_campaign(tmp_path))])
    assert result.exit_code == 0, result.output
    assert result.output.count("OK ") == 6
    assert not (tmp_path / "preview").exists()


def test_check_shows_the_partly_supported_css_once_each_as_a_note(tmp_path):
    result = CliRunner().invoke(app, ["check", str(copy_campaign(tmp_path))])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if line.startswith("- ")]
    assert notes == [f"- {note}" for note in render.outlook_notes()]
    # Our stylesheets use partly supported features (margins on headings, the hidden preheader).
    assert any("(caniemail css-display-none)" in note for note in notes)
    assert "Notes, not failures" in result.output


def test_campaign_errors_are_listed_and_exit_1(tmp_path):
    result = CliRunner().invoke(app, ["check", str(copy_campaign(tmp_path, broken=True))])
    assert result.exit_code == 1
    assert "error: unknown theme 'domestic-abuses'" in result.output
    assert "1 error in the campaign; fix them and run again" in result.output
    assert "Traceback" not in result.output


def test_a_failed_render_check_still_writes_the_files_and_exits_1(tmp_path, monkeypatch):
    monkeypatch.setattr(
        "briefcast.campaigns.render.run_checks", lambda *args: ["the HTML is over 100 KB"]
    )
    campaign = copy_campaign(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["preview", str(campaign), "--out", str(out)])
    assert result.exit_code == 1
    assert result.output.count("FAILED") == 6
    assert "the HTML is over 100 KB" in result.output
    assert len(list(out.glob("*.html"))) == 7  # six issues and the index
    assert "Failed" in (out / "index.html").read_text("utf-8")

    result = CliRunner().invoke(app, ["check", str(campaign)])
    assert result.exit_code == 1
