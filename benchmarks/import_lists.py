"""How fast `lists import` is, beside its ceiling: merely parsing the same CSV with the csv module.

    python benchmarks/import_lists.py [--rows 100000] [--database-url URL]

Generates an agency-style CSV in a temporary folder, times a plain csv.reader pass over it, then a
full import (validation, normalisation, staging, merge, one transaction) into a fresh SQLite file
(or the database given). Ends with `name: value` lines for the README.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import tempfile
import time
from pathlib import Path

from briefcast.recipients import import_list
from briefcast.store import open_database

ROLES = ("Social worker", "Health visitor", "Designated safeguarding lead", "Police sergeant")


def generate(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(("Email", "First name", "Surname", "Organisation", "Job title"))
        for i in range(rows):
            domain = "example.org" if i % 2 else "example.net"
            writer.writerow(
                (f"person.{i}@{domain}", "Person", f"Number{i}", "Agency", ROLES[i % len(ROLES)])
            )


def parse_only(path: Path) -> int:
    with open(path, encoding="utf-8", newline="") as file:
        return sum(1 for _ in csv.reader(file)) - 1


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp folder")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="briefcast-bench-") as folder:
        path = Path(folder) / "agency.csv"
        generate(path, args.rows)
        start = time.perf_counter()
        parsed = parse_only(path)
        parse_seconds = time.perf_counter() - start

        engine = open_database(args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}")
        start = time.perf_counter()
        report = import_list(engine, path, "benchmark", sync=True)
        import_seconds = time.perf_counter() - start
        engine.dispose()

    assert parsed == args.rows and report.counts.rows == args.rows, (parsed, report.counts)
    print(f"{args.rows} rows, {path.name}; database {engine.url.get_backend_name()}")
    print(f"parse only: {parse_seconds:.3f} s   import: {import_seconds:.3f} s")
    print(f"rows: {args.rows}")
    print(f"parse_rows_per_s: {args.rows / parse_seconds:.0f}")
    print(f"import_rows_per_s: {args.rows / import_seconds:.0f}")
    print(f"import/parse: {import_seconds / parse_seconds:.1f}")
    print(f"peak_rss_mb: {peak_rss_mb():.1f}")


if __name__ == "__main__":
    main()
