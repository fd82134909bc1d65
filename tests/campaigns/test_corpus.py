"""The corpus: briefings in the shapes partnerships publish, each with its title and themes.

tests/campaigns/corpus/expected.yaml says, for every file there, what a person reading it would
call its title, themes and other sections. Every file is also checked for lost text: each word
of the file is in the title, a heading, a paragraph or a warning.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from briefcast.campaigns.briefing import read_briefing
from briefcast.campaigns.briefing_text import decode
from briefcast.campaigns.furniture import is_page_marker
from briefcast.campaigns.model import Briefing

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
NOT_BRIEFINGS = {"expected.yaml", ".gitattributes", "README.md"}


def test_every_briefing_in_the_corpus_has_its_expectations():
    files = {path.name for path in CORPUS.iterdir() if path.name not in NOT_BRIEFINGS}
    assert files == set(EXPECTED)
    assert len(files) >= 25


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_title_and_themes(name):
    expected = EXPECTED[name]
    briefing = read_briefing(CORPUS / name)
    assert briefing.title == expected["title"]
    assert [theme.title for theme in briefing.themes] == expected["themes"]
    if "sections" in expected:
        assert [section.title for section in briefing.sections] == expected["sections"]
    assert all(theme.paragraphs for theme in briefing.themes)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_text_is_lost_silently(name):
    briefing = read_briefing(CORPUS / name)
    source = decode((CORPUS / name).read_bytes())
    missing = _words(source) - _words(_everything(briefing))
    assert not missing, f"words of {name} found nowhere in what was read: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_theme_has_a_note_saying_how_sure_the_reader_is(name):
    briefing = read_briefing(CORPUS / name)
    notes = {note.title: note for note in briefing.headings if note.role == "theme"}
    assert [theme.title for theme in briefing.themes] == [title for title in notes]
    assert all(
        note.confidence in {"high", "medium", "low"} and note.reason for note in notes.values()
    )


def _words(text: str) -> set[str]:
    # Page markers are the one thing dropped without a word; bullets ("o") are written "•".
    # Words are letters only: a footnote marker stuck to one ("neglected1", "like³") is dropped.
    lines = [line for line in text.splitlines() if not is_page_marker(line.strip())]
    text = re.sub("[¹²³⁴-⁹⁰]", " ", "\n".join(lines))
    words = re.findall(r"[^\W\d_]+", text.lower())
    return {word for word in words if not word.isdigit() and len(word) > 1}


def _everything(briefing: Briefing) -> str:
    parts = [briefing.title, *briefing.warnings, *(note.title for note in briefing.headings)]
    for part in (*briefing.sections, *briefing.themes):
        parts += [part.title, *part.paragraphs]
    return "\n".join(parts)
