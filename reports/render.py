"""The report as HTML (charts and tables, printable), CSV (one table) or JSON."""

from __future__ import annotations

import io
import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from briefcast.delivery.status import UNKNOWN_MEANS, UNKNOWN_TO_DO
from briefcast.html_templates import html_environment
from briefcast.reports.build import Counts, Group, IssueLine, Person, Report
from briefcast.reports.charts import Series, bar_chart
from briefcast.safe_output import csv_dict_writer

TEMPLATES = Path(__file__).resolve().parent / "templates"
REACHED = Series("Reached", "#12355b")
ACKNOWLEDGED = Series("Acknowledged", "#9c4400")

COUNT_COLUMNS = tuple(Counts.__dataclass_fields__)
PERCENT_COLUMNS = ("sent_pct", "failed_pct", "bounced_pct", "unsubscribed_pct", "acknowledged_pct")
PERSON_COLUMNS = (
    "issue",
    "address",
    "name",
    "organisation",
    "list",
    "status",
    "person_unsubscribed",  # not "unsubscribed": that column holds the count
    "acknowledged_at",
    "reflection",
)
CATCH_UP_COLUMNS = ("reached_on_time", "reached_by_catch_up", "acknowledged_by_catch_up")
CSV_COLUMNS = (
    "section",
    "key",
    "label",
    *COUNT_COLUMNS,
    *PERCENT_COLUMNS,
    *CATCH_UP_COLUMNS,
    *PERSON_COLUMNS,
)

DEFINITIONS = {
    "audience": "people the issue was for (rows of the delivery ledger)",
    "sent": "messages the mail relay accepted; % of the audience",
    "failed": "messages refused for good or given up after retries; % of the audience",
    "bounced": "addresses that do not exist (now suppressed); % of the audience",
    "unsubscribed": "people who used the unsubscribe link while this issue was the latest; "
    "% of those sent",
    "acknowledged": "people who pressed “I’ve read this”; % of those sent",
    "came back later": "messages the relay accepted that a delivery report (bounce) later "
    "returned; included in failed or bounced",
    "unknown": f"outcome unknown: {UNKNOWN_MEANS}; {UNKNOWN_TO_DO} "
    "(briefcast send-now CAMPAIGN --issue N --resend-unknown; a catch-up's: "
    "briefcast send-now CAMPAIGN --catch-ups --resend-unknown)",
    "reached_on_time": "people sent the issue when it went out (the same as sent)",
    "reached_by_catch_up": "people who joined a list later and were sent it in a catch-up",
    "acknowledged_by_catch_up": "people who pressed “I’ve read this” in a catch-up naming it",
}


def render_html(report: Report) -> str:
    """A standalone page: figures, two charts with their tables, and the definitions."""
    environment = html_environment(TEMPLATES)
    environment.filters["percent"] = _percent
    environment.filters["moment"] = _moment
    charts = {
        "agencies": bar_chart(
            "by-agency",
            "Reach and acknowledgement by agency",
            [(g.label, _rates(g.counts)) for g in report.organisations],
            [REACHED, ACKNOWLEDGED],
        ),
        "series": bar_chart(
            "over-series",
            "Reach and acknowledgement over the series",
            [(f"Part {i.number}: {i.title}", _rates(i.counts)) for i in report.issues],
            [REACHED, ACKNOWLEDGED],
        ),
    }
    return environment.get_template("report.html.j2").render(
        report=report, charts=charts, definitions=DEFINITIONS
    )


def render_csv(report: Report) -> str:
    """One table: a `section` column says what each row is (total, issue, list, organisation,
    theme, and with --detail person); the other columns are empty where they do not apply."""
    out = io.StringIO()
    writer = csv_dict_writer(out, CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(_count_row("total", "", report.title, report.totals))
    for issue in report.issues:
        row = _count_row("issue", str(issue.number), issue.title, issue.counts)
        row |= dict(zip(CATCH_UP_COLUMNS, _catch_up_values(issue), strict=True))
        writer.writerow(row)
    for section, groups in (
        ("list", report.lists),
        ("organisation", report.organisations),
        ("theme", report.themes),
    ):
        for group in groups:
            writer.writerow(_count_row(section, group.key, group.label, group.counts))
    if report.catch_up_unknown:  # only the count that is kept apart (Report.catch_up_unknown)
        writer.writerow(
            {"section": "catch-ups", "label": "Catch-ups", "unknown": report.catch_up_unknown}
        )
    for person in report.people or ():
        values = _person(person)
        values["person_unsubscribed"] = values.pop("unsubscribed")
        writer.writerow({"section": "person", **values})
    return out.getvalue()


def report_json(report: Report) -> str:
    data: dict[str, Any] = {
        "version": 1,
        "campaign": report.campaign,
        "title": report.title,
        "generated_at": report.generated_at.isoformat(),
        "definitions": DEFINITIONS,
        "totals": _counts(report.totals),
        "issues": [_issue(issue) for issue in report.issues],
        "lists": [_group(g) for g in report.lists],
        "organisations": [_group(g) for g in report.organisations],
        "themes": [_group(g) for g in report.themes],
        "catch_ups": {"unknown": report.catch_up_unknown},
    }
    data["flagged"] = [{**asdict(flag), "since": flag.since.isoformat()} for flag in report.flagged]
    if report.people is not None:
        data["people"] = [_person(person) for person in report.people]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _counts(counts: Counts) -> dict[str, Any]:
    return {**asdict(counts), "percent": counts.percentages()}


def _group(group: Group) -> dict[str, Any]:
    return {"key": group.key, "label": group.label, **_counts(group.counts)}


def _issue(issue: IssueLine) -> dict[str, Any]:
    return {
        "number": issue.number,
        "title": issue.title,
        "themes": list(issue.themes),
        "state": issue.state,
        "started_at": issue.started_at.isoformat() if issue.started_at else None,
        **_counts(issue.counts),
        "reached_on_time": issue.on_time,
        "reached_by_catch_up": issue.by_catch_up,
        "acknowledged_by_catch_up": issue.acknowledged_by_catch_up,
    }


def _catch_up_values(issue: IssueLine) -> tuple[int, int, int]:
    return issue.on_time, issue.by_catch_up, issue.acknowledged_by_catch_up


def _person(person: Person) -> dict[str, Any]:
    values = asdict(person)
    values["acknowledged_at"] = _iso(person.acknowledged_at)
    return values


def _count_row(section: str, key: str, label: str, counts: Counts) -> dict[str, Any]:
    percents = {f"{name}_pct": value for name, value in counts.percentages().items()}
    return {"section": section, "key": key, "label": label, **asdict(counts), **percents}


def _rates(counts: Counts) -> tuple[float | None, float | None]:
    return counts.reached, counts.acknowledged_rate


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:g}%"


def _moment(value: datetime | None) -> str:
    return f"{value:%d %b %Y %H:%M} UTC" if value else "–"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
