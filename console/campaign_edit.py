"""Steps 3 and 4: *How we read your briefing* (rename, merge with next, mark as section) and
*Plan the series* (move themes, add or remove issues, subjects and texts, the schedule, what
people who join late get)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from briefcast.campaigns.calendar import describe_cadence
from briefcast.campaigns.campaign_writer import add_issue, move_theme, remove_issue
from briefcast.campaigns.model import Campaign
from briefcast.campaigns.overlay import Edit
from briefcast.campaigns.plan import assemble, check_campaign
from briefcast.campaigns.skipped_dates import skipped_dates
from briefcast.console.campaign_catch_up import catch_up_change, catch_up_form, field_of
from briefcast.console.campaign_helpers import (
    SUBJECT_LIMIT,
    load_draft,
    local,
    one_line,
    page_context,
    revision,
    text,
)
from briefcast.console.campaign_texts import (
    FieldErrors,
    issue_change,
    issue_texts,
    shown,
    still_to_write,
)
from briefcast.console.pages import actor, form, get_engine, redirect, render, require
from briefcast.errors import BriefcastError
from briefcast.workflow.drafts import Draft, DraftError, edit_briefing, edit_plan
from briefcast.workflow.plan_words import BRIEFING_EDITS, CADENCES

EDITS = BRIEFING_EDITS  # the plan's labels live in one place, workflow/plan_words.py


# -- How we read your briefing -------------------------------------------------------------------


def briefing_page(request: Request, errors: dict[str, str] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    require(request)
    draft = load_draft(request)
    return render(
        request,
        "campaigns/briefing.html",
        status=status,
        title="How we read your briefing",
        errors=errors or {},
        briefing=draft.briefing,
        **page_context(draft, "/briefing"),
    )


async def briefing_edit(request: Request) -> Response:
    data = await form(request)
    require(request, "author")
    draft = load_draft(request)
    kind, slug = text(data, "edit"), text(data, "slug")
    if kind not in EDITS:
        message = "Choose rename, merge with next or mark as section"
        return briefing_page(request, {f"title-{slug}": message}, 400)
    edit = Edit(kind, slug, text(data, f"title-{slug}") or None)  # type: ignore[arg-type]
    try:
        edit_briefing(get_engine(request), draft.id, revision(data), edit, actor(request))
    except BriefcastError as error:
        return briefing_page(request, {f"title-{slug}": one_line(error)}, 400)
    done = {"rename": "Theme renamed", "merge": "Themes merged", "section": "Marked as a section"}
    return redirect(request, f"/campaigns/{draft.id}/briefing", flash=done[kind])


# -- Plan the series -----------------------------------------------------------------------------


def plan_page(  # type: ignore[no-untyped-def]
    request: Request,
    errors: dict[str, str] | None = None,
    status: int = 200,
    refused: FormData | None = None,
):
    author = require(request).has_role("author")
    draft = load_draft(request)
    # The mistake just made first, then every text still to write, each linking to its field
    # (an author's page has the fields; others see them among the plan's checks).
    errors = errors or {}
    unwritten = still_to_write(draft.campaign) if author else {}
    unwritten = {k: v for k, v in unwritten.items() if k not in errors}
    return render(
        request,
        "campaigns/plan.html",
        status=status,
        title="Plan the series",
        errors={**errors, **unwritten},
        **_plan_context(draft, with_unwritten=not author, refused=refused),
        **page_context(draft, "/plan"),
    )


def _plan_context(
    draft: Draft, *, with_unwritten: bool, refused: FormData | None = None
) -> dict[str, object]:
    """The page's values; `refused`, a catch-up form that was refused, is shown as typed."""
    campaign, briefing = draft.campaign, draft.briefing
    titles = {theme.slug: theme for theme in briefing.themes}
    problems = check_campaign(campaign, briefing, unwritten=with_unwritten)
    try:
        digests = {d.number: d for d in assemble(campaign, briefing)}
    except BriefcastError:
        digests = {}
    zone = campaign.schedule.timezone
    issues = []
    for issue in campaign.issues:
        digest = digests.get(issue.number)
        texts = issue_texts(issue, digest)
        subject = str(texts["subject"])
        issues.append(
            {
                "plan": issue,
                "themes": [(slug, titles.get(slug)) for slug in issue.themes],
                **texts,
                "subject_length": len(subject),
                "subject_long": len(subject) > SUBJECT_LIMIT,
                "send_at": local(digest.send_at, zone) if digest else "",
                "words": sum(t.word_count for _, t in titles.items() if t.slug in issue.themes),
            }
        )
    try:
        skipped = skipped_dates(campaign.schedule, len(campaign.issues))
    except ValueError:
        skipped = []
    return {
        "campaign": campaign,
        # Who the series is from, as the fields show it: a text still to write is an empty field.
        "series_written": {
            "partnership": shown(campaign.partnership),
            "sender": shown(campaign.sender),
        },
        "issues": issues,
        "problems": problems,
        "skipped": skipped,
        "subject_limit": SUBJECT_LIMIT,
        "cadences": CADENCES,
        "every": campaign.schedule.every_days,
        "every_text": describe_cadence(campaign.schedule.every_days),
        "catch_up": catch_up_form(campaign, refused),
    }


async def plan_edit(request: Request) -> Response:
    data = await form(request)
    require(request, "author")
    draft = load_draft(request)
    action = text(data, "action")
    try:
        change, field, summary = _plan_change(action, data, draft.campaign)
    except FieldErrors as error:
        return plan_page(request, error.errors, 400, data if action == "catch-up" else None)
    except (BriefcastError, ValueError) as error:
        return plan_page(request, {_field(action, data): one_line(error)}, 400)
    try:
        edit_plan(get_engine(request), draft.id, revision(data), change, actor(request), summary)
    except BriefcastError as error:
        return plan_page(request, {field: one_line(error)}, 400)
    return redirect(request, f"/campaigns/{draft.id}/plan", flash=summary[:1].upper() + summary[1:])


def _field(action: str, data: FormData) -> str:
    """The field a plan form's mistake is shown at (the error summary links to it)."""
    fields = {
        "move": f"to-{text(data, 'slug')}",
        "add-issue": f"to-{text(data, 'slug')}",
        "issue": f"subject-{text(data, 'number')}",
        "schedule": "start",
        "series": "title",
        "catch-up": field_of("catch_up"),
    }
    return fields.get(action, "plan")


def _plan_change(action: str, data: FormData, campaign: Campaign):  # type: ignore[no-untyped-def]
    """(the change, the field an error belongs to, what it did in words) for a plan form."""
    if action == "move":
        slug, to = text(data, "slug"), int(text(data, f"to-{text(data, 'slug')}") or 0)
        return (lambda c: move_theme(c, slug, to)), f"to-{slug}", f"moved {slug} to issue {to}"
    if action == "add-issue":
        slug = text(data, "slug")
        return (lambda c: add_issue(c, slug)), f"to-{slug}", f"made {slug} an issue of its own"
    if action == "remove-issue":
        number = int(text(data, "number"))
        return (lambda c: remove_issue(c, number)), "plan", f"removed issue {number}"
    if action == "issue":
        return issue_change(data, campaign)
    if action == "schedule":
        return _schedule_change(data)
    if action == "series":
        return _series_change(data)
    if action == "catch-up":
        return catch_up_change(data, campaign)
    raise DraftError("that is not something the plan page does")


def _schedule_change(data: FormData):  # type: ignore[no-untyped-def]
    try:
        start = date.fromisoformat(text(data, "start"))
    except ValueError:
        raise DraftError("Enter the first send date as a date, like 2027-04-13") from None
    try:
        send_time = time.fromisoformat(text(data, "time"))
    except ValueError:
        raise DraftError("Enter the send time as hours and minutes, like 09:30") from None
    every = int(text(data, "every") or 7)
    if every not in CADENCES:
        raise DraftError("Choose how often the issues go out")

    def change(c: Campaign) -> Campaign:
        schedule = replace(c.schedule, start=start, send_time=send_time, every_days=every, dates=())
        return replace(c, schedule=schedule, source_lines={})

    return change, "start", "saved the schedule"


def _series_change(data: FormData):  # type: ignore[no-untyped-def]
    title, partnership, sender = (
        text(data, "title"),
        text(data, "partnership"),
        text(data, "sender"),
    )
    if not (title and partnership and sender):
        raise DraftError("The series needs a title, a partnership and a From address")
    reply_to = text(data, "reply_to") or None
    lists = tuple(part.strip() for part in text(data, "lists").split(",") if part.strip())

    def change(c: Campaign) -> Campaign:
        return replace(
            c, title=title, partnership=partnership, sender=sender, reply_to=reply_to, lists=lists
        )

    return change, "title", "saved the series details"


routes = [
    Route("/campaigns/{draft_id:int}/briefing", briefing_page, methods=["GET"]),
    Route("/campaigns/{draft_id:int}/briefing", briefing_edit, methods=["POST"]),
    Route("/campaigns/{draft_id:int}/plan", plan_page, methods=["GET"]),
    Route("/campaigns/{draft_id:int}/plan", plan_edit, methods=["POST"]),
]
