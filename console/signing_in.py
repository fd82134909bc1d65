"""The pages for getting in and out: Sign in, the code from the authenticator app, Sign out, and
the one-time set-up link (choose a password, add the console to the app)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from briefcast.console import accounts, second_factor, sessions, sign_in
from briefcast.console.accounts import SetupLinkError, SetupProblem
from briefcast.console.pages import (
    actor,
    form,
    get_engine,
    get_settings,
    local_path,
    redirect,
    render,
    session,
    set_session_cookie,
    signed_in,
)
from briefcast.console.passwords import MIN_LENGTH
from briefcast.console.throttle import Refusal
from briefcast.store.schema import utcnow

WRONG_PASSWORD = "Enter a correct email address and password"
WRONG_CODE = "Enter the code your authenticator app shows now"


async def sign_in_page(request: Request) -> Response:
    if signed_in(request):
        return redirect(request, _next(request))
    return sign_in_form(request)


async def sign_in_post(request: Request) -> Response:
    data = await form(request)
    if not get_settings(request).console_password_sign_in:
        return sign_in_form(
            request,
            errors={"work_account": "Sign in with your work account: passwords are not used here"},
            status=403,
        )
    email, password = str(data.get("email", "")), str(data.get("password", ""))
    errors: dict[str, str] = {}
    if not email.strip():
        errors["email"] = "Enter your email address"
    if not password:
        errors["password"] = "Enter your password"
    if errors:
        return sign_in_form(request, errors=errors, email=email, status=400)
    engine, settings = get_engine(request), get_settings(request)
    attempt = await run_in_threadpool(
        sign_in.check_password, engine, settings, email, password, _client(request)
    )
    if attempt.refusal:
        return sign_in_form(
            request, errors={"email": _throttled(attempt.refusal)}, email=email, status=429
        )
    if attempt.no_second_factor:
        return sign_in_form(
            request,
            errors={
                "email": (
                    "Your account has no second factor set up, and this console needs one. Ask an "
                    "admin for a new set-up link."
                )
            },
            email=email,
            status=403,
        )
    if attempt.user is None:
        return sign_in_form(
            request,
            errors={"email": WRONG_PASSWORD, "password": WRONG_PASSWORD},
            email=email,
            status=400,
        )
    await end_current(request)
    token = await run_in_threadpool(
        sessions.start, engine, attempt.user.id, verified=not attempt.needs_code
    )
    target = f"/sign-in/code?next={quote(_next(request))}" if attempt.needs_code else _next(request)
    response = redirect(request, target)
    set_session_cookie(request, response, token)
    return response


async def code_page(request: Request) -> Response:
    pending = session(request)
    if pending is None or pending.verified:
        return redirect(request, "/sign-in")
    return _code_form(request)


async def code_post(request: Request) -> Response:
    data = await form(request)
    pending = session(request)
    if pending is None or pending.verified:
        return redirect(request, "/sign-in", flash="Your sign-in timed out: start again")
    code = str(data.get("code", ""))
    if not code.strip():
        return _code_form(request, errors={"code": "Enter the 6-digit code"}, status=400)
    engine = get_engine(request)
    attempt = await run_in_threadpool(
        sign_in.check_code, engine, pending.user, code, _client(request)
    )
    if attempt.refusal:
        return _code_form(request, errors={"code": _throttled(attempt.refusal)}, status=429)
    if attempt.user is None:
        return _code_form(request, errors={"code": WRONG_CODE}, status=400)
    token = await run_in_threadpool(sessions.complete, engine, pending)
    response = redirect(request, _next(request))
    set_session_cookie(request, response, token)
    return response


async def sign_out(request: Request) -> Response:
    await form(request)
    current = session(request)
    if current is not None:
        who = actor(request) if current.verified else sign_in.CONSOLE
        await run_in_threadpool(sessions.end, get_engine(request), current, who)
    response = redirect(request, "/sign-in", flash="You have signed out")
    set_session_cookie(request, response, None)
    return response


# -- the set-up link ---------------------------------------------------------------------------


async def setup_page(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        user = await run_in_threadpool(accounts.setup_person, get_engine(request), token)
    except SetupLinkError as error:
        return _link_problem(request, error)
    return _setup_form(request, user, second_factor.new_secret())


async def setup_post(request: Request) -> Response:
    data = await form(request)
    token = request.path_params["token"]
    password, again = str(data.get("password", "")), str(data.get("password_again", ""))
    secret, code = str(data.get("secret", "")), str(data.get("code", ""))
    engine, settings = get_engine(request), get_settings(request)
    try:
        user = await run_in_threadpool(accounts.setup_person, engine, token)
        if password and password != again:
            raise SetupProblem({"password_again": "Enter the same password twice"})
        await run_in_threadpool(
            lambda: accounts.finish_setup(
                engine, settings, token, password, totp_secret=secret, code=code
            )
        )
    except SetupLinkError as error:
        return _link_problem(request, error)
    except SetupProblem as problem:
        secret = secret if second_factor.is_secret(secret) else second_factor.new_secret()
        return _setup_form(request, user, secret, errors=problem.problems, status=400)
    return redirect(
        request,
        "/sign-in",
        flash="Your account is set up. Sign in with your email address and new password.",
    )


# -- shared ------------------------------------------------------------------------------------


def sign_in_form(
    request: Request, *, errors: dict[str, str] | None = None, email: str = "", status: int = 200
) -> Response:
    """The Sign in page: the work account's button (when set up) beside the password form
    (unless turned off); also the page console/work_account.py shows a refusal on."""
    settings = get_settings(request)
    return render(
        request,
        "sign_in.html",
        status=status,
        title="Sign in",
        errors=errors or {},
        email=email,
        work_account=settings.oidc is not None,
        password_sign_in=settings.console_password_sign_in,
        next_path=_next(request),
    )


def _code_form(
    request: Request, *, errors: dict[str, str] | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "sign_in_code.html",
        status=status,
        title="Enter the code from your authenticator app",
        errors=errors or {},
    )


def _setup_form(
    request: Request,
    user: Any,
    secret: str,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    link = second_factor.app_link(secret, user.email)
    return render(
        request,
        "setup.html",
        status=status,
        title="Set up your account",
        person=user,
        secret=secret,
        secret_spaced=second_factor.spaced(secret),
        qr=second_factor.qr_svg(link),
        errors=errors or {},
        code_required=get_settings(request).console_2fa == "required",
        min_length=MIN_LENGTH,
    )


def _link_problem(request: Request, error: SetupLinkError) -> Response:
    return render(
        request,
        "problem.html",
        status=410 if error.expired else 404,
        title=str(error),
        # a person reads this page, not an operator: the admin's button, not a command in backticks
        message="Ask an admin for a new set-up link: they make one on the People page.",
    )


def _throttled(refusal: Refusal) -> str:
    now = utcnow()
    if refusal.locked:
        minutes = max(1, round(refusal.seconds(now) / 60))
        return (
            f"Too many failed attempts. Sign-in is locked for {minutes} "
            f"minute{'s' if minutes != 1 else ''}: try again then, or ask an admin for help"
        )
    seconds = refusal.seconds(now)
    return (
        f"Too many failed attempts. Wait {seconds} second{'s' if seconds != 1 else ''}, "
        "then try again"
    )


async def end_current(request: Request) -> None:
    """Signing in again on this browser ends the session it had (no two at once)."""
    current = session(request)
    if current is not None:
        await run_in_threadpool(sessions.end, get_engine(request), current, sign_in.CONSOLE)


def _next(request: Request) -> str:
    return local_path(request.query_params.get("next"))


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


routes = [
    Route("/sign-in", sign_in_page, methods=["GET"]),
    Route("/sign-in", sign_in_post, methods=["POST"]),
    Route("/sign-in/code", code_page, methods=["GET"]),
    Route("/sign-in/code", code_post, methods=["POST"]),
    Route("/sign-out", sign_out, methods=["POST"]),
    Route("/setup/{token}", setup_page, methods=["GET"]),
    Route("/setup/{token}", setup_post, methods=["POST"]),
]
