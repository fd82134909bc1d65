"""The console's ASGI app: the area modules' routes, the session on every request, the headers.

Each area (signing in, people, campaigns) is a module with `routes: list[Route]`; `create_app`
puts them together. Pages are found under console/templates, assets under console/static and,
for the look the link pages share, web/static.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from collections.abc import AsyncIterator
from http.cookies import SimpleCookie
from typing import Any

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from briefcast.console import (  # the Lists area
    campaigns,
    lists,
    organisations,
    people,
    recipients,
    sessions,
    signing_in,
    work_account,
)
from briefcast.console.list_uploads import Uploads
from briefcast.console.pages import (
    PRE_COOKIE,
    SESSION_COOKIE,
    Refused,
    SignInRequired,
    render,
    sign_in_path,
)
from briefcast.delivery.tokens import signing_key
from briefcast.settings import Settings
from briefcast.store import connect
from briefcast.store.engine import write
from briefcast.store.schema import utcnow
from briefcast.web.middleware import BodyLimit, SecurityHeaders

# Scripts only from our own files (no inline script, no eval), styles likewise; forms post here.
CONSOLE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    "content-security-policy": CONSOLE_POLICY,
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",  # pages show people's names and drafts: never kept by a cache
    "x-robots-tag": "noindex, nofollow",
    "x-frame-options": "DENY",
}
UPLOAD_LIMIT = 20 * 1024 * 1024  # a briefing as a .docx or .pdf


def create_app(settings: Settings, engine: Engine | None = None) -> Starlette:
    """The console for these settings; opens (and on shutdown closes) the database if not given."""
    owned = engine is None
    database = engine if engine is not None else connect(settings)
    with write(database) as conn:
        key = hmac.new(
            signing_key(conn, settings.secret_key).encode(), b"briefcast console", hashlib.sha256
        ).digest()

    uploads = Uploads(database, settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # uploads a day old go when a console starts, and later as upload pages are used
        await run_in_threadpool(uploads.tidy, now=utcnow())
        yield
        if owned:
            database.dispose()

    static = StaticFiles(packages=[("briefcast.console", "static"), ("briefcast.web", "static")])
    app = Starlette(
        routes=[
            *signing_in.routes,
            *work_account.routes,
            *people.routes,
            *campaigns.routes,
            *lists.routes,
            *recipients.routes,
            *organisations.routes,
            Mount("/static", static, name="static"),
        ],
        middleware=[
            Middleware(SecurityHeaders, headers=HEADERS),
            Middleware(BodyLimit, limit=UPLOAD_LIMIT),
            Middleware(SessionLookup, engine=database, settings=settings, key=key),
        ],
        exception_handlers=_handlers(),
        lifespan=lifespan,
    )
    app.state.engine = database
    app.state.settings = settings
    app.state.list_uploads = uploads
    return app


class SessionLookup:
    """Finds the request's session before any page runs (every request, so a disabled person or
    a revoked session stops at once), and gives a signed-out browser its pre-session cookie."""

    def __init__(self, app: ASGIApp, engine: Engine, settings: Settings, key: bytes) -> None:
        self.app, self.engine, self.settings, self.key = app, engine, settings, key
        self.secure = settings.console_url.startswith("https://")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        cookies = _cookies(scope)
        token = cookies.get(SESSION_COOKIE)
        found = await run_in_threadpool(sessions.find, self.engine, self.settings, token)
        pre, new_pre = cookies.get(PRE_COOKIE), None
        if found is None and not _plausible(pre):
            pre = new_pre = secrets.token_urlsafe(32)
        state = scope.setdefault("state", {})
        state.update(
            console_session=found,
            console_engine=self.engine,
            console_settings=self.settings,
            console_key=self.key,
            console_secure=self.secure,
            csrf_anchor=token if found else pre,
        )

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and new_pre:
                header = _cookie_header(PRE_COOKIE, new_pre, secure=self.secure)
                message = {**message, "headers": [*message.get("headers", []), header]}
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _cookies(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            with contextlib.suppress(Exception):  # a malformed cookie header is just ignored
                jar.load(value.decode("latin-1"))
    return {name: morsel.value for name, morsel in jar.items()}


def _plausible(value: str | None) -> bool:
    return bool(value) and 20 <= len(value) <= 100


def _cookie_header(name: str, value: str, *, secure: bool) -> tuple[bytes, bytes]:
    text = f"{name}={value}; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
    return b"set-cookie", text.encode("latin-1")


def _handlers() -> dict[Any, Any]:
    def sign_in(request: Request, _error: Exception) -> Response:
        return RedirectResponse(sign_in_path(request), status_code=303)

    def refused(request: Request, error: Exception) -> Response:
        assert isinstance(error, Refused)
        return render(request, "problem.html", status=403, title=error.title, message=error.message)

    def page(status: int, title: str, message: str):  # type: ignore[no-untyped-def]
        def handler(request: Request, _error: Exception) -> Response:
            if "state" not in request.scope or "console_key" not in request.scope["state"]:
                return Response(f"{title}.\n", status_code=status, media_type="text/plain")
            return render(request, "problem.html", status=status, title=title, message=message)

        return handler

    return {
        SignInRequired: sign_in,
        Refused: refused,
        HTTPException: _http_problem,
        404: page(404, "Page not found", "Check the address, or go back to Campaigns."),
        405: page(405, "Not available", "Use the buttons on the console's pages."),
        500: page(500, "Something went wrong", "Please try again. If it goes on, tell your admin."),
    }


def _http_problem(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    titles = {404: "Page not found", 405: "Not available", 400: "This request was not understood"}
    title = titles.get(error.status_code, "This did not work")
    return render(
        request,
        "problem.html",
        status=error.status_code,
        title=title,
        message="Go back to Campaigns and try again.",
    )
