"""Step 7: the campaign page (live status per issue, expected finish, reasons; *Pause*, *Resume*,
*Cancel*, *Reschedule* for approvers, and *Resend* of messages whose outcome is unknown, of an
issue or of the catch-ups, behind a confirmation page), the dissemination report and its CSV,
the audit trail, and the campaign file to download."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from briefcast.console.campaign_helpers import load_draft, local, one_line, page_context, text
from briefcast.console.pages import actor, form, get_engine, get_settings, redirect, render, require
from briefcast.delivery.status import unknown_meaning
from briefcast.errors import BriefcastError
from briefcast.reports.build import Report, build_report
from briefcast.reports.render import render_csv
from briefcast.store.schema import IssueState
from briefcast.workflow.approval import APPROVED, trail
from briefcast.workflow.drafts import Draft
from briefcast.workflow.follow import resend_unknown, series_status, steer

REFRESH_SECONDS = 10  # how often the status refreshes itself (console/static/refresh.js)
LIVE = (IssueState.SCHEDULED, IssueState.SENDING, IssueState.PAUSED, IssueState.MISSED)
STEERING = {"pause": "Pause", "resume": "Resume", "cancel": "Cancel", "reschedule": "Reschedule"}


def campaign_page(request: Request, errors: dict[str, str] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    person = require(request)
    draft = load_draft(request)
    context = page_context(draft, "")
    issues, report, live, catch_ups = [], None, False, None
    if draft.record.campaign_id is not None:
        engine, settings = get_engine(request), get_settings(request)
        found = series_status(engine, settings, draft.record.name)
        zone = found.timezone
        issues = [
            {
                "status": issue,
                "planned_at": local(issue.planned_at, zone),
                "expected_finish": local(issue.expected_finish, zone),
                "unknown": unknown_meaning(issue.counts["unknown"])
                if issue.counts["unknown"]
                else None,
            }
            for issue in found.issues
        ]
        live = any(issue.state in LIVE for issue in found.issues)
        catch_ups = found.catch_ups  # counted by status already: nothing queried again
        report = build_report(engine, draft.record.name)
    return render(
        request,
        "campaigns/campaign.html",
        status=status,
        title=draft.record.title,
        errors=errors or {},
        issues=issues,
        report=report,
        catch_ups=catch_ups,
        catch_ups_due=local(catch_ups.next_due, found.timezone) if catch_ups else "",
        catch_ups_unknown=unknown_meaning(catch_ups.unknown) if catch_ups else None,
        refresh=REFRESH_SECONDS if live else None,
        may_steer=person.has_role("approver") and draft.record.campaign_id is not None,
        may_submit=person.has_role("author") and draft.record.state.value in ("draft", "rejected"),
        one_person=_one_person(request, draft.id),
        **context,
    )


async def steer_campaign(request: Request) -> Response:
    data = await form(request)
    require(request, "approver")
    draft = load_draft(request)
    action = text(data, "action")
    number = int(text(data, "number")) if text(data, "number").isdigit() else None
    try:
        outcomes = steer(
            get_engine(request),
            get_settings(request),
            draft.id,
            action,
            actor(request),
            number=number,
            when=text(data, f"when-{number}").replace("T", " ") if number else None,
        )
    except BriefcastError as error:
        field = f"when-{number}" if action == "reschedule" else "steer"
        return campaign_page(request, {field: one_line(error)}, 400)
    done = "; ".join(f"issue {o.number}: {o.message}" for o in outcomes)
    return redirect(request, f"/campaigns/{draft.id}", flash=done[:1].upper() + done[1:])


def resend_page(request: Request) -> Response:
    """The confirmation before resending: how many, what it means, what it risks."""
    require(request, "approver")
    draft = load_draft(request)
    if "number" in request.path_params:
        issue = _issue_status(request, draft)
        count, what = issue.counts["unknown"], f"issue {issue.number}, “{issue.subject}”"
        title = f"Resend issue {issue.number}'s messages whose outcome is unknown"
    else:
        count, what = _catch_ups_unknown(request, draft), "a catch-up"
        title = "Resend the catch-up messages whose outcome is unknown"
    return render(
        request,
        "campaigns/resend_unknown.html",
        title=title,
        what=what,
        action=request.url.path,
        count=count,
        meaning=unknown_meaning(count),
        **page_context(draft, ""),
    )


async def resend_post(request: Request) -> Response:
    await form(request)
    require(request, "approver")
    draft = load_draft(request)
    number = int(request.path_params["number"]) if "number" in request.path_params else None
    try:
        outcome = resend_unknown(
            get_engine(request), get_settings(request), draft.id, number, actor(request)
        )
    except BriefcastError as error:
        return campaign_page(request, {"steer": one_line(error)}, 400)
    which = f"Issue {number}" if number is not None else "Catch-ups"
    return redirect(request, f"/campaigns/{draft.id}", flash=f"{which}: {outcome.message}")


def _catch_ups_unknown(request: Request, draft: Draft) -> int:
    if draft.record.campaign_id is None:
        raise HTTPException(404)
    found = series_status(get_engine(request), get_settings(request), draft.record.name)
    return found.catch_ups.unknown if found.catch_ups else 0


def _issue_status(request: Request, draft: Draft):  # type: ignore[no-untyped-def]
    if draft.record.campaign_id is None:
        raise HTTPException(404)
    found = series_status(get_engine(request), get_settings(request), draft.record.name)
    number = int(request.path_params["number"])
    for issue in found.issues:
        if issue.number == number:
            return issue
    raise HTTPException(404)


def report_page(request: Request) -> Response:
    require(request)
    draft = load_draft(request)
    report = _report(request, draft)
    return render(
        request,
        "campaigns/report.html",
        title="Dissemination report",
        report=report,
        one_person=_one_person(request, draft.id),
        **page_context(draft, "/report"),
    )


def report_csv(request: Request) -> Response:
    require(request)
    draft = load_draft(request)
    return Response(
        render_csv(_report(request, draft)),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{draft.record.name}-report.csv"'},
    )


def audit_page(request: Request) -> Response:
    require(request)
    draft = load_draft(request)
    zone = draft.campaign.schedule.timezone
    entries = [(entry, local(entry.at, zone)) for entry in trail(get_engine(request), draft.id)]
    return render(
        request,
        "campaigns/audit.html",
        title="Audit trail",
        entries=entries,
        **page_context(draft, "/audit"),
    )


def campaign_file(request: Request) -> Response:
    require(request)
    draft = load_draft(request)
    return Response(
        draft.record.plan,
        media_type="application/yaml; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{draft.record.name}.yaml"'},
    )


def _report(request: Request, draft: Draft) -> Report:
    if draft.record.campaign_id is None:
        raise HTTPException(404)
    try:
        return build_report(get_engine(request), draft.record.name)
    except BriefcastError:
        raise HTTPException(404) from None


def _one_person(request: Request, draft_id: int) -> str | None:
    """Who approved alone (four eyes off) most recently, for the campaign page and report."""
    approvals = [e for e in trail(get_engine(request), draft_id) if e.action == APPROVED]
    if approvals and approvals[-1].details and approvals[-1].details.get("one_person"):
        return approvals[-1].actor.name
    return None


routes = [
    Route("/campaigns/{draft_id:int}", campaign_page, methods=["GET"]),
    Route("/campaigns/{draft_id:int}/steer", steer_campaign, methods=["POST"]),
    Route("/campaigns/{draft_id:int}/resend-unknown/{number:int}", resend_page, methods=["GET"]),
    Route("/campaigns/{draft_id:int}/resend-unknown/{number:int}", resend_post, methods=["POST"]),
    Route("/campaigns/{draft_id:int}/resend-unknown/catch-ups", resend_page, methods=["GET"]),
    Route("/campaigns/{draft_id:int}/resend-unknown/catch-ups", resend_post, methods=["POST"]),
    Route("/campaigns/{draft_id:int}/report", report_page, methods=["GET"]),
    Route("/campaigns/{draft_id:int}/report.csv", report_csv, methods=["GET"]),
    Route("/campaigns/{draft_id:int}/audit", audit_page, methods=["GET"]),
    Route("/campaigns/{draft_id:int}/campaign.yaml", campaign_file, methods=["GET"]),
]
