"""People on the lists (h1 "People on the lists", under Lists; the staff accounts' page is
console/people.py's "People"), for admins: search, one person's page, suppress and unsuppress,
the subject access export and erasure. People are addressed by id, never by address: the search
is a POST, so what was typed stays out of URLs and logs. Every change and export is audited."""

from __future__ import annotations

import json

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from briefcast.console.pages import (
    actor,
    form,
    get_engine,
    get_settings,
    redirect,
    render,
    require,
)
from briefcast.errors import BriefcastError
from briefcast.recipients import people
from briefcast.recipients.suppression import MANUAL_REASONS
from briefcast.store.schema import SuppressionReason

TITLE = "People on the lists"
REASON_LABELS = {
    SuppressionReason.UNSUBSCRIBED: "They asked not to get these emails",
    SuppressionReason.BOUNCED: "The address does not work",
    SuppressionReason.COMPLAINED: "They marked an email as spam",
    SuppressionReason.MANUAL: "An admin's decision (leave, left the agency, ...)",
}


async def search_page(request: Request) -> Response:
    require(request, "admin")
    return render(request, "people/search.html", title=TITLE, query="", found=None, errors={})


async def search(request: Request) -> Response:
    require(request, "admin")
    data = await form(request)
    query = str(data.get("q", "")).strip()
    try:
        found = await run_in_threadpool(people.find_people, get_engine(request), query)
    except BriefcastError as error:
        errors = {"q": str(error).capitalize()}
        return render(
            request, "people/search.html", status=400, title=TITLE, query=query, found=None,
            errors=errors,
        )  # fmt: skip
    return render(request, "people/search.html", title=TITLE, query=query, found=found, errors={})


def _id(request: Request) -> int:
    return int(request.path_params["recipient_id"])


async def _held(request: Request) -> dict:  # type: ignore[type-arg]
    try:
        return await run_in_threadpool(
            people.person, get_engine(request), _id(request), get_settings(request).secret_key
        )
    except people.NoSuchPerson:
        raise HTTPException(404) from None


async def person_page(request: Request) -> Response:
    require(request, "admin")
    held = await _held(request)
    recipient = held["recipient"] or {}
    return render(
        request,
        "people/person.html",
        title=recipient.get("name") or held["address"],
        person_id=_id(request),
        held=held,
        reasons=[(r.value, REASON_LABELS[r]) for r in MANUAL_REASONS],
    )


async def change(request: Request) -> Response:
    """Suppress or unsuppress, by the button pressed; the reason is written to the audit."""
    require(request, "admin")
    data = await form(request)
    here = f"/lists/people/{_id(request)}"
    scope = str(data.get("list", "")) or None
    engine, who = get_engine(request), actor(request)
    try:
        if data.get("action") == "suppress":
            reason = str(data.get("reason", ""))
            new = await run_in_threadpool(
                people.suppress_person,
                engine,
                _id(request),
                reason,
                scope,
                who,
                str(data.get("note", "")),
            )
            flash = "Suppressed: nothing more is sent to them" if new else "Already suppressed"
        elif data.get("action") == "unsuppress":
            why = str(data.get("why", ""))
            await run_in_threadpool(people.unsuppress_person, engine, _id(request), scope, who, why)
            flash = "The suppression is lifted"
        else:
            flash = "Use one of the buttons"
    except people.NoSuchPerson:
        raise HTTPException(404) from None
    except BriefcastError as error:
        flash = str(error).capitalize()
    return redirect(request, here, flash=flash)


async def export(request: Request) -> Response:
    """The subject access export as a JSON download; who asked and why go to the audit."""
    require(request, "admin")
    data = await form(request)
    try:
        held = await run_in_threadpool(
            people.export, get_engine(request), _id(request), get_settings(request).secret_key,
            actor(request), str(data.get("why", "")),
        )  # fmt: skip
    except people.NoSuchPerson:
        raise HTTPException(404) from None
    except BriefcastError as error:
        return redirect(request, f"/lists/people/{_id(request)}", flash=str(error).capitalize())
    body = json.dumps(held, indent=2, ensure_ascii=False, default=str) + "\n"
    name = f"subject-access-{_id(request)}.json"  # an id, not the address: file names travel
    return Response(
        body,
        media_type="application/json",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


async def erase_page(request: Request) -> Response:
    require(request, "admin")
    try:
        preview = await run_in_threadpool(
            people.erasure_preview, get_engine(request), _id(request),
            get_settings(request).secret_key,
        )  # fmt: skip
    except people.NoSuchPerson:
        raise HTTPException(404) from None
    return render(
        request, "people/erase.html", title="Erase this person", preview=preview,
        person_id=_id(request),
    )  # fmt: skip


async def erase(request: Request) -> Response:
    require(request, "admin")
    await form(request)
    try:
        report = await run_in_threadpool(
            people.erase, get_engine(request), _id(request), get_settings(request).secret_key,
            actor(request),
        )  # fmt: skip
    except people.NoSuchPerson:
        raise HTTPException(404) from None
    flash = (
        f"Erased: their details, {report.memberships_removed} list memberships and "
        f"{report.suppressions_removed} suppressions were deleted"
        + (
            f", and {report.uploads_deleted} uploaded files naming them"
            if report.uploads_deleted
            else ""
        )
    )
    return redirect(request, "/lists/people", flash=flash)


routes = [
    Route("/lists/people", search_page, methods=["GET"]),
    Route("/lists/people", search, methods=["POST"]),
    Route("/lists/people/{recipient_id:int}", person_page, methods=["GET"]),
    Route("/lists/people/{recipient_id:int}", change, methods=["POST"]),
    Route("/lists/people/{recipient_id:int}/export", export, methods=["POST"]),
    Route("/lists/people/{recipient_id:int}/erase", erase_page, methods=["GET"]),
    Route("/lists/people/{recipient_id:int}/erase", erase, methods=["POST"]),
]
