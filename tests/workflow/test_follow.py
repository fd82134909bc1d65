"""Following a series: the Campaigns list, steering with the person recorded, Send me a test."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime

import pytest
from drafting import write_everything
from workflow_helpers import APPROVER, AUTHOR, approved

from briefcast.store.schema import IssueState
from briefcast.workflow.approval import trail
from briefcast.workflow.drafts import (
    DraftError,
    StillToWrite,
    open_draft,
    send_test,
)
from briefcast.workflow.follow import campaign_list, series_status, steer


def test_the_list_shows_drafts_and_their_progress(engine, settings, draft_id):
    (line,) = campaign_list(engine, settings)
    planned = len(open_draft(engine, draft_id).campaign.issues)
    assert (line.draft_id, line.state, line.sent, line.total, line.next_send) == (
        draft_id,
        "draft",
        0,
        planned,
        None,
    )
    approved(engine, settings, draft_id)
    (line,) = campaign_list(engine, settings)
    assert line.state == "approved" and line.total == planned
    assert line.next_send == datetime(2031, 3, 4, 9, 30, tzinfo=UTC)


def test_steering_moves_the_issues_and_records_the_person(engine, settings, draft_id):
    approved(engine, settings, draft_id)
    outcomes = steer(engine, settings, draft_id, "pause", APPROVER)
    assert all(outcome.changed for outcome in outcomes)
    name = open_draft(engine, draft_id).record.name
    assert {i.state for i in series_status(engine, settings, name).issues} == {IssueState.PAUSED}
    paused = [e for e in trail(engine, draft_id) if e.action.endswith("paused")]
    assert paused and all(entry.actor == APPROVER for entry in paused)


def test_a_draft_not_yet_approved_cannot_be_steered(engine, settings, draft_id):
    with pytest.raises(DraftError, match="is not scheduled yet: approve it first"):
        steer(engine, settings, draft_id, "pause", APPROVER)


def test_reschedule_needs_an_issue_and_a_time(engine, settings, draft_id):
    approved(engine, settings, draft_id)
    with pytest.raises(DraftError, match="needs the issue's number"):
        steer(engine, settings, draft_id, "reschedule", APPROVER, number=1, when=" ")


def test_send_me_a_test_reaches_the_outbox_and_the_audit_trail(engine, settings, draft_id):
    write_everything(engine, draft_id, AUTHOR)  # nothing still marked TODO can be previewed
    to = send_test(engine, settings, draft_id, 1, "Ada.Author@Example.org", AUTHOR)
    assert to == "ada.author@example.org"
    (message,) = mailbox.Maildir(settings.outbox, create=False)
    assert message["Subject"].startswith("[TEST] Part 1 of ")
    (entry,) = [e for e in trail(engine, draft_id) if e.action == "draft.test_sent"]
    assert (entry.actor, entry.details["to"]) == (AUTHOR, "ada.author@example.org")


def test_a_test_with_texts_still_to_write_is_refused_naming_them(engine, settings, draft_id):
    first = r"^still to write: the partnership.s name, who the emails are from, the intro of "
    with pytest.raises(StillToWrite, match=first):
        send_test(engine, settings, draft_id, 1, "ada@example.org", AUTHOR)
    assert not settings.outbox.exists() or not list(mailbox.Maildir(settings.outbox))


def test_a_test_of_an_issue_the_series_lacks_is_refused(engine, settings, draft_id):
    with pytest.raises(DraftError, match="has no issue 99"):
        send_test(engine, settings, draft_id, 99, "ada@example.org", AUTHOR)


def test_a_series_from_a_campaign_file_reads_sent_once_every_issue_has_gone(
    engine, settings, tmp_path
):
    from scheduling import force_state, make_lists, write_campaign

    from briefcast.delivery.schedule import ScheduleRequest, schedule_campaign
    from briefcast.delivery.windows import LatePolicy
    from briefcast.store import campaigns as store

    make_lists(engine)
    path = write_campaign(tmp_path)
    before = datetime(2031, 2, 1, tzinfo=UTC)
    schedule_campaign(
        engine,
        path,
        ScheduleRequest("Alex Example", LatePolicy.from_settings(settings), now=before),
    )
    (line,) = campaign_list(engine, settings)
    assert (line.draft_id, line.state, line.sent) == (None, "scheduled", 0)
    with engine.connect() as conn:
        found = store.campaign_issues(conn, store.find_campaign(conn, "spring-briefing").id)
    for issue in found[:-1]:
        force_state(engine, issue.id, IssueState.SENT)
    assert campaign_list(engine, settings)[0].state == "scheduled"  # one still to go
    force_state(engine, found[-1].id, IssueState.SENT)
    (line,) = campaign_list(engine, settings)
    assert (line.state, line.sent, line.total) == ("sent", len(found), len(found))
