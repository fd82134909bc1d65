"""`briefcast demo`, the README's main job: lists imported and the series rendered, twice over."""

from pathlib import Path

from click.testing import CliRunner
from seed import SEED_THEMES

from briefcast.cli import app


def _run_demo(folder: Path, monkeypatch) -> str:
    monkeypatch.delenv("BRIEFCAST_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["demo", "--dir", str(folder)])
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_imports_the_lists_and_previews_every_issue(tmp_path, monkeypatch):
    folder = tmp_path / "demo"
    output = _run_demo(folder, monkeypatch)

    preview = folder / "preview"
    assert f"Preview: {preview / 'index.html'}" in output
    assert (folder / "var" / "briefcast.db").exists()
    pages = sorted(preview.glob("0*.html"))
    assert len(pages) == 6
    assert len(sorted(preview.glob("0*.eml"))) == 6
    html = " ".join(page.read_text(encoding="utf-8") for page in pages)
    text = " ".join(page.read_text(encoding="utf-8") for page in preview.glob("0*.txt"))
    for title in SEED_THEMES:
        assert title in html, title
        assert title in " ".join(text.split()), title
    for slug in ("children-social-care", "police", "health", "education", "early-help"):
        assert slug in output
    assert "problems" not in output  # every issue passed its checks


def test_demo_can_run_twice_and_the_second_import_changes_nothing(tmp_path, monkeypatch):
    folder = tmp_path / "demo"
    _run_demo(folder, monkeypatch)
    second = _run_demo(folder, monkeypatch)
    police = next(line for line in second.splitlines() if line.strip().startswith("police"))
    _rows, added, unchanged = police.split()[1:4]
    assert added == "0"
    assert unchanged != "0"
