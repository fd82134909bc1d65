"""The one Jinja2 set-up of every HTML page briefcast makes (the link pages, the console, the
report): each value escaped, since names, titles and briefing text are data; a missing value an
error, not an empty space; block tags leaving no blank lines. The email's own templates are
campaigns/render.py's (plain text is not escaped there)."""

from __future__ import annotations

from pathlib import Path

import jinja2


def html_environment(folder: Path) -> jinja2.Environment:
    """An environment for the HTML templates in `folder`."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
