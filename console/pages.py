"""What every console page uses: who is signed in, the CSRF-checked form, rendering, redirects.

    user = require(request, "approver")        # signed out -> Sign in; without the role -> 403
    data = await form(request)                 # every POST: 403 unless the CSRF token is right
    return render(request, "page.html", title="...", ...)
    return redirect(request, "/", flash="Saved")
    record(conn, actor(request), "campaign.approved", ...)

The session itself is found once per request by `SessionLookup` (console/app.py's middleware),
so these are plain functions a sync or async endpoint can call.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Engine
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from briefcast.console.sessions import Session
from briefcast.html_templates import html_environment
from briefcast.settings import Settings
from briefcast.store.audit import Actor
from briefcast.store.staff import StaffUser

TEMPLATES = Path(__file__).resolve().parent / "templates"
CSRF_FIELD = "csrf_token"
SESSION_COOKIE = "briefcast_console"
PRE_COOKIE = "briefcast_console_pre"  # anchors the CSRF token before signing in
FLASH_COOKIE = "briefcast_console_flash"


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    roles: tuple[str, ...] = ()  # any of these; empty: everyone signed in


# The header's links, in order. An area adds its own here (one line), never in a template.
NAV = [
    NavItem("Campaigns", "/"),
    NavItem("People", "/people", ("admin",)),
    NavItem("Lists", "/lists", ("admin",)),  # lists, people on them, organisations
]


class SignInRequired(Exception):
    """Raised by `require` for a visitor who is not signed in: answered with the Sign in page."""


class Refused(Exception):
    """A signed-in person without the role, or a POST without a valid CSRF token: a 403 page."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__(title)
        self.title, self.message = title, message


def session(request: Request) -> Session | None:
    """The request's live session (found by the middleware), verified or still pending."""
    return request.scope.get("state", {}).get("console_session")


def get_engine(request: Request) -> Engine:
    """The console's database."""
    return request.scope["state"]["console_engine"]


def get_settings(request: Request) -> Settings:
    return request.scope["state"]["console_settings"]


def signed_in(request: Request) -> StaffUser | None:
    """The person signed in (both factors), or None."""
    found = session(request)
    return found.user if found and found.verified else None


def require(request: Request, *roles: str) -> StaffUser:
    """The signed-in person, holding at least one of `roles` (any person when none are given)."""
    user = signed_in(request)
    if user is None:
        raise SignInRequired
    if roles and not user.has_role(*roles):
        raise Refused(
            "You cannot use this page",
            f"It is for people with the {' or '.join(roles)} role. Ask an admin if you need it.",
        )
    return user


def actor(request: Request) -> Actor:
    """Who is acting, for the audit table: the signed-in person."""
    user = require(request)
    return Actor.person(user.name, user.id)


def csrf_token(request: Request) -> str:
    """The token every form carries: an HMAC of the session cookie (or, signed out, of the
    browser's pre-session cookie), so it changes with every sign-in and cannot be guessed."""
    state = request.scope["state"]
    return hmac.new(state["console_key"], state["csrf_anchor"].encode(), hashlib.sha256).hexdigest()


async def form(request: Request, *, max_files: int = 0, max_fields: int = 200) -> FormData:
    """The posted form, once its CSRF token is checked; Refused (403) otherwise."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise _csrf_refused()
    data = await request.form(max_files=max_files, max_fields=max_fields)
    sent = data.get(CSRF_FIELD)
    if not isinstance(sent, str) or not hmac.compare_digest(sent, csrf_token(request)):
        raise _csrf_refused()
    return data


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """A page of console/templates: adds the person, the CSRF token, the nav and the flash."""
    user = signed_in(request)
    flash = _read_flash(request)
    page = (
        _environment()
        .get_template(template)
        .render(
            user=user,
            csrf_token=csrf_token(request),
            nav=[
                {"label": item.label, "path": item.path, "current": _current(request, item.path)}
                for item in NAV
                if user and (not item.roles or user.has_role(*item.roles))
            ],
            flash=flash,
            static="/static",
            **context,
        )
    )
    response = HTMLResponse(page, status_code=status)
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def redirect(request: Request, path: str, *, flash: str | None = None) -> RedirectResponse:
    """See Other to a console path, with a one-line message for the next page to show."""
    response = RedirectResponse(path, status_code=303)
    if flash:
        value = _flash_signer(request).dumps(flash[:300])
        response.set_cookie(
            FLASH_COOKIE,
            value,
            httponly=True,
            samesite="lax",
            secure=request.scope["state"]["console_secure"],
            path="/",
        )
    return response


def set_session_cookie(request: Request, response: Response, token: str | None) -> None:
    """Put the session token in the browser (HttpOnly, SameSite=Lax, Secure on https), or take
    it away (None). No Max-Age: it ends with the browser, and the server decides before that."""
    secure = request.scope["state"]["console_secure"]
    if token is None:
        response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True)
        return
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", secure=secure, path="/"
    )


def sign_in_path(request: Request) -> str:
    """The Sign in page, remembering where the person was going (a local path only)."""
    target = request.url.path
    if request.method == "GET" and target not in ("/", "/sign-in"):
        return f"/sign-in?next={quote(target)}"
    return "/sign-in"


def local_path(value: str | None) -> str:
    """`value` if it is a path on this site, else "/": no redirecting away after sign-in."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else "/"


def _csrf_refused() -> Refused:
    return Refused(
        "This form has expired",
        "Go back, reload the page and try again. This can happen after signing in again.",
    )


def _current(request: Request, path: str) -> bool:
    here = request.url.path
    return here == path if path == "/" else here == path or here.startswith(path + "/")


def _flash_signer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.scope["state"]["console_key"], salt="console flash")


def _read_flash(request: Request) -> str | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        value = _flash_signer(request).loads(raw)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


@cache
def _environment() -> jinja2.Environment:
    environment = html_environment(TEMPLATES)
    environment.filters["file_name"] = file_name
    return environment


def file_name(recorded: str) -> str:
    """An import's file as staff should see it: `briefcast lists import` records the path on
    the server, which is no business of a browser's (an upload records its name already)."""
    return Path(recorded).name or recorded
