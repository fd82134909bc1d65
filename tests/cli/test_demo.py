"""`briefcast demo`, the README's main job: lists imported, the series rendered, scheduled and
delivered to the outbox, twice over in one folder."""

import mailbox
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from seed import SEED_THEMES

from briefcast.cli import app

ISSUES = 6


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory) -> tuple[Path, str, str]:
    """The demo run twice in one fresh folder (issues a second apart): (folder, first, second)."""
    folder = tmp_path_factory.mktemp("demo") / "demo"
    outputs = []
    with pytest.MonkeyPatch.context() as patch:
        for name in ("DATABASE_URL", "OUTBOX", "TRANSPORT", "BASE_URL", "SETTINGS"):
            patch.delenv(f"BRIEFCAST_{name}", raising=False)
        for _run in range(2):
            result = CliRunner().invoke(app, ["demo", "--dir", str(folder), "--every", "1"])
            assert result.exit_code == 0, result.output
            outputs.append(result.output)
    return folder, outputs[0], outputs[1]


def _list_id_campaign(message) -> str:
    """'"Learning ..." <national-panel-2020-2.example.org>' -> 'national-panel-2020-2'."""
    return str(message["List-Id"]).rsplit("<", 1)[1].split(".example.org>")[0]


def test_demo_imports_the_lists_and_previews_every_issue(demo_runs):
    folder, output, _second = demo_runs

    preview = folder / "preview"
    assert f"Preview: {preview / 'index.html'}" in output
    assert (folder / "var" / "briefcast.db").exists()
    pages = sorted(preview.glob("0*.html"))
    assert len(pages) == ISSUES
    assert len(sorted(preview.glob("0*.eml"))) == ISSUES
    html = " ".join(page.read_text(encoding="utf-8") for page in pages)
    text = " ".join(page.read_text(encoding="utf-8") for page in preview.glob("0*.txt"))
    for title in SEED_THEMES:
        assert title in html, title
        assert title in " ".join(text.split()), title
    for slug in ("children-social-care", "police", "health", "education", "early-help"):
        assert slug in output
    assert "problems" not in output  # every issue passed its checks


def test_demo_delivers_one_message_per_issue_and_person_to_the_outbox(demo_runs):
    folder, output, _second = demo_runs
    outbox = folder / "var" / "outbox"
    assert f"Outbox: {outbox}" in output
    assert f"Issues: {ISSUES} sent, as campaign national-panel-2020" in output
    messages = [m for m in mailbox.Maildir(outbox, create=False)]
    first_run = [m for m in messages if _list_id_campaign(m) == "national-panel-2020"]
    people = len({m["Delivered-To"] for m in first_run})
    assert people > 250  # the six example lists, less rejected rows and duplicates
    per_issue_and_person = Counter(
        (m["Subject"].split(":")[0], m["Delivered-To"]) for m in first_run
    )
    assert set(per_issue_and_person.values()) == {1}  # nobody got an issue twice
    assert len(per_issue_and_person) == ISSUES * people == len(first_run)
    assert f"Messages: {ISSUES * people} " in output
    sample = first_run[0]
    unsubscribe = " ".join(str(sample["List-Unsubscribe"]).split())  # unfolded
    assert unsubscribe.startswith("<http://localhost:8025/u/")
    assert ", <mailto:unsubscribe@example.org?subject=" in unsubscribe
    assert sample["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sample.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in sample.get_payload()] == ["text/plain", "text/html"]


def test_demo_can_run_twice_the_import_changing_nothing_and_the_series_sent_afresh(demo_runs):
    folder, _first, second = demo_runs
    police = next(line for line in second.splitlines() if line.strip().startswith("police"))
    _rows, added, unchanged = police.split()[1:4]
    assert added == "0"
    assert unchanged != "0"

    assert f"Issues: {ISSUES} sent, as campaign national-panel-2020-2" in second
    messages = list(mailbox.Maildir(folder / "var" / "outbox", create=False))
    runs = Counter(_list_id_campaign(m) for m in messages)
    assert runs["national-panel-2020"] == runs["national-panel-2020-2"]  # nothing resent
    assert set(runs) == {"national-panel-2020", "national-panel-2020-2"}
