"""What changed since the last approval, as records in the plan page's words (plan_changes)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

import pytest
from workflow_helpers import AUTHOR, approved, revision

from briefcast.campaigns.campaign_writer import add_issue, move_theme, remove_issue
from briefcast.campaigns.overlay import Edit
from briefcast.store.audit import history
from briefcast.store.engine import read
from briefcast.workflow.approval import submit
from briefcast.workflow.drafts import edit_briefing, edit_plan, open_draft
from briefcast.workflow.plan_changes import (
    BRIEFING_PART,
    CATCH_UP_PART,
    NOT_IN_SERIES,
    SERIES_PART,
    PlanChange,
    plan_changes,
)
from briefcast.workflow.plan_words import CATCH_UP, ISSUE, SERIES, local


@pytest.fixture
def approved_id(engine, settings, draft_id):
    approved(engine, settings, draft_id)
    return draft_id


def _edited(engine, draft_id, change):
    """The changes once the author has made `change` to the approved plan."""
    edit_plan(engine, draft_id, revision(engine, draft_id), change, AUTHOR, "edit")
    return plan_changes(open_draft(engine, draft_id))


def _issue(campaign, number, **fields):
    """`campaign` with issue `number`'s fields replaced."""
    issues = tuple(replace(i, **fields) if i.number == number else i for i in campaign.issues)
    return replace(campaign, issues=issues)


def test_nothing_before_the_first_approval_and_nothing_when_unchanged(engine, settings, draft_id):
    assert plan_changes(open_draft(engine, draft_id)) == []
    approved(engine, settings, draft_id)
    assert plan_changes(open_draft(engine, draft_id)) == []
    # Saving the plan again as it was is not a change.
    assert _edited(engine, draft_id, lambda c: c) == []


def test_the_series_title_sender_and_lists_in_the_plan_pages_words(engine, approved_id):
    was = open_draft(engine, approved_id).campaign
    changes = _edited(
        engine,
        approved_id,
        lambda c: replace(
            c,
            title="Learning from reviews",
            sender="Learning Team <learning@example.org>",
            lists=(*c.lists, "schools"),
        ),
    )
    assert changes == [
        PlanChange(SERIES_PART, "Series title", was.title, "Learning from reviews"),
        PlanChange(SERIES_PART, "From", was.sender, "Learning Team <learning@example.org>"),
        PlanChange(SERIES_PART, "Lists", ", ".join(was.lists), ", ".join((*was.lists, "schools"))),
    ]


def test_a_new_cadence_and_time_change_every_later_issues_send_time(engine, approved_id):
    was = open_draft(engine, approved_id).campaign
    changes = _edited(
        engine,
        approved_id,
        lambda c: replace(c, schedule=replace(c.schedule, every_days=14, send_time=time(8, 0))),
    )
    now = open_draft(engine, approved_id).campaign
    series = [c for c in changes if c.part == SERIES_PART]
    assert series == [
        PlanChange(SERIES_PART, SERIES["every_days"], "Weekly", "Fortnightly"),
        PlanChange(SERIES_PART, SERIES["send_time"], "09:30", "08:00"),
    ]
    goes_out = [c for c in changes if c.what == ISSUE["send_at"]]
    assert [c.part for c in goes_out] == [f"Issue {i.number}" for i in now.issues]
    assert goes_out[0].before.endswith("09:30") and goes_out[0].after.endswith("08:00")
    assert goes_out[1].before != goes_out[1].after.replace("08:00", "09:30"), "a fortnight on"
    assert len(changes) == len(series) + len(goes_out), "no issue's texts changed"
    assert was.schedule.start == now.schedule.start


def test_a_blackout_names_the_skipped_date_and_the_issue_it_moved(engine, approved_id):
    campaign = open_draft(engine, approved_id).campaign
    second = campaign.schedule.start.toordinal() + 7  # issue 2's planned date, a week on
    day = date.fromordinal(second)
    changes = _edited(
        engine,
        approved_id,
        lambda c: replace(c, schedule=replace(c.schedule, blackouts=((day, day),))),
    )
    by_what = {c.what: c for c in changes}
    assert by_what[SERIES["blackouts"]].before == ""
    assert by_what[SERIES["blackouts"]].after.startswith(f"{day:%a} {day.day} {day:%b %Y} to ")
    skipped = by_what[SERIES["skipped"]]
    assert skipped.before == "" and "blackout, so issue 2 goes on" in skipped.after
    assert next(c.part for c in changes if c.what == ISSUE["send_at"]) == "Issue 2"


def test_each_text_of_an_issue_is_one_change_with_before_and_after(engine, approved_id):
    was = open_draft(engine, approved_id).campaign.issues[1]
    changes = _edited(
        engine,
        approved_id,
        lambda c: _issue(
            c,
            2,
            subject="Part 2 of 4: Sharing what we know",
            preheader="Who needs to know, and when.",
            intro="A new opening paragraph by the author.",
            questions=("What do you share?", "With whom?"),
        ),
    )
    assert changes == [
        PlanChange("Issue 2", "Subject", was.subject, "Part 2 of 4: Sharing what we know"),
        PlanChange("Issue 2", "Preheader", was.preheader, "Who needs to know, and when."),
        PlanChange("Issue 2", "Intro", was.intro or "", "A new opening paragraph by the author."),
        PlanChange(
            "Issue 2",
            ISSUE["questions"],
            "\n".join(was.questions),
            "What do you share?\nWith whom?",
        ),
    ]


def test_a_theme_moved_from_issue_3_to_issue_2_is_one_change(engine, approved_id):
    draft = open_draft(engine, approved_id)
    slug = draft.campaign.issues[2].themes[0]
    assert draft.campaign.issues[2].themes[1:], "issue 3 keeps other themes, so stays"
    title = draft.briefing.theme(slug).title
    changes = _edited(engine, approved_id, lambda c: move_theme(c, slug, 2))
    assert [c for c in changes if title in c.what + c.before + c.after] == [
        PlanChange("Issue 2", f"Theme “{title}”", "Issue 3", "Issue 2")
    ]
    assert {c.what for c in changes} <= {f"Theme “{title}”", "Subject"}, "nothing else moved"


def test_moving_an_issues_only_theme_removes_that_issue_as_one_change(engine, approved_id):
    draft = open_draft(engine, approved_id)
    slug = draft.campaign.issues[1].themes[0]
    assert draft.campaign.issues[1].themes == (slug,)  # the seed's issue 2 has one theme
    title = draft.briefing.theme(slug).title
    changes = _edited(engine, approved_id, lambda c: move_theme(c, slug, 3))
    removed = [c for c in changes if c.what == ISSUE["issue"]]
    assert removed == [
        PlanChange("Issue 2 as approved", ISSUE["issue"], f"With {title}", NOT_IN_SERIES)
    ]
    # Issue 3 is issue 2 now, with the theme it took; issue 4 is issue 3.
    assert PlanChange("Issue 2", f"Theme “{title}”", "Issue 2 as approved", "Issue 2") in changes
    assert PlanChange("Issue 2", ISSUE["position"], "Issue 3 as approved", "Issue 2") in changes
    assert PlanChange("Issue 3", ISSUE["position"], "Issue 4 as approved", "Issue 3") in changes
    assert not [c for c in changes if c.what == "Intro"], "no issue's intro changed"


def test_an_issue_added_is_one_change_naming_where_its_theme_was(engine, approved_id):
    draft = open_draft(engine, approved_id)
    last = draft.campaign.issues[-1]
    slug = last.themes[-1]
    title = draft.briefing.theme(slug).title
    changes = _edited(engine, approved_id, lambda c: add_issue(c, slug))
    added = f"Issue {last.number + 1}"
    assert [c for c in changes if c.part == added and c.what == ISSUE["issue"]] == [
        PlanChange(
            added,
            ISSUE["issue"],
            NOT_IN_SERIES,
            f"Added, with {title} (was in issue {last.number} as approved)",
        )
    ]
    assert not [c for c in changes if c.what == f"Theme “{title}”"], "said once, not twice"


def test_removing_issue_1_keeps_the_others_as_they_were(engine, approved_id):
    draft = open_draft(engine, approved_id)
    first = draft.campaign.issues[0]
    changes = _edited(engine, approved_id, lambda c: remove_issue(c, 1))
    assert [c.part for c in changes if c.what == ISSUE["issue"]] == ["Issue 1 as approved"]
    for slug in first.themes:
        title = draft.briefing.theme(slug).title
        assert PlanChange("Issue 1", f"Theme “{title}”", "Issue 1 as approved", "Issue 1") in (
            changes
        )


def test_catch_up_settings_in_the_fieldsets_words(engine, approved_id):
    changes = _edited(
        engine,
        approved_id,
        lambda c: replace(
            c,
            catch_up=replace(
                c.catch_up, mode="replay", until=date(2031, 6, 30), note="You joined late."
            ),
        ),
    )
    assert changes == [
        PlanChange(
            CATCH_UP_PART,
            CATCH_UP["catch_up"],
            "One email of what they missed",
            "The missed issues one by one",
        ),
        PlanChange(
            CATCH_UP_PART,
            CATCH_UP["catch_up_until"],
            "two weeks after the last issue",
            "Mon 30 Jun 2031",
        ),
        PlanChange(CATCH_UP_PART, CATCH_UP["catch_up_note"], "", "You joined late."),
    ]


def test_a_theme_renamed_in_the_briefing_is_a_change_and_renames_it_elsewhere(engine, approved_id):
    draft = open_draft(engine, approved_id)
    slug = draft.campaign.issues[3].themes[0]
    was = draft.briefing.theme(slug).title
    edit_briefing(engine, approved_id, draft.record.revision, Edit("rename", slug, "Men"), AUTHOR)
    assert plan_changes(open_draft(engine, approved_id)) == [
        PlanChange(BRIEFING_PART, "Theme", was, "Rename: Men")
    ]


def test_the_submission_in_the_audit_trail_says_what_changed(engine, approved_id):
    changes = _edited(engine, approved_id, lambda c: _issue(c, 1, subject="A new subject"))
    submit(engine, approved_id, revision(engine, approved_id), AUTHOR)
    with read(engine) as conn:
        entry = history(conn, action_prefix="draft.submitted")[-1]
    assert entry.details["changes"] == ["Issue 1: Subject"] == [c.summary() for c in changes]
    assert entry.reason == "changed since the last approval: Issue 1: Subject"


def test_the_times_are_the_plan_pages(engine, approved_id):
    """A send time moved by the author's own send_at on one issue, written as the pages do."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    moment = datetime(2031, 5, 6, 7, 45, tzinfo=ZoneInfo("Europe/London"))
    changes = _edited(engine, approved_id, lambda c: _issue(c, 4, send_at=moment))
    (change,) = changes
    assert (change.part, change.what) == ("Issue 4", ISSUE["send_at"])
    assert change.after == local(moment, "Europe/London") == "Tue 6 May 2031, 07:45"


def test_a_theme_merged_in_the_briefing_leaves_the_plan_and_says_so(engine, approved_id):
    draft = open_draft(engine, approved_id)
    issue = draft.campaign.issues[3]
    first, second = issue.themes[:2]
    gone = draft.briefing.theme(second).title
    edit = Edit("merge", first, None)
    edit_briefing(engine, approved_id, draft.record.revision, edit, AUTHOR)
    changes = plan_changes(open_draft(engine, approved_id))
    assert (
        PlanChange(BRIEFING_PART, "Theme", draft.briefing.theme(first).title, "Merge with next")
        in changes
    )
    assert PlanChange("Issue 4", f"Theme “{gone}”", "Issue 4", NOT_IN_SERIES) in changes
