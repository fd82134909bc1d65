"""The People page, for admins: who may sign in, with which roles; change roles, disable, enable,
and make a new set-up link. The same library calls as `briefcast users` (console/accounts.py)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from briefcast.console import accounts
from briefcast.console.pages import actor, form, get_engine, get_settings, redirect, render, require
from briefcast.errors import BriefcastError
from briefcast.store.staff import ROLES


async def people_page(request: Request) -> Response:
    require(request, "admin")
    everyone = await run_in_threadpool(accounts.people, get_engine(request))
    return render(
        request, "people.html", title="People", people=everyone, roles=ROLES, setup_link=None
    )


async def change(request: Request) -> Response:
    """One person's roles, or disable / enable / reset, by the button pressed."""
    me = require(request, "admin")
    data = await form(request)
    engine, who = get_engine(request), actor(request)
    email, action = str(data.get("email", "")), str(data.get("action", ""))
    try:
        if action == "roles":
            roles = [role for role in ROLES if data.get(f"role-{role}")]
            if email == me.email and "admin" not in roles:
                flash = "You cannot take away your own admin role"
                return redirect(request, "/people", flash=flash)
            await run_in_threadpool(accounts.set_roles, engine, email, roles, who)
            message = f"Roles of {email} saved"
        elif action == "disable":
            if email == me.email:
                return redirect(request, "/people", flash="You cannot disable yourself")
            await run_in_threadpool(accounts.disable_person, engine, email, who)
            message = f"{email} is disabled and signed out everywhere"
        elif action == "enable":
            await run_in_threadpool(accounts.enable_person, engine, email, who)
            message = f"{email} may sign in again"
        elif action == "reset":
            link = await run_in_threadpool(
                accounts.reset_person, engine, get_settings(request), email, who
            )
            everyone = await run_in_threadpool(accounts.people, engine)
            return render(
                request,
                "people.html",
                title="People",
                people=everyone,
                roles=ROLES,
                setup_link={"email": email, "link": link},
            )
        else:
            return redirect(request, "/people", flash="Use one of the buttons")
    except accounts.NoSuchPerson as error:  # a stale or edited form: the list shows who has one
        flash = f"There is no account for {error.email}: the list below shows everyone who has one"
        return redirect(request, "/people", flash=flash)
    except BriefcastError as error:
        return redirect(request, "/people", flash=str(error))
    return redirect(request, "/people", flash=message)


routes = [
    Route("/people", people_page, methods=["GET"]),
    Route("/people", change, methods=["POST"]),
]
