"""The ASGI app behind BRIEFCAST_BASE_URL: the unsubscribe, acknowledge, web view and archive pages.

Rules the pages keep:
- A GET never changes anything. Corporate link scanners (Microsoft Safe Links) open every link in
  an email; only a POST unsubscribes or acknowledges.
- The token in the URL is the capability; there are no sessions or cookies, so there is nothing
  for a cross-site request to ride on, and no CSRF token to add. RFC 8058 one-click POSTs come
  from mail providers' servers, without Origin, and must work as they are. A POST made by a
  browser from a page of another site is still refused when it carries one of our page forms
  (a scope button, an acknowledgement): those only ever come from our own pages, and refusing
  them stops another site from recording "I've read this" on someone's behalf.
- A bad token gets a plain page that says nothing about why; no page shows an id or a trace.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from briefcast.delivery.tokens import ExpiredToken, TokenError
from briefcast.links import Purpose, archive_issue_link, archive_issue_route, route
from briefcast.settings import Settings
from briefcast.store import connect
from briefcast.store.web import LinkTarget
from briefcast.web.links import REFLECTION_LIMIT, LinkGone, Links
from briefcast.web.middleware import ISSUE_POLICY, BodyLimit, SecurityHeaders
from briefcast.web.pages import STATIC, Pages

ONE_CLICK = ("List-Unsubscribe", "One-Click")  # RFC 8058: what a mail provider POSTs
MAX_ISSUE_NUMBER = 2**31 - 1


def create_app(settings: Settings, engine: Engine | None = None) -> Starlette:
    """The web app for these settings; opens (and on shutdown closes) the database if not given."""
    owned = engine is None
    database = engine if engine is not None else connect(settings)
    base = urlsplit(settings.base_url)
    pages = Pages(static_url=f"{base.path}/static")
    links = Links(database, settings.base_url, settings.secret_key)
    endpoints = Endpoints(links, pages, own_hosts={base.netloc})

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        if owned:
            database.dispose()

    app = Starlette(
        routes=[
            Route("/", endpoints.home, methods=["GET"]),
            # The paths are the links' own (briefcast/links.py), so an email's link always
            # has its page.
            Route(route(Purpose.UNSUBSCRIBE), endpoints.unsubscribe_page, methods=["GET"]),
            Route(route(Purpose.UNSUBSCRIBE), endpoints.unsubscribe, methods=["POST"]),
            Route(route(Purpose.ACKNOWLEDGE), endpoints.acknowledge_page, methods=["GET"]),
            Route(route(Purpose.ACKNOWLEDGE), endpoints.acknowledge, methods=["POST"]),
            Route(route(Purpose.VIEW), endpoints.web_view, methods=["GET"]),
            Route(route(Purpose.ARCHIVE), endpoints.archive, methods=["GET"]),
            Route(archive_issue_route(), endpoints.archive_issue, methods=["GET"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=[Middleware(SecurityHeaders), Middleware(BodyLimit)],
        exception_handlers=problem_handlers(pages),
        lifespan=lifespan,
    )
    app.state.links = links  # for `briefcast serve` to print each campaign's archive link
    return app


class Endpoints:
    """One method per page; the rules live in `Links`, the words in the templates."""

    def __init__(self, links: Links, pages: Pages, own_hosts: set[str]) -> None:
        self.links = links
        self.pages = pages
        self.own_hosts = own_hosts

    async def home(self, request: Request) -> Response:
        return self.pages.problem(
            200, "Learning briefings", "This site answers the links in briefing emails."
        )

    # -- unsubscribe ---------------------------------------------------------------------------

    async def unsubscribe_page(self, request: Request) -> Response:
        target = await self._target(request, Purpose.UNSUBSCRIBE)
        if not target.unsubscribe_offered:
            return self._not_offered(target, status=200)
        standings = await run_in_threadpool(self.links.standings, target)
        already_list = standings.suppressed_on(target.list_id)
        title = (
            "You are already unsubscribed"
            if already_list
            else f"Unsubscribe from {target.list_name}?"
        )
        return self.pages.render(
            "unsubscribe.html",
            **_about(target),
            title=title,
            already_list=already_list,
            can_leave=standings.can_leave,
            other_lists=[name for name in standings.can_leave if name != target.list_name],
            role_lists=standings.role_lists,
        )

    async def unsubscribe(self, request: Request) -> Response:
        """The page's two buttons (this list, all lists) and RFC 8058's one-click (this list)."""
        target = await self._target(request, Purpose.UNSUBSCRIBE)
        form = await _form(request)
        # RFC 8058: the body names the one-click; anything else (an empty body too) is no consent.
        one_click = form.get(ONE_CLICK[0]) == ONE_CLICK[1]
        if one_click:
            all_lists = False
        elif form.get("scope") in ("list", "all"):
            if self._from_another_site(request):
                return self._refused_cross_site()
            all_lists = form["scope"] == "all"
        else:
            return self.pages.problem(
                400, "This form was not understood", "Go back and press one of the buttons."
            )
        if not target.unsubscribe_offered:
            if one_click:
                return PlainTextResponse("This list has no unsubscribe link.\n", status_code=403)
            return self._not_offered(target, status=403)
        if all_lists:
            left, standings = await run_in_threadpool(self.links.unsubscribe_everywhere, target)
            changed = bool(left)
        else:
            changed = await run_in_threadpool(self.links.unsubscribe, target)
            if one_click:
                return PlainTextResponse("Unsubscribed.\n")
            left, standings = (), await run_in_threadpool(self.links.standings, target)
        return self.pages.render(
            "unsubscribed.html",
            **_about(target),
            title="You are unsubscribed",
            changed=changed,
            all_lists=all_lists,
            left=left,
            role_lists=standings.role_lists,
        )

    def _not_offered(self, target: LinkTarget, *, status: int) -> Response:
        title = f"{target.list_name or 'This list'} has no unsubscribe link"
        return self.pages.render("not_offered.html", status=status, **_about(target), title=title)

    # -- acknowledge ---------------------------------------------------------------------------

    async def acknowledge_page(self, request: Request) -> Response:
        target = await self._target(request, Purpose.ACKNOWLEDGE)
        when = await run_in_threadpool(self.links.acknowledged_at, target)
        return self.pages.render(
            "acknowledge.html",
            **_about(target),
            # Once confirmed, the page says it is done instead of asking again.
            title=(
                f"You have confirmed reading “{target.issue_title}”"
                if when
                else f"Confirm you have read “{target.issue_title}”"
            ),
            acknowledged_on=_day(when) if when else None,
            reflection_limit=REFLECTION_LIMIT,
        )

    async def acknowledge(self, request: Request) -> Response:
        target = await self._target(request, Purpose.ACKNOWLEDGE)
        if self._from_another_site(request):
            return self._refused_cross_site()
        form = await _form(request)
        changed = await run_in_threadpool(self.links.acknowledge, target, form.get("reflection"))
        title = "Thank you" if changed else "Already recorded"
        return self.pages.render(
            "acknowledged.html", **_about(target), title=title, changed=changed
        )

    # -- web view and archive ------------------------------------------------------------------

    async def web_view(self, request: Request) -> Response:
        target = await self._target(request, Purpose.VIEW)
        page = await run_in_threadpool(self.links.web_view, target)
        return HTMLResponse(page, headers={"content-security-policy": ISSUE_POLICY})

    async def archive(self, request: Request) -> Response:
        token = request.path_params["token"]
        archive = await run_in_threadpool(self.links.archive, token)
        archive_url = str(request.url_for("archive", token=token).path)
        return self.pages.render(
            "archive.html",
            title=f"{archive.campaign_title}: all issues",
            entries=[
                {
                    "number": e.number,
                    "title": e.title,
                    "sent_on": _day(e.sent_on),
                    "url": archive_issue_link(archive_url, e.number),
                }
                for e in archive.entries
            ],
        )

    async def archive_issue(self, request: Request) -> Response:
        token, number = request.path_params["token"], request.path_params["number"]
        if number > MAX_ISSUE_NUMBER:  # no such issue, and too big for the database's integer
            raise HTTPException(404)
        page = await run_in_threadpool(self.links.archive_issue, token, number)
        if page is None:
            raise HTTPException(404)
        return HTMLResponse(page, headers={"content-security-policy": ISSUE_POLICY})

    # -- shared --------------------------------------------------------------------------------

    async def _target(self, request: Request, purpose: Purpose) -> LinkTarget:
        return await run_in_threadpool(self.links.target, purpose, request.path_params["token"])

    def _from_another_site(self, request: Request) -> bool:
        """A browser POST sent by a page of another site (Fetch metadata, else the Origin)."""
        if request.headers.get("sec-fetch-site") == "cross-site":
            return True
        origin = request.headers.get("origin")
        if origin is None:
            return False  # not a browser form post from elsewhere: curl, a mail provider
        hosts = self.own_hosts | {request.headers.get("host", "")}
        return urlsplit(origin).netloc not in hosts  # "null" (a sandboxed page) has no host

    def _refused_cross_site(self) -> Response:
        return self.pages.problem(
            403,
            "Please use the button on the page",
            "Open the link from your email again and press the button there.",
        )


def problem_handlers(pages: Pages) -> dict[Any, Any]:
    """Plain pages for every failure: nothing about tokens, ids or code reaches the reader."""

    def page(status: int, title: str, message: str):  # type: ignore[no-untyped-def]
        def handler(_request: Request, _error: Exception) -> Response:
            return pages.problem(status, title, message)

        return handler

    return {
        ExpiredToken: page(
            410,
            "This link has expired",
            "Use the link in a more recent email, or write to the sender of the email.",
        ),
        TokenError: page(
            400,
            "This link does not work",
            "Check that the whole link was copied from the email. If it still does not work, "
            "write to the sender of the email.",
        ),
        LinkGone: page(404, "This link is no longer active", "There is nothing to show here."),
        # Starlette's own texts ("Too many fields. Maximum number of fields is 8.") name the
        # framework and its limits: our plain page instead.
        400: page(400, "This request was not understood", "Open the link from your email again."),
        404: page(404, "Page not found", "Check that the whole link was copied from the email."),
        405: page(405, "Not available", "Open the link from your email."),
        500: page(500, "Something went wrong", "Please try again later."),
        HTTPException: lambda _request, error: pages.problem(
            error.status_code, "This request was not understood", "Open the link again."
        ),
    }


async def _form(request: Request) -> dict[str, str]:
    """The submitted fields as text (our forms have no files; anything more is refused)."""
    async with request.form(max_files=0, max_fields=8, max_part_size=4096) as form:
        return {key: value for key, value in form.items() if isinstance(value, str)}


def _about(target: LinkTarget) -> dict[str, Any]:
    """What every link page may show: the list, the issue, the sender. Never the address."""
    contact_name, contact_address = parseaddr(target.contact)
    return {
        "sender": target.partnership,
        "list_name": target.list_name,
        "campaign_title": target.campaign_title,
        "issue_number": target.issue_number,
        "issue_title": target.issue_title,
        "contact_name": contact_name,
        "contact_address": contact_address,
    }


def _day(moment: datetime | None) -> str | None:
    return f"{moment.day} {moment:%B %Y}" if moment else None
