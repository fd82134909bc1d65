"""A console draft: the briefing stored as given, the overlay, the plan, every edit audited."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from seed import SEED, SEED_THEMES
from workflow_helpers import AUTHOR, TODAY

from briefcast.campaigns.briefing import read_briefing
from briefcast.campaigns.campaign_writer import move_theme
from briefcast.campaigns.overlay import Edit
from briefcast.errors import BriefcastError
from briefcast.store.audit import history
from briefcast.store.engine import read
from briefcast.workflow.drafts import (
    DraftError,
    briefing_text,
    create_draft,
    edit_briefing,
    edit_plan,
    open_draft,
)

DOCUMENTS = Path(__file__).parents[1] / "campaigns" / "documents"


def test_a_new_draft_has_the_briefings_themes_and_a_plan_for_every_one(engine, draft_id):
    draft = open_draft(engine, draft_id)
    assert [theme.title for theme in draft.briefing.themes] == SEED_THEMES
    planned = [slug for issue in draft.campaign.issues for slug in issue.themes]
    assert sorted(planned) == sorted(theme.slug for theme in draft.briefing.themes)
    assert draft.campaign.schedule.start == date(2031, 3, 4)
    assert draft.record.name == "ncscp-briefing-note-national-panel-annual-report"
    assert draft.record.state.value == "draft"


def test_creating_it_is_in_the_audit_trail_with_the_author(engine, draft_id):
    with read(engine) as conn:
        (entry,) = history(conn, action_prefix="draft.")
    assert (entry.action, entry.actor, entry.details["draft_id"]) == (
        "draft.created",
        AUTHOR,
        draft_id,
    )


def test_a_second_draft_of_the_same_briefing_gets_its_own_name(engine, draft_id):
    other = create_draft(
        engine, text=SEED.read_text(encoding="utf-8"), source="b.txt", actor=AUTHOR, today=TODAY
    )
    assert open_draft(engine, other).record.name == (
        open_draft(engine, draft_id).record.name + "-2"
    )


def test_a_rename_is_kept_as_an_overlay_and_the_stored_briefing_is_untouched(engine, draft_id):
    before = open_draft(engine, draft_id)
    edit = Edit("rename", "domestic-abuse", "Domestic abuse and coercive control")
    edit_briefing(engine, draft_id, before.record.revision, edit, AUTHOR)
    after = open_draft(engine, draft_id)
    assert after.briefing.theme("domestic-abuse").title == "Domestic abuse and coercive control"
    assert after.record.briefing_text == before.record.briefing_text
    assert after.record.revision == before.record.revision + 1
    assert open_draft(engine, draft_id).briefing == after.briefing  # read again: the same


def test_merging_takes_the_merged_theme_out_of_the_plan(engine, draft_id):
    draft = open_draft(engine, draft_id)
    edit_briefing(engine, draft_id, draft.record.revision, Edit("merge", "including-men"), AUTHOR)
    after = open_draft(engine, draft_id)
    planned = [slug for issue in after.campaign.issues for slug in issue.themes]
    assert "health-plans-for-children" not in planned
    assert len(after.briefing.themes) == len(SEED_THEMES) - 1


def test_a_plan_edit_is_audited_with_what_it_was(engine, draft_id):
    draft = open_draft(engine, draft_id)
    # A theme of an issue with more than one, so no issue is left empty and renumbered.
    source = next(issue for issue in draft.campaign.issues if len(issue.themes) > 1)
    slug = source.themes[0]
    to = next(issue.number for issue in draft.campaign.issues if issue is not source)
    edit_plan(
        engine,
        draft_id,
        draft.record.revision,
        lambda c: move_theme(c, slug, to),
        AUTHOR,
        f"moved {slug} to issue {to}",
    )
    after = open_draft(engine, draft_id).campaign
    assert after.issues[to - 1].themes[-1] == slug
    assert slug not in after.issues[source.number - 1].themes
    with read(engine) as conn:
        entry = history(conn, action_prefix="draft.edited")[-1]
    assert (entry.actor, entry.reason) == (AUTHOR, f"moved {slug} to issue {to}")


def test_an_edit_to_a_revision_someone_else_changed_is_refused(engine, draft_id):
    revision = open_draft(engine, draft_id).record.revision
    edit_briefing(engine, draft_id, revision, Edit("rename", "including-men", "Men"), AUTHOR)
    with pytest.raises(DraftError, match="someone else changed this campaign"):
        edit_briefing(
            engine, draft_id, revision, Edit("rename", "including-men", "Fathers"), AUTHOR
        )
    assert open_draft(engine, draft_id).briefing.theme("including-men").title == "Men"


def test_an_impossible_briefing_edit_is_one_line_and_stores_nothing(engine, draft_id):
    draft = open_draft(engine, draft_id)
    last = draft.briefing.themes[-1].slug
    with pytest.raises(DraftError, match="is the last theme"):
        edit_briefing(engine, draft_id, draft.record.revision, Edit("merge", last), AUTHOR)
    assert open_draft(engine, draft_id).record.revision == draft.record.revision


def test_an_empty_briefing_is_refused_naming_it(engine):
    with pytest.raises(DraftError, match=r"^notes\.txt: the briefing is empty$"):
        create_draft(engine, text="  \n", source="notes.txt", actor=AUTHOR, today=TODAY)


def test_a_briefing_without_themes_is_refused_naming_it(engine):
    with pytest.raises(BriefcastError, match=r"^pasted-briefing\.txt: found no themes"):
        create_draft(engine, text="Just one line.\n", source="", actor=AUTHOR, today=TODAY)


def test_a_draft_from_an_uploaded_campaign_file_keeps_its_plan(engine, draft_id):
    plan = open_draft(engine, draft_id).record.plan.replace(
        "name: ncscp-briefing-note-national-panel-annual-report", "name: spring-series"
    )
    uploaded = create_draft(
        engine,
        text=SEED.read_text(encoding="utf-8"),
        source="briefing.txt",
        actor=AUTHOR,
        today=TODAY,
        plan=plan,
    )
    draft = open_draft(engine, uploaded)
    assert draft.record.name == "spring-series"
    assert draft.campaign.issues == open_draft(engine, draft_id).campaign.issues


@pytest.mark.parametrize("name", ["heading-styles.docx", "tagged.pdf"])
def test_a_word_or_pdf_briefing_is_stored_as_text_that_reads_as_the_document(engine, name):
    path = DOCUMENTS / name
    text = briefing_text(path.read_bytes(), name)
    draft_id = create_draft(engine, text=text, source=name, actor=AUTHOR, today=TODAY)
    draft = open_draft(engine, draft_id)
    assert (draft.record.briefing_source, draft.record.briefing_text) == (name, text)
    expected = read_briefing(path)
    assert replace(draft.briefing, source=None) == replace(expected, source=None)
    assert draft.briefing.source.name == name


def test_a_briefing_file_of_another_kind_is_refused_in_one_line():
    refusal = r"^notes\.exe: choose a \.txt, \.md, \.docx or \.pdf file$"
    with pytest.raises(DraftError, match=refusal):
        briefing_text(b"MZ\x00", "notes.exe")
    with pytest.raises(BriefcastError, match=r"^broken\.docx: "):
        briefing_text(b"not a zip", "broken.docx")


# -- the catch-up keys (console/campaign_catch_up.py saves them through edit_plan) -------------

CATCH_UP = {
    "catch_up": "replay",
    "catch_up_until": "2031-06-30",
    "replay_every": "1w",
    "replay_cap": "2",
    "catch_up_note": "You joined after the series began.\nHere are the parts you missed.",
}


def _set_catch_up(engine, draft_id, values):
    from briefcast.campaigns.campaign_file import read_catch_up

    catch_up = read_catch_up(values)
    revision = open_draft(engine, draft_id).record.revision
    change = lambda c: replace(c, catch_up=catch_up, source_lines={})  # noqa: E731
    edit_plan(engine, draft_id, revision, change, AUTHOR, "catch-ups")
    return catch_up


def test_the_catch_up_is_saved_in_the_draft_and_read_back(engine, draft_id):
    catch_up = _set_catch_up(engine, draft_id, CATCH_UP)
    draft = open_draft(engine, draft_id)
    assert draft.campaign.catch_up == catch_up
    assert (catch_up.mode, catch_up.until, catch_up.replay_every_days) == (
        "replay",
        date(2031, 6, 30),
        7,
    )
    assert draft.record.revision == 2
    with read(engine) as conn:
        edited = [e for e in history(conn, action_prefix="draft.") if e.action == "draft.edited"]
    assert [entry.reason for entry in edited] == ["catch-ups"]


def test_the_catch_up_survives_the_campaign_files_download_and_upload(engine, draft_id):
    catch_up = _set_catch_up(engine, draft_id, CATCH_UP)
    stored = open_draft(engine, draft_id).record.plan  # what *Download the campaign file* gives
    uploaded = create_draft(
        engine,
        text=SEED.read_text(encoding="utf-8"),
        source="briefing.txt",
        actor=AUTHOR,
        today=TODAY,
        plan=stored,
        plan_source="downloaded.yaml",
    )
    assert open_draft(engine, uploaded).campaign.catch_up == catch_up


def test_catch_ups_back_to_the_defaults_leave_no_keys_in_the_file(engine, draft_id):
    _set_catch_up(engine, draft_id, CATCH_UP)
    _set_catch_up(engine, draft_id, {})
    plan = open_draft(engine, draft_id).record.plan
    assert "catch_up" not in plan and "replay_" not in plan
