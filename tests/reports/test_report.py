"""The dissemination report on a small hand-built ledger: exact counts, three formats, --detail.

The ledger (two lists, five people and one erased, three issues of which two went out):

    issue 1 (domestic abuse, written agreements), started T1
        amy   Health  Example Health Trust  sent      acknowledged
        ana   Health  Example Health Trust  sent      unsubscribed from Health at T1 + 1 day
        pat   Police  Example Police        sent      acknowledged
        pia   Police  Example Police        bounced
        nic   Health  (no organisation)     failed
        --    Health  (erased)              sent      acknowledged
    issue 2 (domestic abuse, including men), started T2 = T1 + 7 days
        amy   sent  acknowledged ("Ask directly.");  ana queued;  pat sent, unsubscribed from all
        lists at T2 + 1 hour;  pia skipped;  nic sent
    issue 3 (professional disputes): scheduled, no ledger rows yet

Not counted as unsubscribes: nic's manual suppression, and amy's from a list she was not
reached through.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from digests import DOMESTIC_ABUSE, WRITTEN_AGREEMENTS
from ledger_rows import (
    CAMPAIGN,
    STARTED,
    add_acknowledgement,
    add_campaign,
    add_delivery,
    add_issue,
    add_list,
    add_person,
    add_unsubscribe,
)

from briefcast.campaigns.model import Theme
from briefcast.cli import app
from briefcast.reports import (
    Counts,
    ReportError,
    build_report,
    render_csv,
    render_html,
    report_json,
)
from briefcast.store.schema import IssueState

T1, T2 = STARTED, STARTED + timedelta(days=7)
INCLUDING_MEN = Theme("including-men", "Including men", ("Fathers are often unseen.",))
DISPUTES = Theme("professional-disputes", "Resolving professional disputes", ("Escalate.",))

ISSUE_1 = Counts(audience=6, sent=4, failed=1, bounced=1, unsubscribed=1, acknowledged=3)
ISSUE_2 = Counts(audience=5, sent=3, skipped=1, pending=1, unsubscribed=1, acknowledged=1)
TOTALS = Counts(
    audience=11, sent=7, failed=1, bounced=1, skipped=1, pending=1, unsubscribed=2, acknowledged=4
)


@pytest.fixture
def ledger(engine):
    with engine.begin() as conn:
        health = add_list(conn, "health", "Health")
        police = add_list(conn, "police", "Police")
        trust, force = "Example Health Trust", "Example Police"
        amy = add_person(conn, "amy@example.org", "Amy Example", trust)
        ana = add_person(conn, "ana@example.org", "Ana Example", trust)
        pat = add_person(conn, "pat@example.net", "Pat Sample", force)
        pia = add_person(conn, "pia@example.net", "Pia Sample", force)
        nic = add_person(conn, "nic@example.org", "Nic Example")
        campaign = add_campaign(conn)
        first = add_issue(conn, campaign, 1, themes=(DOMESTIC_ABUSE, WRITTEN_AGREEMENTS))
        second = add_issue(
            conn,
            campaign,
            2,
            title="Including men",
            themes=(DOMESTIC_ABUSE, INCLUDING_MEN),
            started_at=T2,
        )
        add_issue(
            conn,
            campaign,
            3,
            title="Disputes",
            themes=(DISPUTES,),
            state=IssueState.SCHEDULED,
            started_at=None,
        )
        for person, list_id, status in (
            (amy, health, "sent"),
            (ana, health, "sent"),
            (pat, police, "sent"),
            (pia, police, "bounced"),
            (nic, health, "failed"),
            (None, health, "sent"),
        ):
            delivery = add_delivery(conn, first, person, list_id, status)
            if person in (amy, pat, None):
                add_acknowledgement(conn, delivery)
        for person, list_id, status in (
            (amy, health, "sent"),
            (ana, health, "queued"),
            (pat, police, "sent"),
            (pia, police, "skipped"),
            (nic, health, "sent"),
        ):
            delivery = add_delivery(conn, second, person, list_id, status)
            if person == amy:
                add_acknowledgement(conn, delivery, "Ask directly.")
        add_unsubscribe(conn, "ana@example.org", health, T1 + timedelta(days=1))
        add_unsubscribe(conn, "pat@example.net", None, T2 + timedelta(hours=1))
        add_unsubscribe(conn, "nic@example.org", None, T1 + timedelta(hours=2), "admin")
        add_unsubscribe(conn, "amy@example.org", police, T1 + timedelta(hours=2))
    return engine


def test_counts_per_issue_and_in_total(ledger):
    report = build_report(ledger, CAMPAIGN)
    assert [(i.number, i.counts) for i in report.issues] == [
        (1, ISSUE_1),
        (2, ISSUE_2),
        (3, Counts()),
    ]
    assert report.totals == TOTALS
    assert report.issues[0].themes == ("Domestic Abuse", "Written agreements")
    assert report.totals.percentages() == {
        "sent": 63.6,
        "failed": 9.1,
        "bounced": 9.1,
        "unsubscribed": 28.6,
        "acknowledged": 57.1,
    }
    assert report.issues[2].counts.percentages()["sent"] is None  # nothing to divide by


def test_counts_per_organisation_and_list(ledger):
    report = build_report(ledger, CAMPAIGN)
    assert [(g.label, g.counts) for g in report.organisations] == [
        ("Example Health Trust", Counts(4, 3, 0, 0, 0, 1, 1, 2)),
        ("Example Police", Counts(4, 2, 0, 1, 1, 0, 1, 1)),
        ("(not given)", Counts(2, 1, 1, 0, 0, 0, 0, 0)),
        ("(erased)", Counts(1, 1, 0, 0, 0, 0, 0, 1)),
    ]
    assert [(g.key, g.counts) for g in report.lists] == [
        ("health", Counts(7, 5, 1, 0, 0, 1, 1, 3)),
        ("police", Counts(4, 2, 0, 1, 1, 0, 1, 1)),
    ]


def test_totals_per_theme_add_up_the_issues_that_carried_it(ledger):
    themes = {g.key: g.counts for g in build_report(ledger, CAMPAIGN).themes}
    assert list(themes) == [
        "domestic-abuse",
        "written-agreements",
        "including-men",
        "professional-disputes",
    ]
    assert themes["domestic-abuse"] == ISSUE_1 + ISSUE_2
    assert themes["written-agreements"] == ISSUE_1
    assert themes["including-men"] == ISSUE_2
    assert themes["professional-disputes"] == Counts()


def test_people_only_with_detail(ledger):
    assert build_report(ledger, CAMPAIGN).people is None
    people = build_report(ledger, CAMPAIGN, detail=True).people
    assert len(people) == 11
    by_key = {(p.issue, p.address): p for p in people}
    assert by_key[2, "amy@example.org"].reflection == "Ask directly."
    assert by_key[2, "pat@example.net"].unsubscribed
    assert not by_key[1, "pat@example.net"].unsubscribed
    erased = by_key[1, "(erased)"]
    assert (erased.name, erased.organisation, erased.acknowledged_at is not None) == (
        "",
        "(erased)",
        True,
    )


def test_json_has_aggregates_and_people_only_with_detail(ledger):
    data = json.loads(report_json(build_report(ledger, CAMPAIGN)))
    assert data["version"] == 1 and data["campaign"] == CAMPAIGN
    assert data["totals"]["sent"] == 7 and data["totals"]["percent"]["acknowledged"] == 57.1
    assert [i["acknowledged"] for i in data["issues"]] == [3, 1, 0]
    assert "people" not in data
    assert "@" not in json.dumps(data)
    detailed = json.loads(report_json(build_report(ledger, CAMPAIGN, detail=True)))
    assert len(detailed["people"]) == 11


def test_csv_is_one_table_with_a_section_column(ledger):
    rows = list(csv.DictReader(io.StringIO(render_csv(build_report(ledger, CAMPAIGN)))))
    sections = [row["section"] for row in rows]
    assert (
        sections == ["total"] + ["issue"] * 3 + ["list"] * 2 + ["organisation"] * 4 + ["theme"] * 4
    )
    total = rows[0]
    assert (total["audience"], total["sent"], total["sent_pct"], total["address"]) == (
        "11",
        "7",
        "63.6",
        "",
    )
    detailed = render_csv(build_report(ledger, CAMPAIGN, detail=True))
    people = [r for r in csv.DictReader(io.StringIO(detailed)) if r["section"] == "person"]
    assert len(people) == 11 and people[0]["address"] == "amy@example.org"


def test_html_has_charts_with_tables_and_no_people_unless_asked(ledger):
    page = render_html(build_report(ledger, CAMPAIGN))
    assert page.count("<svg") == 2 and 'role="img"' in page
    assert '<title id="by-agency-title">Reach and acknowledgement by agency' in page
    assert page.count("<table>") == 5  # with the issues reached on time and by catch-up
    assert (
        "@media print" in page
        and "<script" not in page
        and "http"
        not in page.split("</style>")[1].replace('xmlns="http://www.w3.org/2000/svg"', "")
    )
    assert "Example Health Trust" in page and "@example" not in page
    detailed = render_html(build_report(ledger, CAMPAIGN, detail=True))
    assert "amy@example.org" in detailed and "“Ask directly.”" in detailed


def test_an_unknown_campaign_is_a_one_line_error(ledger):
    with pytest.raises(
        ReportError,
        match=r"no scheduled campaign is named 'nope' \(scheduled: national-panel-2020\)",
    ):
        build_report(ledger, "nope")


def test_the_report_command(ledger, database_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = {"BRIEFCAST_DATABASE_URL": database_url}
    runner = CliRunner()
    result = runner.invoke(app, ["report", CAMPAIGN], env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"report-{CAMPAIGN}.html").read_text().startswith("<!doctype html>")
    result = runner.invoke(app, ["report", CAMPAIGN, "--format", "json"], env=env)
    assert json.loads(result.stdout)["totals"]["audience"] == 11
    result = runner.invoke(
        app, ["report", CAMPAIGN, "--format", "csv", "--detail", "--out", "r.csv"], env=env
    )
    assert result.exit_code == 0 and "amy@example.org" in (tmp_path / "r.csv").read_text()
    result = runner.invoke(app, ["report", "nope"], env=env)
    assert result.exit_code == 1
    assert result.output.startswith("error: no scheduled campaign is named 'nope'")


def test_merged_organisations_are_one_row_of_the_report(ledger):
    from briefcast.recipients.organisations import merge, organisations, unmerge
    from briefcast.store.audit import Actor

    admin = Actor.person("Ada Admin")
    merge(ledger, ["Example Police", "Example Health Trust"], "Example Partnership", admin)
    rows = [(g.label, g.counts) for g in build_report(ledger, CAMPAIGN).organisations]
    assert rows[0] == ("Example Partnership", Counts(8, 5, 0, 1, 1, 1, 2, 3))
    assert [label for label, _ in rows[1:]] == ["(not given)", "(erased)"]
    assert {(o.name, o.reported_as) for o in organisations(ledger)} == {
        ("Example Health Trust", "Example Partnership"),
        ("Example Police", "Example Partnership"),
    }
    unmerge(ledger, "Example Police", admin)
    again = {g.label: g.counts for g in build_report(ledger, CAMPAIGN).organisations}
    assert again["Example Partnership"] == Counts(4, 3, 0, 0, 0, 1, 1, 2)  # the trust's people
    assert again["Example Police"] == Counts(4, 2, 0, 1, 1, 0, 1, 1)
