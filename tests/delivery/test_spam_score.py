"""SpamAssassin (Debian's package, offline: no network tests) scores every example issue, as the
sample reader's message, at most 0.5. Skipped, saying why, where SpamAssassin is not installed;
.ci/run installs it."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from briefcast.delivery.preview import preview_campaign

EXAMPLE = Path(__file__).parents[2] / "examples" / "national-panel-2020" / "campaign.yaml"
MAX_SCORE = 0.5
SPAMASSASSIN = shutil.which("spamassassin")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        SPAMASSASSIN is None,
        reason="SpamAssassin is not installed (apt-get install spamassassin; .ci/run does)",
    ),
]


@pytest.fixture(scope="module")
def messages(tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("preview")
    result = preview_campaign(
        EXAMPLE, out, base_url="https://briefings.example.org", today=date(2027, 1, 4)
    )
    assert result.ok
    found = sorted(out.glob("*.eml"))
    assert len(found) == 6
    return found


def score(message: Path, home: Path) -> tuple[float, str]:
    """(score, the rules that fired) from `spamassassin -L -t` (local tests only)."""
    report = subprocess.run(
        # Our own empty user preferences: nothing from (or written to) ~/.spamassassin.
        [str(SPAMASSASSIN), "-L", "-t", "-p", str(home / "prefs")],
        input=message.read_bytes(),
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout.decode("utf-8", "replace")
    status = re.search(r"^X-Spam-Status: \w+, score=(-?[\d.]+)[^\n]*(?:\n\s+[^\n]*)*", report, re.M)
    assert status is not None, report[-2000:]
    return float(status[1]), " ".join(status[0].split())


def test_every_example_issue_scores_at_most_half_a_point(messages, tmp_path):
    (tmp_path / "prefs").write_text("", "utf-8")
    for message in messages:
        points, rules = score(message, tmp_path)
        assert points <= MAX_SCORE, f"{message.name}: {rules}"
