"""The campaign workflow's pages (issue 11, steps 1-7): the Campaigns list and New campaign here;
the briefing and plan in campaign_edit.py, preview and approval in campaign_review.py, the
campaign page, steering, report and audit trail in campaign_follow.py.

Every page calls the workflow library (briefcast.workflow) and nothing else decides: the pages
only offer what the library would allow, and a forged form meets the same refusal. A POST
checks its CSRF token first, then the person's role, then finds the draft.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import PurePath

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from briefcast.campaigns.briefing_text import NotText, decode
from briefcast.campaigns.campaign_file import CampaignFileError
from briefcast.console import campaign_edit, campaign_follow, campaign_review
from briefcast.console.campaign_helpers import local, one_line, text
from briefcast.console.pages import actor, form, get_engine, get_settings, redirect, render, require
from briefcast.errors import BriefcastError
from briefcast.workflow.drafts import briefing_text, create_draft
from briefcast.workflow.follow import campaign_list


def campaigns_page(request: Request) -> Response:
    require(request)
    lines = campaign_list(get_engine(request), get_settings(request))
    return render(
        request,
        "campaigns/index.html",
        title="Campaigns",
        lines=[{"line": line, "next_send": local(line.next_send, line.timezone)} for line in lines],
    )


def new_page(request: Request) -> Response:
    require(request, "author")
    return render(request, "campaigns/new.html", title="New campaign", errors={}, pasted="")


async def create(request: Request) -> Response:
    data = await form(request, max_files=2)
    require(request, "author")
    pasted = text(data, "pasted")
    errors: dict[str, str] = {}
    briefing, source = pasted, "pasted-briefing.txt"
    upload = data.get("briefing")
    if isinstance(upload, UploadFile) and upload.filename:
        source = PurePath(upload.filename).name
        try:
            # A Word or PDF file is kept as the text its reader reads, with its own name;
            # converting a long PDF takes seconds, so not on the server's event loop.
            briefing = await run_in_threadpool(briefing_text, await upload.read(), source)
        except BriefcastError as error:
            errors["briefing"] = one_line(error)
    elif not pasted:
        errors["briefing"] = "Choose a briefing file, or paste the briefing's text"
    plan, plan_source = None, "campaign.yaml"
    plan_upload = data.get("campaign_file")
    if isinstance(plan_upload, UploadFile) and plan_upload.filename:
        plan, plan_source = await _upload_text(
            plan_upload, errors, "campaign_file", (".yaml", ".yml")
        )
    if not errors:
        try:
            draft_id = create_draft(
                get_engine(request),
                text=briefing,
                source=source,
                actor=actor(request),
                today=datetime.now(UTC).date(),
                plan=plan,
                plan_source=plan_source,
            )
        except BriefcastError as error:
            field = "campaign_file" if isinstance(error, CampaignFileError) else "briefing"
            errors[field] = one_line(error)
        else:
            return redirect(request, f"/campaigns/{draft_id}/briefing", flash="Briefing read")
    return render(
        request,
        "campaigns/new.html",
        status=400,
        title="New campaign",
        errors=errors,
        pasted=pasted,
    )


async def _upload_text(
    upload: UploadFile, errors: dict[str, str], field: str, suffixes: tuple[str, ...]
) -> tuple[str, str]:
    name = PurePath(upload.filename or "").name
    if PurePath(name).suffix.lower() not in suffixes:
        errors[field] = f"{name}: choose a {' or '.join(suffixes)} file"
        return "", name
    try:
        return decode(await upload.read()), name
    except NotText as error:
        errors[field] = f"{name}: {error}"
        return "", name


routes = [
    Route("/", campaigns_page, methods=["GET"]),
    Route("/campaigns/new", new_page, methods=["GET"]),
    Route("/campaigns/new", create, methods=["POST"]),
    *campaign_edit.routes,
    *campaign_review.routes,
    *campaign_follow.routes,
]
