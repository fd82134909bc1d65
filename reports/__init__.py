"""The dissemination report: reach and acknowledgement of a campaign by issue, list, agency, theme.

report = build_report(engine, "national-panel-2020")
write_report(report, Path("report.html"))  # or render_html / render_csv / report_json
"""

from __future__ import annotations

from pathlib import Path

from briefcast.reports.build import Counts, Report, ReportError, build_report
from briefcast.reports.render import render_csv, render_html, report_json
from briefcast.safe_output import private_file

FORMATS = {"html": render_html, "csv": render_csv, "json": report_json}


def write_report(report: Report, path: Path, format: str = "html") -> Path:
    """Write the report in `format` (html, csv or json) to `path`; returns the path."""
    text = FORMATS[format](report)
    try:
        if report.people is None:
            path.write_text(text, encoding="utf-8", newline="")
        else:  # per-person rows are personal data: owner-only
            with private_file(path) as file:
                file.write(text)
    except OSError as error:
        raise ReportError(f"{path}: cannot write the report ({error.strerror})") from None
    return path


__all__ = [
    "FORMATS",
    "Counts",
    "Report",
    "ReportError",
    "build_report",
    "render_csv",
    "render_html",
    "report_json",
    "write_report",
]
