"""The pages of signing in with the work account: out to the provider, and back (console/oidc.py
does the protocol and decides). A link, not a form, starts it: the console's CSP allows forms to
post only to itself, and a browser applies that to a form's redirect too.

The way back is a GET, as OpenID Connect's redirect is: the `state` it must carry, kept in a
signed cookie only this browser has, is what stops a forged link signing someone in.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from briefcast.console import oidc, sessions
from briefcast.console.oidc import Pending, ProviderError
from briefcast.console.pages import (
    get_engine,
    get_settings,
    local_path,
    redirect,
    set_session_cookie,
    signed_in,
)
from briefcast.console.signing_in import end_current, sign_in_form

PENDING_COOKIE = "briefcast_console_oidc"
PENDING_FOR = 600  # seconds from leaving for the provider to coming back


async def leave(request: Request) -> Response:
    """Send the browser to the provider's sign-in, remembering where it was going."""
    if get_settings(request).oidc is None:
        return redirect(request, "/sign-in")
    if signed_in(request):
        return redirect(request, _next(request))
    try:
        url, pending = await run_in_threadpool(oidc.start, get_settings(request))
    except ProviderError as error:
        return _problem(request, f"Signing in with your work account is not working now: {error}")
    response = RedirectResponse(url, status_code=303)
    value = _signer(request).dumps([pending.state, pending.nonce, pending.verifier, _next(request)])
    _set_pending(request, response, value)
    return response


async def back(request: Request) -> Response:
    """The provider sent the browser back: sign the person in, or say plainly why not."""
    if get_settings(request).oidc is None:
        return redirect(request, "/sign-in")
    pending, going_to = _pending(request)
    engine, settings = get_engine(request), get_settings(request)
    query = {
        key: request.query_params[key]
        for key in ("state", "code", "error")
        if key in request.query_params
    }
    try:
        outcome = await run_in_threadpool(oidc.finish, engine, settings, pending, query)
    except ProviderError as error:
        outcome = oidc.Outcome(refusal=f"Signing in with your work account is not working: {error}")
    if outcome.user is None:
        response = _problem(request, outcome.refusal or "You are not signed in")
    else:
        await end_current(request)
        token = await run_in_threadpool(sessions.start, engine, outcome.user.id, verified=True)
        response = redirect(request, going_to)
        set_session_cookie(request, response, token)
    response.delete_cookie(PENDING_COOKIE, path=oidc.CALLBACK_PATH)  # a state works once
    return response


def _pending(request: Request) -> tuple[Pending | None, str]:
    raw = request.cookies.get(PENDING_COOKIE)
    if not raw:
        return None, "/"
    try:
        state, nonce, verifier, going_to = _signer(request).loads(raw, max_age=PENDING_FOR)
    except (BadSignature, ValueError, TypeError):
        return None, "/"
    return Pending(state, nonce, verifier), local_path(going_to)


def _set_pending(request: Request, response: Response, value: str) -> None:
    # SameSite=Lax: sent on the provider's top-level redirect back, never on a cross-site POST.
    # Only on the way back's path, so no other page ever carries it.
    response.set_cookie(
        PENDING_COOKIE,
        value,
        max_age=PENDING_FOR,
        httponly=True,
        samesite="lax",
        secure=request.scope["state"]["console_secure"],
        path=oidc.CALLBACK_PATH,
    )


def _signer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.scope["state"]["console_key"], salt="console oidc")


def _problem(request: Request, message: str) -> Response:
    return sign_in_form(request, errors={"work_account": message}, status=403)


def _next(request: Request) -> str:
    return local_path(request.query_params.get("next"))


routes = [
    Route("/sign-in/work-account", leave, methods=["GET"]),
    Route(oidc.CALLBACK_PATH, back, methods=["GET"]),
]
