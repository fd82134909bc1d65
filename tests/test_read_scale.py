"""The read benchmark still runs (at a tiny size: it is a measurement, not a timed test)."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BENCHMARK = Path(__file__).parents[1] / "benchmarks" / "read_scale.py"
READS = (
    "status",
    "status_one_campaign",
    "console_campaign_list",
    "console_campaign_page",
    "console_people_search",
    "report_html",
    "report_json",
    "web_archive",
    "web_issue",
    "web_link_page",
    "web_example_link",
)


def test_read_scale_runs_and_ends_with_ratios(database_url):
    command = [sys.executable, str(BENCHMARK), "--people", "300", "--campaigns", "2"]
    command += ["--rows", "1500"]
    if database_url.startswith("postgresql"):
        command += ["--database-url", database_url]
    result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300)
    assert result.stdout.startswith("built 300 people, 2 campaigns, 1500 ledger rows")
    lines = result.stdout.splitlines()[-len(READS) - 2 :]
    figures = dict(line.split(": ", 1) for line in lines)
    assert tuple(figures) == (*READS, "worst_read/count", "report_rss_mb_growth")
    ratios = [float(figures[name]) for name in READS]
    assert all(ratio > 0 for ratio in ratios)
    assert float(figures["worst_read/count"]) == pytest.approx(max(ratios), abs=0.01)
    float(figures["report_rss_mb_growth"])  # a number (it may be negative: noise)
