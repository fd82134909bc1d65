"""Four eyes: submit, approve (the same schedule as `briefcast schedule`) or reject with a note."""

from __future__ import annotations

import pytest
from drafting import write_everything
from scheduling import outbox_settings
from workflow_helpers import APPROVER, AUTHOR, NOW, approve_now, revision, submit_written

from briefcast.campaigns.campaign_writer import move_theme
from briefcast.campaigns.overlay import Edit
from briefcast.campaigns.plan import unwritten_texts
from briefcast.delivery.schedule import ScheduleRequest, schedule_campaign
from briefcast.delivery.windows import LatePolicy
from briefcast.scheduler import ISSUES, job_store
from briefcast.store import campaigns as campaign_store
from briefcast.store import open_database
from briefcast.store.audit import history
from briefcast.store.engine import read
from briefcast.workflow.approval import (
    approval_refusal,
    changes_since_approval,
    reject,
    submit,
    trail,
)
from briefcast.workflow.drafts import (
    DraftError,
    StillToWrite,
    edit_briefing,
    edit_plan,
    open_draft,
    unwritten_label,
)


def _issues(engine, name):
    with read(engine) as conn:
        campaign = campaign_store.find_campaign(conn, name)
        return [
            (i.number, i.subject, i.slug, i.planned_at, i.lists, i.state, _content(conn, i.id))
            for i in campaign_store.campaign_issues(conn, campaign.id)
        ]


def _content(conn, issue_id):
    return campaign_store.issue_content(conn, issue_id)


def _jobs(engine, settings):
    with job_store(engine, settings) as scheduler:
        return sorted(
            (job.args, job.next_run_time, job.func_ref)
            for job in scheduler.get_jobs(jobstore=ISSUES)
        )


def test_the_author_may_not_approve_their_own_series(engine, settings, submitted):
    assert approval_refusal(engine, submitted, AUTHOR) == (
        "you edited this series since it was last approved, so someone else must approve it"
    )
    with pytest.raises(DraftError, match=r"^you cannot approve this series: you edited"):
        approve_now(engine, settings, submitted, AUTHOR)  # a forged POST ends here
    assert open_draft(engine, submitted).record.state.value == "submitted"
    with read(engine) as conn:
        assert campaign_store.find_campaign(conn, open_draft(engine, submitted).record.name) is None


def test_a_second_person_approves_and_the_series_is_scheduled_as_the_cli_would(
    engine, settings, submitted, tmp_path
):
    assert approval_refusal(engine, submitted, APPROVER) is None
    result = approve_now(engine, settings, submitted)
    draft = open_draft(engine, submitted)
    assert draft.record.state.value == "approved" and result.created

    # The same plan through `briefcast schedule`, into a database of its own.
    folder = tmp_path / "cli"
    folder.mkdir()
    (folder / "briefing.txt").write_text(draft.record.briefing_text, encoding="utf-8")
    path = folder / f"{draft.record.name}.yaml"
    path.write_text(draft.record.plan, encoding="utf-8")
    other = open_database(f"sqlite:///{tmp_path / 'cli.db'}")
    other_settings = outbox_settings(f"sqlite:///{tmp_path / 'cli.db'}", folder)
    policy = LatePolicy.from_settings(other_settings)
    schedule_campaign(other, path, ScheduleRequest(APPROVER.name, policy, now=NOW))
    from briefcast.scheduler import sync_jobs

    sync_jobs(other, other_settings)
    try:
        assert _issues(engine, draft.record.name) == _issues(other, draft.record.name)
        mine, theirs = _jobs(engine, settings), _jobs(other, other_settings)
        assert len(mine) == len(draft.campaign.issues)
        assert [(when, func) for _, when, func in mine] == [(w, f) for _, w, f in theirs]
    finally:
        other.dispose()


def test_the_approval_is_audited_and_links_the_campaign(engine, settings, submitted):
    approve_now(engine, settings, submitted)
    actions = [(e.action, e.actor.name) for e in trail(engine, submitted)]
    issues = len(open_draft(engine, submitted).campaign.issues)
    # Scheduling records the approval and each issue put on the calendar, by the approver.
    scheduled = [("campaign.approved", "Abe Approver")] + [
        ("issue.scheduled", "Abe Approver")
    ] * issues
    assert sorted(actions) == sorted(
        [
            ("draft.created", "Ada Author"),
            ("draft.edited", "Ada Author"),  # the texts the planner left to write
            ("draft.submitted", "Ada Author"),
            ("draft.approved", "Abe Approver"),
            *scheduled,
        ]
    )
    assert actions[:3] == [
        ("draft.created", "Ada Author"),
        ("draft.edited", "Ada Author"),
        ("draft.submitted", "Ada Author"),
    ]
    with read(engine) as conn:
        (approval,) = history(conn, action_prefix="draft.approved")
    assert approval.campaign_id == open_draft(engine, submitted).record.campaign_id
    assert approval.details["one_person"] is False and approval.reason is None


def test_with_four_eyes_off_one_person_may_approve_and_it_is_marked(engine, settings, submitted):
    assert approval_refusal(engine, submitted, AUTHOR, four_eyes=False) is None
    approve_now(engine, settings, submitted, AUTHOR, four_eyes=False)
    with read(engine) as conn:
        (approval,) = history(conn, action_prefix="draft.approved")
    assert approval.details["one_person"] is True
    assert approval.reason == "approved by one person: four eyes are off"


def test_a_rejection_needs_a_note_and_an_edit_takes_it_back_to_draft(engine, submitted):
    with pytest.raises(DraftError, match="say in a note"):
        reject(engine, submitted, revision(engine, submitted), APPROVER, "  ")
    reject(engine, submitted, revision(engine, submitted), APPROVER, "Issue 2 is too long.")
    rejected = open_draft(engine, submitted).record
    assert (rejected.state.value, rejected.note) == ("rejected", "Issue 2 is too long.")
    edit = Edit("rename", "including-men", "Including fathers")
    edit_briefing(engine, submitted, rejected.revision, edit, AUTHOR)
    assert open_draft(engine, submitted).record.state.value == "draft"


def test_a_draft_not_submitted_cannot_be_approved(engine, settings, submitted):
    reject(engine, submitted, revision(engine, submitted), APPROVER, "Not yet.")
    assert (
        approval_refusal(engine, submitted, APPROVER)
        == "it is rejected, not submitted for approval"
    )
    with pytest.raises(DraftError, match="it is rejected"):
        approve_now(engine, settings, submitted)


def test_an_approver_who_edits_after_approval_may_not_approve_the_next_round(
    engine, settings, submitted
):
    approve_now(engine, settings, submitted)
    draft = open_draft(engine, submitted)
    slug = draft.campaign.issues[1].themes[0]
    edit_plan(
        engine, submitted, draft.record.revision, lambda c: move_theme(c, slug, 3), APPROVER, "m"
    )
    submit(engine, submitted, revision(engine, submitted), APPROVER)
    assert approval_refusal(engine, submitted, APPROVER).startswith("you edited")
    assert approval_refusal(engine, submitted, AUTHOR) is None  # their edits were approved


def test_what_changed_since_the_last_approval_is_shown(engine, settings, submitted):
    assert changes_since_approval(open_draft(engine, submitted)) == []
    approve_now(engine, settings, submitted)
    draft = open_draft(engine, submitted)
    edit_briefing(
        engine, submitted, draft.record.revision, Edit("rename", "including-men", "Men"), AUTHOR
    )
    old_subject = draft.campaign.issues[0].subject
    from dataclasses import replace

    draft = open_draft(engine, submitted)
    first = replace(draft.campaign.issues[0], subject="A new subject")
    edit_plan(
        engine,
        submitted,
        draft.record.revision,
        lambda c: replace(c, issues=(first, *c.issues[1:])),
        AUTHOR,
        "subject",
    )
    changes = changes_since_approval(open_draft(engine, submitted))
    assert f"-  subject: '{old_subject}'" in changes or f"-  subject: {old_subject}" in changes
    assert "+  subject: A new subject" in changes
    assert "briefing: rename including-men -> Men" in changes


def test_submitting_is_refused_while_a_text_is_still_to_write_naming_each_one(engine, draft_id):
    draft = open_draft(engine, draft_id)
    expected = unwritten_texts(draft.campaign)
    assert expected  # the seed briefing has no intro or questions of its own to take
    with pytest.raises(StillToWrite) as refused:
        submit(engine, draft_id, draft.record.revision, AUTHOR)
    assert refused.value.items == expected
    (message,) = str(refused.value).splitlines()
    assert message.startswith(
        "still to write: the partnership's name, who the emails are from, the intro of issue 1, "
    )
    assert all(unwritten_label(item) in message for item in expected)
    assert open_draft(engine, draft_id).record.state.value == "draft"
    submit_written(engine, draft_id)
    assert open_draft(engine, draft_id).record.state.value == "submitted"


def test_submitting_a_plan_with_errors_is_refused_in_one_line(engine, draft_id):
    write_everything(engine, draft_id, AUTHOR)
    draft = open_draft(engine, draft_id)
    from dataclasses import replace

    bad = replace(draft.campaign.issues[0], themes=("no-such-theme",))
    edit_plan(
        engine,
        draft_id,
        draft.record.revision,
        lambda c: replace(c, issues=(bad, *c.issues[1:])),
        AUTHOR,
        "x",
    )
    with pytest.raises(Exception, match=r"1 error in the campaign"):
        submit(engine, draft_id, revision(engine, draft_id), AUTHOR)


def test_an_edit_made_while_approving_stays_to_be_approved(
    engine, settings, submitted, monkeypatch
):
    from briefcast.workflow import approval

    seen = open_draft(engine, submitted).record
    real = approval.schedule_rendered

    def schedule_then_edit(*args, **kwargs):  # someone saves an edit mid-approval
        result = real(*args, **kwargs)
        edit = Edit("rename", "including-men", "Fathers")
        edit_briefing(engine, submitted, seen.revision, edit, AUTHOR)
        return result

    monkeypatch.setattr(approval, "schedule_rendered", schedule_then_edit)
    approve_now(engine, settings, submitted)
    after = open_draft(engine, submitted).record
    assert after.state.value == "draft" and after.campaign_id is not None
    assert after.approved_plan == seen.plan  # what the approver saw, not the edit
    with read(engine) as conn:
        (approval_row,) = history(conn, action_prefix="draft.approved")
        assert approval_row.details["edited_meanwhile"] is True
        from briefcast.workflow.approval import editors_since_approval

        assert editors_since_approval(conn, submitted) == {("user", AUTHOR.user_id)}


def test_submitting_is_refused_while_the_catch_up_note_is_still_to_write(engine, draft_id):
    from dataclasses import replace

    from briefcast.campaigns.campaign_file import unwritten

    write_everything(engine, draft_id, AUTHOR)

    def note(value):
        return lambda c: replace(c, catch_up=replace(c.catch_up, note=value), source_lines={})

    todo = unwritten("why a new starter gets this")
    edit_plan(engine, draft_id, revision(engine, draft_id), note(todo), AUTHOR, "note")
    with pytest.raises(StillToWrite) as refused:
        submit(engine, draft_id, revision(engine, draft_id), AUTHOR)
    assert str(refused.value) == (
        "still to write: the note for people who join a list late; write them in the plan first"
    )
    written = "You joined one of our lists late, so here is what you missed."
    edit_plan(engine, draft_id, revision(engine, draft_id), note(written), AUTHOR, "note")
    submit(engine, draft_id, revision(engine, draft_id), AUTHOR)
    assert open_draft(engine, draft_id).record.state.value == "submitted"
