"""An issue as a web page (the web view and the archive): the email's HTML, framed for a browser.

The email marks what belongs to one reader's copy with comments (templates/partials): between
`<!--email-only-->` markers what only makes sense in an inbox ("Read this in your browser"),
between `<!--reader-only-->` markers the reader's own controls and the reason they receive it.
A personal web view keeps the reader's controls; the anonymous archive leaves them out and says
how to reach them instead. Every page has landmarks: a header with the series link, the
issue's own `<main>` (campaigns/render.py) and, in the archive, a footer.
"""

from __future__ import annotations

import re
from functools import cache

import jinja2

from briefcast.html_templates import html_environment
from briefcast.web.pages import TEMPLATES

_EMAIL_ONLY = re.compile(r"<!--email-only-->.*?<!--/email-only-->", re.S)
_READER_ONLY = re.compile(r"<!--reader-only-->.*?<!--/reader-only-->", re.S)
_BODY_START = re.compile(r"<body[^>]*>", re.I)
_BODY_END = re.compile(r"</body>", re.I)


def issue_page(page: str, *, archive_url: str, campaign_title: str, anonymous: bool) -> str:
    """The issue's HTML (personalised) as a page: `anonymous` for the archive, where nobody's
    acknowledge or unsubscribe link exists."""
    page = web_document(page, anonymous=anonymous)
    frame = _frame()
    header = frame.module.header(archive_url=archive_url, campaign_title=campaign_title)
    footer = frame.module.footer(anonymous=anonymous)
    start, end = _BODY_START.search(page), _BODY_END.search(page)
    if start is None or end is None:  # not a whole document: frame what there is
        return f"{header}<main>{page}</main>{footer}"
    content = page[start.end() : end.start()]
    if "<main>" not in content:  # an issue rendered before emails carried their own
        content = f"<main>{content}</main>"
    return f"{page[: start.end()]}{header}{content}{footer}{page[end.start() :]}"


def web_document(page: str, *, anonymous: bool) -> str:
    """The email's HTML without what a browser page must not offer (before the frame)."""
    page = _EMAIL_ONLY.sub("", page)
    return _READER_ONLY.sub("", page) if anonymous else page


@cache
def _frame() -> jinja2.Template:
    return html_environment(TEMPLATES).get_template("issue_frame.html")
