"""The staff console (`briefcast console`): comms staff sign in, plan and approve in a browser.

A separate app from web/ (the public link pages), so it can stay on the internal network. For
an area module (campaigns, later lists) the skeleton is:

    create_app(settings, engine=None) -> Starlette     # console/app.py
    # an area is a module with `routes: list[Route]`, listed in create_app; its nav link is one
    # line in console.pages.NAV; its templates extend "base.html" (console/templates)

    from briefcast.console.pages import require, render, form, redirect, actor
    async def approve(request):
        user = require(request, "approver")    # signed out -> 303 to Sign in; no role -> 403
        data = await form(request)             # CSRF-checked (403 without a valid token)
        ... library call with actor(request)   # Actor.person(name, user_id) for the audit
        return redirect(request, "/", flash="Approved")
    def page(request):                          # sync endpoints work too
        return render(request, "campaigns/x.html", title="...", ...)

`render` adds `user`, `csrf_token`, `nav` and `flash` to the context; every form carries
`<input type="hidden" name="csrf_token" value="{{ csrf_token }}">`; forms.html has the error
summary and field macros. `get_engine(request)` / `get_settings(request)` give the database
and settings. Roles: author, approver, admin (store.staff.ROLES); `StaffUser.has_role(...)`.
Every response gets console/app.py's HEADERS (CSP `script-src 'self'`, no inline script or
style, `frame-ancestors 'none'`) unless it sets its own: a page meant for an iframe (a preview)
sets its own content-security-policy and x-frame-options.
"""

from briefcast.console.app import create_app
from briefcast.console.pages import (
    actor,
    form,
    get_engine,
    get_settings,
    redirect,
    render,
    require,
    signed_in,
)
from briefcast.store.staff import ROLES, StaffUser

__all__ = [
    "ROLES",
    "StaffUser",
    "actor",
    "create_app",
    "form",
    "get_engine",
    "get_settings",
    "redirect",
    "render",
    "require",
    "signed_in",
]
