"""A campaign draft in the console: the stored briefing, the author's overlay and the plan.

    create_draft(engine, text=..., source="briefing.txt", actor=...) -> draft id
    open_draft(engine, draft_id) -> Draft   (the briefing read again, the overlay applied)
    edit_briefing(...) / edit_plan(...)     (each an audit row "draft.edited" with the actor)

Every edit names the revision the author saw, so two people editing at once cannot overwrite
each other silently, and takes a submitted, approved or rejected draft back to draft.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path, PurePath

from sqlalchemy import Connection, Engine

from briefcast.campaigns.briefing import briefing_text as campaign_briefing_text
from briefcast.campaigns.briefing import read_briefing_text
from briefcast.campaigns.campaign_file import UNWRITTEN_MARK, load_campaign_text
from briefcast.campaigns.campaign_writer import campaign_text, keep_themes
from briefcast.campaigns.draft import draft_campaign
from briefcast.campaigns.model import Briefing, Campaign, slugify
from briefcast.campaigns.overlay import Edit, Overlay, apply_overlay, check_edit
from briefcast.campaigns.plan import Unwritten, unwritten_texts
from briefcast.campaigns.preview import CampaignRender, render_campaign
from briefcast.delivery.preview import unsendable_problems
from briefcast.errors import BriefcastError
from briefcast.settings import Settings
from briefcast.store import drafts as store
from briefcast.store.audit import Actor, record
from briefcast.store.drafts import DraftRecord
from briefcast.store.engine import read, write
from briefcast.store.schema import DraftState

PASTED = "pasted-briefing.txt"  # the source name of a pasted briefing (read as plain text)
# What a briefing file may be: text, Markdown, or a Word or PDF document (converted on upload).
BRIEFING_SUFFIXES = (".txt", ".md", ".markdown", ".docx", ".pdf")
NAME_LENGTH = 60  # campaign names are typed in commands: keep them short


class DraftError(BriefcastError):
    """A draft that cannot be changed as asked; nothing was stored."""


class StillToWrite(DraftError):
    """A series whose texts are not all written yet (the planner's "TODO: write …" marks)."""

    def __init__(self, items: list[Unwritten]) -> None:
        self.items = items
        names = ", ".join(unwritten_label(item) for item in items)
        super().__init__(f"still to write: {names}; write them in the plan first")


# The series' own texts a draft can leave to write, as a person names them.
SERIES_TEXTS = {
    "partnership": "the partnership's name",
    "sender": "who the emails are from",
    "catch_up_note": "the note for people who join a list late",
}


def unwritten_label(item: Unwritten) -> str:
    """ "the intro of issue 1", "question 2 of issue 3": which text it is, as a person says it."""
    if item.number is None:  # the series' own texts
        return SERIES_TEXTS[item.key]
    key, _, position = item.key.partition("[")
    if position:
        return f"question {position.rstrip(']')} of issue {item.number}"
    return f"the {key} of issue {item.number}"


def unwritten_hint(item: Unwritten) -> str:
    """What the mark asks for: "write a sentence or two opening the series"."""
    return item.text.strip()[len(UNWRITTEN_MARK) :].strip()


@dataclass(frozen=True)
class Draft:
    """A draft as the pages show it: the record, its briefing with the overlay, its plan."""

    record: DraftRecord
    briefing: Briefing
    overlay: Overlay
    campaign: Campaign

    @property
    def id(self) -> int:
        return self.record.id

    def render(self, *, today: date | None = None) -> CampaignRender:
        """Every issue assembled, rendered and checked (CampaignProblemsError on plan errors)."""
        return render_campaign(
            self.campaign, self.briefing, today=today, more_checks=unsendable_problems
        )


def briefing_text(data: bytes, source: str) -> str:
    """The text to store for a briefing file, so that reading it again (read_stored_briefing)
    gives what `briefcast briefing FILE` gives: a Word or PDF document converted to the
    Markdown-like text its reader reads, any other file decoded. Errors are one line naming it."""
    suffix = PurePath(source).suffix.lower()
    if suffix not in BRIEFING_SUFFIXES:
        raise DraftError(f"{source}: choose a .txt, .md, .docx or .pdf file")
    try:
        return campaign_briefing_text(data, source)
    except BriefcastError as error:
        raise DraftError(str(error)) from None


def read_stored_briefing(text: str, source: str) -> Briefing:
    """The briefing read from its stored text, named as the author knows it."""
    return read_briefing_text(text, source)


def create_draft(
    engine: Engine,
    *,
    text: str,
    source: str,
    actor: Actor,
    today: date,
    plan: str | None = None,
    plan_source: str = "campaign.yaml",
) -> int:
    """A new draft from a briefing's text; its plan drafted (or `plan`, an uploaded campaign
    file's text, named `plan_source` in messages, checked against the briefing's themes when
    it is opened)."""
    source = PurePath(source.strip() or PASTED).name
    if not text.strip():
        raise DraftError(f"{source}: the briefing is empty")
    briefing = read_stored_briefing(text, source)
    if plan is None:
        # A week ahead: time for approval and for the lists to be ready.
        drafted = draft_campaign(briefing, Path(source), start=today + timedelta(days=7))
        campaign = load_campaign_text(drafted, Path(f"{slugify(briefing.title)}.yaml"))
    else:
        campaign = load_campaign_text(plan, Path(PurePath(plan_source).name))
    with write(engine) as conn:
        name = _free_name(conn, campaign.name if plan else slugify(briefing.title))
        campaign = replace(campaign, name=name)
        draft_id = store.insert_draft(
            conn,
            name=name,
            title=campaign.title,
            briefing_source=source,
            briefing_text=text,
            overlay=Overlay().to_json(),
            plan=campaign_text(campaign, briefing=source),
            created_by=actor.name,
        )
        record(
            conn,
            actor,
            "draft.created",
            subject=name,
            to_state=DraftState.DRAFT.value,
            details={
                "draft_id": draft_id,
                "revision": 1,
                "briefing": source,
                "uploaded_plan": plan is not None,
            },
        )
    return draft_id


def open_draft(engine: Engine, draft_id: int) -> Draft:
    with read(engine) as conn:
        found = find_draft(conn, draft_id)
    return _draft(found)


def find_draft(conn: Connection, draft_id: int) -> DraftRecord:
    found = store.draft_by_id(conn, draft_id)
    if found is None:
        raise DraftError(f"there is no campaign draft {draft_id}")
    return found


def edit_briefing(engine: Engine, draft_id: int, revision: int, edit: Edit, actor: Actor) -> None:
    """Add one edit to the overlay (rename, merge with next, mark as section)."""
    draft = open_draft(engine, draft_id)
    try:
        check_edit(draft.briefing, edit)
    except BriefcastError as error:
        raise DraftError(str(error)) from None
    overlay = Overlay((*draft.overlay.edits, edit))
    campaign = draft.campaign
    if edit.kind in ("merge", "section"):
        kept = {theme.slug for theme in apply_overlay(draft.briefing, Overlay((edit,))).themes}
        campaign = keep_themes(campaign, kept)
    _save(engine, draft, revision, overlay, campaign, actor, f"{edit.kind} {edit.slug}")


def edit_plan(
    engine: Engine,
    draft_id: int,
    revision: int,
    change: Callable[[Campaign], Campaign],
    actor: Actor,
    summary: str,
) -> None:
    """Apply `change` to the plan (campaign_writer's move_theme, add_issue, ...), `summary`
    saying what it was for the audit trail."""
    draft = open_draft(engine, draft_id)
    try:
        campaign = change(draft.campaign)
    except BriefcastError as error:
        raise DraftError(str(error)) from None
    _save(engine, draft, revision, draft.overlay, campaign, actor, summary)


def _save(
    engine: Engine,
    draft: Draft,
    revision: int,
    overlay: Overlay,
    campaign: Campaign,
    actor: Actor,
    summary: str,
) -> None:
    text = campaign_text(campaign, briefing=draft.record.briefing_source)
    load_campaign_text(text, Path(f"{campaign.name}.yaml"))  # what is stored must load again
    with write(engine) as conn:
        saved = store.save_edit(
            conn,
            draft.id,
            revision,
            title=campaign.title,
            overlay=overlay.to_json(),
            plan=text,
            state=DraftState.DRAFT,
        )
        if not saved:
            raise DraftError(
                "someone else changed this campaign while you were editing it; "
                "your change was not saved: look at it again and redo it"
            )
        record(
            conn,
            actor,
            "draft.edited",
            campaign_id=draft.record.campaign_id,
            subject=draft.record.name,
            from_state=draft.record.state.value,
            to_state=DraftState.DRAFT.value,
            reason=summary,
            details={"draft_id": draft.id, "revision": revision + 1},
        )


def send_test(
    engine: Engine, settings: Settings, draft_id: int, number: int, address: str, actor: Actor
) -> str:
    """*Send me a test*: issue `number` as it stands, through the real transport, to `address`
    (subject "[TEST] ..."; nothing in the ledger). Recorded in the audit trail, not an edit."""
    from briefcast.delivery.send_test import send_test_issue

    draft = open_draft(engine, draft_id)
    if all(issue.number != number for issue in draft.campaign.issues):
        raise DraftError(f"{draft.record.name} has no issue {number}")
    if unwritten := unwritten_texts(draft.campaign):
        raise StillToWrite(unwritten)
    rendered = draft.render()
    issue = next(i for i in rendered.issues if i.digest.number == number)
    sent_to = send_test_issue(settings, issue, address)
    with write(engine) as conn:
        record(
            conn,
            actor,
            "draft.test_sent",
            campaign_id=draft.record.campaign_id,
            subject=f"{draft.record.name} #{number}",
            details={"draft_id": draft_id, "to": sent_to, "revision": draft.record.revision},
        )
    return sent_to


def _draft(found: DraftRecord) -> Draft:
    overlay = Overlay.from_json(found.overlay)
    briefing = apply_overlay(
        read_stored_briefing(found.briefing_text, found.briefing_source), overlay
    )
    campaign = load_campaign_text(found.plan, Path(f"{found.name}.yaml"))
    return Draft(record=found, briefing=briefing, overlay=overlay, campaign=campaign)


def _free_name(conn: Connection, stem: str) -> str:
    stem = (slugify(stem)[:NAME_LENGTH].rstrip("-")) or "campaign"
    taken = store.names_in_use(conn, stem)
    if stem not in taken:
        return stem
    return next(f"{stem}-{n}" for n in range(2, len(taken) + 3) if f"{stem}-{n}" not in taken)
