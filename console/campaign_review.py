"""Steps 5 and 6: *Preview* (each issue at 600 and 375 px, its text, its checks, *Send me a
test*), *Submit for approval*, and the approver's view with *Approve and schedule* or *Reject*."""

from __future__ import annotations

from itertools import groupby

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from briefcast.campaigns.plan import assemble
from briefcast.campaigns.preview import CampaignProblemsError
from briefcast.campaigns.render import render_digest
from briefcast.console.campaign_catch_up import catch_up_form
from briefcast.console.campaign_helpers import (
    load_draft,
    local,
    one_line,
    page_context,
    revision,
    text,
)
from briefcast.console.campaign_texts import (
    as_written,
    shown,
    still_to_write_links,
    without_unwritten,
)
from briefcast.console.pages import (
    actor,
    form,
    get_engine,
    get_settings,
    redirect,
    render,
    require,
)
from briefcast.delivery.preview import digest_sample_fields as sample_fields
from briefcast.delivery.preview import sample_catch_up
from briefcast.errors import BriefcastError
from briefcast.web.middleware import ISSUE_POLICY
from briefcast.workflow.approval import (
    approval_refusal,
    approve,
    changes_since_approval,
    reject,
    submit,
)
from briefcast.workflow.drafts import StillToWrite, send_test
from briefcast.workflow.plan_changes import plan_changes

# The issue's own HTML inside the console's preview frames: its inline styles allowed, never a
# script, and framed only by the console itself (the console's pages refuse every framing).
FRAMED_ISSUE_POLICY = ISSUE_POLICY.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
# The characters of a changed text the approval page shows before "Show the whole text".
TEXT_SHOWN = 160


def preview_page(request: Request, errors: dict[str, str] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    require(request)
    draft = load_draft(request)
    context = page_context(draft, "/preview")
    try:
        rendered = draft.render()
    except CampaignProblemsError as error:
        return render(
            request,
            "campaigns/preview.html",
            status=status,
            title="Preview",
            errors=errors or {},
            problems=without_unwritten(error.problems, draft.campaign, draft.briefing),
            still_to_write=still_to_write_links(draft.id, draft.campaign),
            issues=[],
            warnings=[],
            catch_up=catch_up_form(draft.campaign),
            catch_up_sample=None,
            **context,
        )
    base_url = get_settings(request).base_url
    issues = [
        {
            "issue": issue,
            "text": issue.personalise(sample_fields(issue.digest, base_url))[1],
            "send_at": local(issue.digest.send_at, draft.campaign.schedule.timezone),
        }
        for issue in rendered.issues
    ]
    return render(
        request,
        "campaigns/preview.html",
        status=status,
        title="Preview",
        errors=errors or {},
        problems=(),
        still_to_write=[],
        issues=issues,
        warnings=rendered.warnings,
        catch_up=catch_up_form(draft.campaign),
        catch_up_sample=sample_catch_up(
            [issue.digest for issue in rendered.issues], draft.campaign.catch_up, base_url=base_url
        ),
        **context,
    )


def issue_document(request: Request) -> Response:
    """One issue's HTML as the sample reader would see it, for the preview's frames."""
    require(request)
    draft = load_draft(request)
    number = request.path_params["number"]
    try:
        digests = assemble(draft.campaign, draft.briefing)
    except BriefcastError:
        raise HTTPException(404) from None
    digest = next((d for d in digests if d.number == number), None)
    if digest is None:
        raise HTTPException(404)
    html, _ = render_digest(digest).personalise(
        sample_fields(digest, get_settings(request).base_url)
    )
    return HTMLResponse(
        html,
        headers={"content-security-policy": FRAMED_ISSUE_POLICY, "x-frame-options": "SAMEORIGIN"},
    )


def catch_up_document(request: Request) -> Response:
    """The catch-up a sample new starter would get, for the preview's frames."""
    require(request)
    draft = load_draft(request)
    try:
        digests = assemble(draft.campaign, draft.briefing)
    except BriefcastError:
        raise HTTPException(404) from None
    sample = sample_catch_up(
        digests, draft.campaign.catch_up, base_url=get_settings(request).base_url
    )
    if sample is None:
        raise HTTPException(404)
    return HTMLResponse(
        sample.html,
        headers={"content-security-policy": FRAMED_ISSUE_POLICY, "x-frame-options": "SAMEORIGIN"},
    )


async def send_me_a_test(request: Request) -> Response:
    data = await form(request)
    person = require(request, "author", "approver")
    draft = load_draft(request)
    number = int(text(data, "number")) if text(data, "number").isdigit() else 0
    try:
        to = send_test(
            get_engine(request),
            get_settings(request),
            draft.id,
            number,
            person.email,
            actor(request),
        )
    except BriefcastError as error:
        return preview_page(request, {f"test-{number}": one_line(error)}, 400)
    return redirect(
        request, f"/campaigns/{draft.id}/preview", flash=f"Test of issue {number} sent to {to}"
    )


async def submit_for_approval(request: Request) -> Response:
    data = await form(request)
    require(request, "author")
    draft = load_draft(request)
    try:
        submit(get_engine(request), draft.id, revision(data), actor(request))
    except StillToWrite as error:
        # The page lists each one with a link to its field; the summary points there.
        count = len(error.items)
        texts = f"the {count} texts" if count > 1 else "the text"
        message = f"Write {texts} still to write before submitting"
        return approval_page(request, {"still-to-write": message}, 400)
    except CampaignProblemsError as error:
        message = f"{one_line(error)}: {error.problems[0].message}"
        return approval_page(request, {"submit": message}, 400)
    except BriefcastError as error:
        return approval_page(request, {"submit": one_line(error)}, 400)
    return redirect(request, f"/campaigns/{draft.id}", flash="Submitted for approval")


def approval_page(request: Request, errors: dict[str, str] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    person = require(request)
    draft = load_draft(request)
    settings = get_settings(request)
    me = actor(request)
    refusal = approval_refusal(get_engine(request), draft.id, me, four_eyes=settings.four_eyes)
    try:
        digests = assemble(draft.campaign, draft.briefing)
    except BriefcastError:
        digests = ()
    return render(
        request,
        "campaigns/approval.html",
        status=status,
        title="Approval",
        errors=errors or {},
        digests=[
            (as_written(d), local(d.send_at, draft.campaign.schedule.timezone)) for d in digests
        ],
        changes=[
            (part, list(found)) for part, found in groupby(plan_changes(draft), lambda c: c.part)
        ],
        file_changes=changes_since_approval(draft),
        # "" while still to write: the page says so instead of showing the mark as a sender.
        sender=shown(draft.campaign.sender),
        text_shown=TEXT_SHOWN,
        catch_up=catch_up_form(draft.campaign),
        first_approval=draft.record.approved_plan is None,
        may_approve=person.has_role("approver") and refusal is None,
        is_approver=person.has_role("approver"),
        refusal=refusal,
        may_submit=person.has_role("author") and draft.record.state.value in ("draft", "rejected"),
        still_to_write=still_to_write_links(draft.id, draft.campaign),
        **page_context(draft, "/approval"),
    )


async def approve_and_schedule(request: Request) -> Response:
    data = await form(request)
    require(request, "approver")
    draft = load_draft(request)
    settings = get_settings(request)
    try:
        result = approve(
            get_engine(request),
            settings,
            draft.id,
            revision(data),
            actor(request),
            four_eyes=settings.four_eyes,
        )
    except BriefcastError as error:
        return approval_page(request, {"approve": one_line(error)}, 403)
    count = len(result.changes)
    return redirect(
        request, f"/campaigns/{draft.id}", flash=f"Approved and scheduled: {count} issues"
    )


async def reject_draft(request: Request) -> Response:
    data = await form(request)
    require(request, "approver")
    draft = load_draft(request)
    try:
        reject(get_engine(request), draft.id, revision(data), actor(request), text(data, "note"))
    except BriefcastError as error:
        return approval_page(request, {"note": one_line(error)}, 400)
    return redirect(request, f"/campaigns/{draft.id}", flash="Sent back to the author")


routes = [
    Route("/campaigns/{draft_id:int}/preview", preview_page, methods=["GET"]),
    Route("/campaigns/{draft_id:int}/preview/{number:int}.html", issue_document, methods=["GET"]),
    Route("/campaigns/{draft_id:int}/preview/catch-up.html", catch_up_document, methods=["GET"]),
    Route("/campaigns/{draft_id:int}/test", send_me_a_test, methods=["POST"]),
    Route("/campaigns/{draft_id:int}/submit", submit_for_approval, methods=["POST"]),
    Route("/campaigns/{draft_id:int}/approval", approval_page, methods=["GET"]),
    Route("/campaigns/{draft_id:int}/approve", approve_and_schedule, methods=["POST"]),
    Route("/campaigns/{draft_id:int}/reject", reject_draft, methods=["POST"]),
]
