"""The send benchmark still runs (at a small size: it is a measurement, not a timed test)."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BENCHMARK = Path(__file__).parents[2] / "benchmarks" / "send_throughput.py"
FIGURES = (
    "recipients",
    "message_bytes",
    "ceiling_per_s",
    "briefcast_per_s",
    "outbox_per_s",
    "naive_per_s",
    "smtplib_per_s",
    "briefcast/ceiling",
    "briefcast/naive",
    "ceiling/naive",
    "outbox/smtp",
    "build_us",
    "naive_build_us",
    "naive_build/build",
    "peak_rss_mb",
    "peak_rss_mb_10x",
    "peak_rss_mb_growth",
)


def test_benchmark_runs_and_ends_with_name_value_lines():
    command = [sys.executable, str(BENCHMARK), "--recipients", "200", "--naive-sample", "2"]
    result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("sink: ")
    figures = dict(line.split(": ", 1) for line in lines[-len(FIGURES) :])
    assert tuple(figures) == FIGURES
    assert figures["recipients"] == "200"
    assert all(float(figures[name]) > 0 for name in FIGURES if name != "peak_rss_mb_growth")
