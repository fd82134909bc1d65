"""The Lists area, for admins: every list, Upload a list, its check page, and Import (or *Make
the list match this file*), Cancel. The same library calls as `briefcast lists import`; the slow
part runs in console/list_uploads.py's background thread while the page refreshes itself, and the
upload is kept in the database, so any console process serves its pages."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from briefcast.console.list_uploads import Upload, Uploads
from briefcast.console.pages import (
    actor,
    form,
    get_engine,
    redirect,
    render,
    require,
)
from briefcast.errors import BriefcastError
from briefcast.recipients import list_overview
from briefcast.recipients.csv_source import MEANINGS
from briefcast.recipients.lists import check_slug
from briefcast.recipients.sheets import SUFFIXES

MEANING_LABELS = {
    "address": "Email address",
    "name": "Name",
    "first_name": "First name",
    "surname": "Surname",
    "organisation": "Organisation",
    "role": "Job title or role",
}


def uploads(request: Request) -> Uploads:
    """This app's uploads (made by create_app; their state is in the database)."""
    return request.app.state.list_uploads


async def lists_page(request: Request) -> Response:
    require(request, "admin")
    overview = await run_in_threadpool(list_overview, get_engine(request))
    return render(request, "lists/index.html", title="Lists", lists=overview)


async def upload_page(request: Request) -> Response:
    require(request, "admin")
    return await _upload_form(request, {}, {})


async def _upload_form(request: Request, errors: dict[str, str], values: dict[str, str]):  # type: ignore[no-untyped-def]
    overview = await run_in_threadpool(list_overview, get_engine(request))
    return render(
        request,
        "lists/upload.html",
        status=400 if errors else 200,
        title="Upload a list",
        lists=[item.list for item in overview],
        errors=errors,
        values=values,
        accept=",".join(SUFFIXES),
    )


async def upload(request: Request) -> Response:
    me = require(request, "admin")
    data = await form(request, max_files=1)
    file = data.get("spreadsheet")
    chosen, new = str(data.get("list", "")), str(data.get("new_list", "")).strip()
    sheet = str(data.get("sheet", "")).strip() or None
    values = {"list": chosen, "new_list": new, "sheet": sheet or ""}
    errors: dict[str, str] = {}
    if not isinstance(file, UploadFile) or not file.filename:
        errors["spreadsheet"] = "Choose the list's file"
    elif not file.filename.lower().endswith(SUFFIXES):
        errors["spreadsheet"] = "The file must be a .csv, .tsv, .xlsx or .ods file"
    slug = new or chosen
    if not slug:
        errors["list"] = "Choose a list, or give a new list's short name"
    else:
        try:
            check_slug(slug)
        except BriefcastError as error:
            errors["new_list" if new else "list"] = str(error).capitalize()
    if errors:
        return await _upload_form(request, errors, values)
    assert isinstance(file, UploadFile) and file.filename
    content = await file.read()
    if not content:
        return await _upload_form(request, {"spreadsheet": "The file is empty"}, values)
    started = await run_in_threadpool(
        uploads(request).start, me.id, file.filename, content, slug, sheet
    )
    return redirect(request, f"/lists/uploads/{started}")


def _mine(request: Request, upload_id: str) -> Upload:
    me = require(request, "admin")
    found = uploads(request).get(upload_id)
    if found is None or found.user_id != me.id:
        raise HTTPException(404)
    return found


def upload_status(request: Request) -> Response:
    found = _mine(request, request.path_params["upload_id"])
    state = found.state  # read once, from the database: the work may be in another process
    titles = {
        "checking": "Checking the file",
        "importing": "Importing",
        "failed": "The file could not be used",
        "checked": "Check the list before importing",
        "imported": "List imported",
    }
    page = render(
        request,
        "lists/upload_status.html",
        title=titles[state],
        state=state,
        busy=state in ("checking", "importing"),
        upload=found,
        labels=MEANING_LABELS,
        meanings=MEANINGS,
        rejected=uploads(request).rejected_rows(found.id) if state == "checked" else [],
    )
    uploads(request).seen(found)
    return page


async def change_columns(request: Request) -> Response:
    require(request, "admin")
    data = await form(request)  # the CSRF check comes first, whatever the upload
    found = await run_in_threadpool(_mine, request, request.path_params["upload_id"])
    if found.state != "checked" or found.check is None:
        return redirect(request, f"/lists/uploads/{found.id}")
    mapping: dict[str, int | None] = dict.fromkeys(MEANINGS)
    for index in range(len(found.check.headers)):
        meaning = str(data.get(f"column-{index}", ""))
        if meaning not in MEANINGS:
            continue
        if mapping[meaning] is not None:
            flash = f"Only one column can be the {MEANING_LABELS[meaning].lower()}"
            return redirect(request, f"/lists/uploads/{found.id}", flash=flash)
        mapping[meaning] = index
    if mapping["address"] is None:
        flash = "Choose the column with the email addresses"
        return redirect(request, f"/lists/uploads/{found.id}", flash=flash)
    await run_in_threadpool(uploads(request).recheck, found, mapping)
    return redirect(request, f"/lists/uploads/{found.id}")


async def change_sheet(request: Request) -> Response:
    """Check another sheet of the spreadsheet (its columns are found anew)."""
    require(request, "admin")
    data = await form(request)
    found = await run_in_threadpool(_mine, request, request.path_params["upload_id"])
    sheet = str(data.get("sheet", ""))
    if found.state == "checked" and sheet in found.sheets:
        await run_in_threadpool(uploads(request).recheck, found, None, sheet)
    return redirect(request, f"/lists/uploads/{found.id}")


def rejected_csv(request: Request) -> Response:
    found = _mine(request, request.path_params["upload_id"])
    data = uploads(request).rejected_csv(found.id) if found.state == "checked" else None
    if not data:
        raise HTTPException(404)
    name = f"{found.file_name.rsplit('.', 1)[0]}.rejected.csv"
    # written by csv_import's RejectionReport through safe_output: formula cells neutralised
    return Response(
        data,
        media_type="text/csv",
        headers={"content-disposition": f'attachment; filename="{_header_safe(name)}"'},
    )


def _header_safe(name: str) -> str:
    """A file name fit for a header: what the person's computer called it, without quotes."""
    return "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)


def match_page(request: Request) -> Response:
    """The confirmation before *Make the list match this file*: who will be taken off."""
    found = _mine(request, request.path_params["upload_id"])
    if found.state != "checked":
        return redirect(request, f"/lists/uploads/{found.id}")
    return render(request, "lists/match.html", title="Make the list match this file", upload=found)


async def start_import(request: Request) -> Response:
    require(request, "admin")
    data = await form(request)  # the CSRF check comes first, whatever the upload
    found = await run_in_threadpool(_mine, request, request.path_params["upload_id"])
    if found.state != "checked":
        return redirect(request, f"/lists/uploads/{found.id}", flash="This file is not ready")
    started = await run_in_threadpool(
        uploads(request).apply, found, data.get("sync") == "yes", actor(request)
    )
    flash = None if started else "This file is already being imported"
    return redirect(request, f"/lists/uploads/{found.id}", flash=flash)


async def cancel(request: Request) -> Response:
    """Delete the upload and its file (not while a check or import works on it)."""
    require(request, "admin")
    await form(request)
    found = await run_in_threadpool(_mine, request, request.path_params["upload_id"])
    if not await run_in_threadpool(uploads(request).cancel, found):
        flash = "Wait until the work on this file has finished"
        return redirect(request, f"/lists/uploads/{found.id}", flash=flash)
    return redirect(request, "/lists", flash=f"{found.file_name} was deleted; nothing was imported")


routes = [
    Route("/lists", lists_page, methods=["GET"]),
    Route("/lists/upload", upload_page, methods=["GET"]),
    Route("/lists/upload", upload, methods=["POST"]),
    Route("/lists/uploads/{upload_id}", upload_status, methods=["GET"]),
    Route("/lists/uploads/{upload_id}/columns", change_columns, methods=["POST"]),
    Route("/lists/uploads/{upload_id}/sheet", change_sheet, methods=["POST"]),
    Route("/lists/uploads/{upload_id}/rejected.csv", rejected_csv, methods=["GET"]),
    Route("/lists/uploads/{upload_id}/match", match_page, methods=["GET"]),
    Route("/lists/uploads/{upload_id}/import", start_import, methods=["POST"]),
    Route("/lists/uploads/{upload_id}/cancel", cancel, methods=["POST"]),
]
