"""The link pages' templates: one small Jinja2 layout, autoescaped, with our own stylesheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.responses import HTMLResponse

from briefcast.html_templates import html_environment

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"


class Pages:
    """Renders web/templates/*.html into responses; `static` is where web.css is served."""

    def __init__(self, static_url: str) -> None:
        self.static_url = static_url
        self.environment = html_environment(TEMPLATES)

    def render(self, name: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("sender", None)
        page = self.environment.get_template(name).render(static=self.static_url, **context)
        return HTMLResponse(page, status_code=status)

    def problem(self, status: int, title: str, message: str) -> HTMLResponse:
        """A plain page that says what is wrong and nothing about why (no ids, no trace)."""
        return self.render("problem.html", status=status, title=title, message=message)
