"""Organisations, for admins: the agencies as the lists name them; merge the names of one agency
("Northshire Police", "Northshire Constabulary") so the report counts them as one row."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from briefcast.console.pages import actor, form, get_engine, redirect, render, require
from briefcast.errors import BriefcastError
from briefcast.recipients import organisations


async def organisations_page(request: Request) -> Response:
    require(request, "admin")
    found = await run_in_threadpool(organisations.organisations, get_engine(request))
    return render(request, "organisations.html", title="Organisations", organisations=found)


async def change(request: Request) -> Response:
    require(request, "admin")
    data = await form(request, max_fields=5000)
    engine, who = get_engine(request), actor(request)
    try:
        if data.get("unmerge"):
            name = str(data.get("unmerge"))
            await run_in_threadpool(organisations.unmerge, engine, name, who)
            flash = f"{name} is reported as itself again"
        elif data.get("action") == "merge":
            names = [str(name) for name in data.getlist("name")]
            into = await run_in_threadpool(
                organisations.merge, engine, names, str(data.get("into", "")), who
            )
            flash = f"Merged into {into}: the report counts them as one"
        else:
            flash = "Use one of the buttons"
    except BriefcastError as error:
        flash = str(error).capitalize()
    return redirect(request, "/lists/organisations", flash=flash)


routes = [
    Route("/lists/organisations", organisations_page, methods=["GET"]),
    Route("/lists/organisations", change, methods=["POST"]),
]
