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


SLOW_RELAY = ("ceiling_conn1_per_s", "briefcast_conn8_per_s", "briefcast_conn8/ceiling_conn1_x8")


def figures(stdout: str, count: int) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in stdout.splitlines()[-count:])


def test_benchmark_runs_and_ends_with_name_value_lines():
    command = [sys.executable, str(BENCHMARK), "--recipients", "200", "--naive-sample", "2"]
    result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300)
    assert result.stdout.startswith("sink: ")
    # On PostgreSQL too, unless it is not installed (then a throwaway cluster cannot be made).
    missing = "PostgreSQL is not installed" in result.stdout
    names = FIGURES if missing else (*FIGURES, "briefcast_pg/ceiling")
    found = figures(result.stdout, len(names))
    assert tuple(found) == names
    assert found["recipients"] == "200"
    assert all(float(found[name]) > 0 for name in names if name != "peak_rss_mb_growth")


def test_the_slow_relay_figures():
    command = [
        sys.executable,
        str(BENCHMARK),
        "--recipients",
        "50",
        "--naive-sample",
        "1",
        "--relay-latency-ms",
        "20",
        "--latency-recipients",
        "80",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300)
    assert "sink: aiosmtpd, 20 ms a message" in result.stdout
    names = ("relay_latency_ms", *SLOW_RELAY)
    found = figures(result.stdout, len(names))
    assert tuple(found) == names
    assert found["relay_latency_ms"] == "20.0"
    assert all(float(found[name]) > 0 for name in SLOW_RELAY)
