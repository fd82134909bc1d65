"""Stored expected output: one rendered issue, HTML and text, compared byte for byte.

A change here is a change in what practitioners receive. When a template, the stylesheet or a
library upgrade changes the output on purpose, regenerate the files with

    BRIEFCAST_UPDATE_EXPECTED=1 pytest tests/campaigns/test_render_expected.py

and review the diff of tests/campaigns/expected/ (open digest.html in a browser) before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from digests import make_digest

from briefcast.campaigns.render import render_digest

EXPECTED = Path(__file__).parent / "expected"
UPDATE = os.environ.get("BRIEFCAST_UPDATE_EXPECTED") == "1"


@pytest.fixture(scope="module")
def issue():
    return render_digest(make_digest())


@pytest.mark.parametrize("part", ["html", "txt"])
def test_rendered_issue_matches_the_stored_output(issue, part):
    actual = issue.html if part == "html" else issue.text
    stored = EXPECTED / f"digest.{part}"
    if UPDATE:
        stored.write_bytes(actual.encode("utf-8"))
    assert stored.exists(), f"{stored} is missing: run with BRIEFCAST_UPDATE_EXPECTED=1"
    assert actual == stored.read_bytes().decode("utf-8"), (
        f"the rendered {part} differs from {stored}; if the change is intended, regenerate with "
        "BRIEFCAST_UPDATE_EXPECTED=1 and review the diff"
    )
