"""What a report does, straight through act_on (the IMAP path is test_fetch.py): the report and
`status` count what came back apart from refusals at send time; soft bounces wait for three
issues; a report read again changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from bounce_world import REPORTS, build, rows
from ledger_rows import CAMPAIGN, database_contents
from sqlalchemy import select, update

from briefcast.bounces.actions import act_on
from briefcast.bounces.parser import read_message
from briefcast.delivery.status import campaign_status
from briefcast.reports.build import build_report
from briefcast.settings import RateLimits
from briefcast.store.audit import history
from briefcast.store.engine import read, write
from briefcast.store.schema import deliveries, read_utc, recipients, suppressions


def _act(engine, *names: str):
    outcomes = []
    for name in names:
        outcomes += act_on(engine, read_message((REPORTS / name).read_bytes()))
    return outcomes


def _suppressed(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(suppressions.c.address)).scalars())


def test_the_report_and_status_count_what_came_back_apart_from_refusals_at_send(engine):
    build(engine)
    with write(engine) as conn:  # a refusal at send time, as the send loop records it
        nia = select(recipients.c.id).where(recipients.c.address == "nia.noble@example.net")
        conn.execute(
            update(deliveries)
            .where(deliveries.c.recipient_id == nia.scalar_subquery())
            .values(status="bounced", sent_at=None, message_id=None)
        )
    _act(
        engine,
        "exchange-5.1.10-recipient-not-found.eml",
        "postfix-5.1.1-user-unknown.eml",
        "exchange-5.7.133-group-refuses-outside-senders.eml",
    )

    report = build_report(engine, CAMPAIGN)
    first = report.issues[0].counts
    assert (first.bounced, first.returned, first.failed) == (3, 3, 1)
    assert first.sent == 14 - 4  # 14 rows in issue 1: four did not arrive after all
    (status,) = campaign_status(engine, RateLimits(), CAMPAIGN)
    counts = status.issues[0].counts
    assert (counts["bounced"], counts["came_back"], counts["failed"]) == (3, 3, 1)


def test_soft_bounces_for_two_issues_suppress_nobody_and_a_third_does(engine):
    build(engine)
    outcomes = _act(
        engine, "postfix-4.4.1-gave-up-issue-1.eml", "postfix-4.4.1-gave-up-issue-2.eml"
    )
    assert [o.action for o in outcomes] == ["soft", "soft"]
    assert "kim.king@example.net" not in _suppressed(engine)
    [third] = _act(engine, "postfix-4.4.1-gave-up-issue-3.eml")
    assert third.action == "suppressed"
    assert "kim.king@example.net" in _suppressed(engine)


def test_the_same_soft_report_twice_counts_once(engine):
    build(engine)
    _act(engine, "postfix-4.4.1-gave-up-issue-1.eml")
    assert _act(engine, "postfix-4.4.1-gave-up-issue-1.eml") == []


def test_a_report_read_again_changes_nothing(engine):
    build(engine)
    _act(engine, "exchange-5.7.705-tenant-blocked.eml")
    before = database_contents(engine)
    assert _act(engine, "exchange-5.7.705-tenant-blocked.eml") == []
    assert database_contents(engine) == before


def test_a_block_pauses_going_and_due_issues_with_the_reason_and_an_audit_entry(engine):
    world = build(engine)
    [outcome] = _act(engine, "exchange-5.7.705-tenant-blocked.eml")
    assert outcome.action == "stopped" and "2 issue(s)" in outcome.message
    with read(engine) as conn:
        entries = history(conn, action_prefix="issue.paused")
    assert {e.issue_id for e in entries} == {world.issue_ids[4], world.issue_ids[5]}
    assert all(e.actor.name == "bounce reader" and "5.7.705" in e.reason for e in entries)
    assert {e.from_state for e in entries} == {"sending", "scheduled"}


def test_a_report_for_someone_else_with_our_message_id_is_kept_not_guessed(engine):
    build(engine)
    data = (REPORTS / "exchange-5.1.10-recipient-not-found.eml").read_bytes()
    other = data.replace(b"ann.archer@example.net", b"ann.archer@example.org")
    [outcome] = act_on(engine, read_message(other))
    assert outcome.action == "kept" and outcome.campaign is None
    assert rows(engine)["ann.archer@example.net", 1]["status"] == "sent"
    assert _suppressed(engine) == set()


def test_a_delivered_notification_is_not_a_failure(engine):
    build(engine)
    data = (REPORTS / "postfix-5.1.1-user-unknown.eml").read_bytes()
    delivered = data.replace(b"Action: failed", b"Action: delivered").replace(
        b"Status: 5.1.1", b"Status: 2.0.0"
    )
    assert act_on(engine, read_message(delivered)) == []
    assert rows(engine)["jon.jones@example.net", 1]["status"] == "sent"


def test_erasing_a_bounced_person_takes_the_reports_that_name_them(engine):
    from briefcast.recipients.subject_requests import forget
    from briefcast.store.schema import bounce_reports

    build(engine)
    _act(engine, "exchange-5.1.10-recipient-not-found.eml", "postfix-5.1.1-user-unknown.eml")

    forget(engine, "ann.archer@example.net", actor="A. Lee")

    with engine.connect() as conn:
        left = conn.execute(select(bounce_reports.c.recipient, bounce_reports.c.diagnostic)).all()
    assert [recipient for recipient, _ in left] == ["jon.jones@example.net"]
    assert all("ann.archer" not in (words or "") for _, words in left)


def test_the_report_names_the_organisations_refusing_its_emails(engine):
    from briefcast.reports.render import render_html, report_json

    build(engine)
    _act(
        engine,
        "exchange-5.7.133-group-refuses-outside-senders.eml",
        "exchange-5.7.124-not-in-allowed-senders.eml",
    )
    report = build_report(engine, CAMPAIGN)
    [flag] = report.flagged
    assert (flag.list, flag.organisation, flag.domain, flag.code, flag.reports) == (
        "Police and MASH",
        "Example Police",
        "example.net",
        "5.7.124",  # the latest report's code
        2,
    )
    assert "Organisations refusing these emails" in render_html(report)
    assert '"domain": "example.net"' in report_json(report)


def test_a_quota_pause_is_retried_after_24_hours_by_itself(engine):
    from datetime import UTC, datetime, timedelta

    from briefcast.bounces.actions import resume_after_quota
    from briefcast.store.schema import issues

    world = build(engine)
    _act(engine, "exchange-5.1.90-daily-recipient-limit.eml")
    paused_at = datetime.now(UTC)

    assert resume_after_quota(engine, now=paused_at + timedelta(hours=23)) == 0
    later = paused_at + timedelta(hours=25)
    assert resume_after_quota(engine, now=later) == 1

    with engine.connect() as conn:
        state, planned = conn.execute(
            select(issues.c.state, issues.c.planned_at).where(issues.c.id == world.issue_ids[4])
        ).one()
    assert state == "scheduled"
    assert abs(planned.replace(tzinfo=UTC) - later) < timedelta(seconds=1)
    with read(engine) as conn:
        [entry] = [
            e for e in history(conn, action_prefix="issue.scheduled") if e.from_state == "paused"
        ]
    assert entry.issue_id == world.issue_ids[4] and entry.actor.name == "bounce reader"
    assert entry.reason == "the sending limit has had 24 hours to reset"
    # A block is not a quota: it waits for a person.
    _act(engine, "exchange-5.7.705-tenant-blocked.eml")
    assert resume_after_quota(engine, now=later + timedelta(days=3)) == 0


HANDED_OVER = datetime(2031, 3, 4, 9, 31, tzinfo=UTC)


def test_a_report_about_an_unknown_outcome_settles_it_and_is_audited(engine):
    # The relay never answered for Ann's and Max's messages (rows `unknown`, Message-ID kept):
    # a delivery report naming one proves the relay took it.
    build(engine)
    with write(engine) as conn:
        for address in ("ann.archer@example.net", "max.moss@example.net"):
            person = select(recipients.c.id).where(recipients.c.address == address)
            conn.execute(
                update(deliveries)
                .where(deliveries.c.recipient_id == person.scalar_subquery())
                .values(
                    status="unknown",
                    sent_at=None,
                    attempted_at=HANDED_OVER,
                    last_error="no reply after the data",
                )
            )
    outcomes = _act(engine, "exchange-5.1.10-recipient-not-found.eml", "postfix-4.7.0-delayed.eml")
    assert [(o.recipient, o.action) for o in outcomes] == [
        ("ann.archer@example.net", "bounced"),  # taken, then it bounced: as any sent row
        ("max.moss@example.net", "waiting"),  # taken, still being tried: sent, as far as we know
    ]
    ledger = rows(engine)
    assert ledger["ann.archer@example.net", 1]["status"] == "bounced"
    max_row = ledger["max.moss@example.net", 1]
    assert max_row["status"] == "sent" and read_utc(max_row["sent_at"]) == HANDED_OVER
    assert "ann.archer@example.net" in _suppressed(engine)
    with read(engine) as conn:
        settled = [e for e in history(conn) if e.action == "delivery.settled"]
    assert len(settled) == 2
    assert all((e.from_state, e.to_state, e.actor.name) == ("unknown", "sent", "bounce reader")
               for e in settled)  # fmt: skip
    (status,) = campaign_status(engine, RateLimits(), CAMPAIGN)
    assert status.issues[0].counts["unknown"] == 0


def test_a_row_a_report_changed_keeps_the_reports_code_and_words_as_its_last_error(engine):
    from briefcast.store.bounces import mark_returned, requeue_returned
    from briefcast.store.schema import DeliveryStatus

    build(engine)
    now = datetime(2027, 4, 20, 9, 0, tzinfo=UTC)
    with write(engine) as conn:
        first, second = conn.execute(select(deliveries.c.id).limit(2)).scalars()
        mark_returned(conn, first, DeliveryStatus.BOUNCED, "5.1.1", " user unknown ", now)
        requeue_returned(conn, second, None, None, now)
    with read(engine) as conn:
        found = dict(
            conn.execute(
                select(deliveries.c.id, deliveries.c.last_error).where(
                    deliveries.c.id.in_([first, second])
                )
            ).all()
        )
    assert found == {
        first: "delivery report 5.1.1: user unknown",
        second: "delivery report (no code)",  # never "None"
    }
