"""The import benchmark still runs (at a small size: it is a measurement, not a timed test)."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BENCHMARK = Path(__file__).parents[2] / "benchmarks" / "import_lists.py"
FIGURES = {"rows", "parse_rows_per_s", "import_rows_per_s", "import/parse", "peak_rss_mb"}


def test_benchmark_runs_and_ends_with_name_value_lines():
    command = [sys.executable, str(BENCHMARK), "--rows", "500"]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    figures = dict(line.split(": ", 1) for line in result.stdout.splitlines()[-len(FIGURES) :])
    assert set(figures) == FIGURES
    assert figures["rows"] == "500" and float(figures["import_rows_per_s"]) > 0
