"""Checks every rendered issue must pass: Gmail limits, Outlook scaffolding, accessibility, links.

Each check returns a list of problems, one actionable sentence each; an empty list is a pass.

- `check_html(html, ...)` reads the finished HTML (after premailer).
- `leftover_markers(text, ...)` finds unrendered template syntax; `check_html` includes it, and the
  plain-text part can be given to it directly.
- `check_outlook_css(css)` and `outlook_css_warnings(css)` read the CSS our own templates write
  (see `campaigns/outlook_css.py`).

Personalisation placeholders: the compiled-once HTML holds per-recipient fields as `[[name]]`
(briefcast/links.py: `PLACEHOLDER`, `FIELDS`) until the cheap second stage fills them in. Check
that HTML with `allow_placeholders=True`, which allows the known fields only: an unknown one
(`[[link2]]`) or a malformed one (`[[ name ]]`, `[[Name]]`, an unclosed `[[name`), whether from a
template or a campaign's text, is a failure naming it. A personalised message is checked with the
default, under which any `[[` or `]]` left over is a failure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from briefcast.campaigns.outlook_css import (
    OUTLOOK_ALLOWANCES,
    OutlookAllowance,
    check_outlook_css,
    outlook_css_warnings,
)
from briefcast.links import FIELDS, PLACEHOLDER

__all__ = [
    "MAX_HTML_BYTES",
    "MAX_STYLE_BYTES",
    "OUTLOOK_ALLOWANCES",
    "PLACEHOLDER",
    "OutlookAllowance",
    "check_html",
    "check_outlook_css",
    "count_mso_blocks",
    "leftover_markers",
    "outlook_css_warnings",
]

# Gmail clips a message at about 102 KB and hides the rest, footer and unsubscribe link included;
# the margin leaves room for the per-recipient fill-in, which runs after this check.
MAX_HTML_BYTES = 100 * 1024
# Gmail discards <style> content beyond 16 KB, and with it the mobile layout.
MAX_STYLE_BYTES = 16 * 1024

DOCTYPE = re.compile(r"\s*<!doctype\s+html\s*>", re.IGNORECASE)
# MJML's Outlook scaffolding: <!--[if mso | IE]>, <!--[if lte mso 11]>, <!--[if !mso]>, ...
MSO_CONDITIONAL = re.compile(r"<!--\[if\s[^\]]*\bmso\b", re.IGNORECASE)
# A whole construct when it is one ("{{ theme.title }}"), otherwise the stray opener or closer.
TEMPLATE_MARKER = re.compile(
    r"\{\{[^{}\n]{0,80}\}\}|\{%.{0,80}?%\}|\{#.{0,80}?#\}|\[\[[^\[\]\n]{0,80}\]\]"
    r"|\{\{|\}\}|\{%|%\}|\{#|#\}|\]\]"
    r"|\[\[[^\[\]\s\"'<>]{0,40}"  # an unclosed [[ with the name after it, to say which one
)
OPENING_MARKERS = frozenset({"{{", "{%", "{#", "[["})
STYLE_ELEMENT = re.compile(r"<style\b.*?</style\s*>", re.IGNORECASE | re.DOTALL)
LINK_SCHEMES = ("http", "https", "mailto")


def count_mso_blocks(html: str) -> int:
    """Count Outlook conditional comments; the renderer passes MJML's count to `check_html`."""
    return len(MSO_CONDITIONAL.findall(html))


def check_html(
    html: str, *, source_mso_blocks: int | None = None, allow_placeholders: bool = False
) -> list[str]:
    """Every problem in a rendered email's HTML, as one actionable sentence each.

    `source_mso_blocks` is `count_mso_blocks()` of MJML's output before premailer; the HTML must
    keep all of them. Without it, at least one must be present (MJML always writes some).
    `allow_placeholders` accepts `[[name]]` personalisation placeholders (see the module docstring).
    """
    structure = EmailStructure.parse(html)
    return [
        *_size_problems(html, structure.style_bytes),
        *_doctype_problems(html),
        *_mso_problems(count_mso_blocks(html), source_mso_blocks),
        *_document_problems(structure),
        *_image_problems(structure),
        *_link_problems(structure, allow_placeholders),
        *leftover_markers(html, allow_placeholders=allow_placeholders),
    ]


def leftover_markers(text: str, *, allow_placeholders: bool = False) -> list[str]:
    """Template syntax (Jinja `{{ }}`, `{% %}`, `{# #}`, or `[[ ]]`) that was never filled in."""
    if allow_placeholders:
        text = PLACEHOLDER.sub(lambda found: "" if found[1] in FIELDS else found[0], text)
    problems = []
    for match in _markers(text):
        start, end = max(match.start() - 30, 0), match.end() + 30
        snippet = " ".join(text[start:end].split())
        problems.append(
            f"template marker {match[0]!r} left over near {snippet!r}: {_why(match[0])}"
        )
    return problems


def _why(marker: str) -> str:
    fields = ", ".join(f"[[{name}]]" for name in FIELDS)
    placeholder = PLACEHOLDER.fullmatch(marker)
    if placeholder and placeholder[1] not in FIELDS:
        return f"there is no personal field {placeholder[1]!r}; the fields are {fields}"
    if marker.startswith("[[") and not placeholder:
        return (
            "a personal field is written [[name]], lower case without spaces, and closed with "
            f"]]; the fields are {fields}"
        )
    return "a template variable or tag was not rendered, or a placeholder was not filled in"


def _markers(text: str) -> Iterator[re.Match[str]]:
    # Minified CSS legitimately writes "}}" and "%}" (`width:100%}`), so inside <style> only the
    # markers that open a template construct count.
    styles = [match.span() for match in STYLE_ELEMENT.finditer(text)]
    for match in TEMPLATE_MARKER.finditer(text):
        in_style = any(start <= match.start() < end for start, end in styles)
        if not in_style or match[0][:2] in OPENING_MARKERS:
            yield match


@dataclass
class Link:
    """An `<a href>` and the accessible name it ends up with."""

    href: str
    aria_label: str
    text: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return " ".join(" ".join(self.text).split()) or self.aria_label.strip()


class EmailStructure(HTMLParser):
    """What the checks need from the markup, gathered in one pass.

    Markup inside comments, including Outlook's conditional blocks, is not walked: it is only
    Outlook's table scaffolding, and Gmail ignores it.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.html_lang: str | None = None
        self.title = ""
        self.h1_count = 0
        self.style_bytes = 0
        self.images_without_alt: list[str] = []
        self.links: list[Link] = []
        self._text_of: str | None = None  # "title" or "style" while inside one
        self._open_link: Link | None = None

    @classmethod
    def parse(cls, html: str) -> EmailStructure:
        structure = cls()
        structure.feed(html)
        structure.close()
        return structure

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.html_lang = attributes.get("lang")
        elif tag == "h1":
            self.h1_count += 1
        elif tag == "img":
            self._image(attributes)
        elif tag == "a" and "href" in attributes:
            self._open_link = Link(attributes["href"], attributes.get("aria-label", ""))
            self.links.append(self._open_link)
        elif tag in ("title", "style"):
            self._text_of = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._open_link = None
        elif tag == self._text_of:
            self._text_of = None

    def handle_data(self, data: str) -> None:
        if self._text_of == "style":
            self.style_bytes += len(data.encode("utf-8"))
        elif self._text_of == "title":
            self.title += data
        elif self._open_link is not None:
            self._open_link.text.append(data)

    def _image(self, attributes: dict[str, str]) -> None:
        if "alt" not in attributes:
            self.images_without_alt.append(attributes.get("src", ""))
        elif self._open_link is not None:
            # A linked image names its link by its alt text.
            self._open_link.text.append(attributes["alt"])


def _size_problems(html: str, style_bytes: int) -> list[str]:
    problems = []
    html_bytes = len(html.encode("utf-8"))
    if html_bytes > MAX_HTML_BYTES:
        problems.append(
            f"the HTML is {html_bytes:,} bytes, over the {MAX_HTML_BYTES:,}-byte limit: Gmail "
            "clips longer messages, hiding the footer and unsubscribe link; move a theme to "
            "another issue"
        )
    if style_bytes > MAX_STYLE_BYTES:
        problems.append(
            f"the <style> CSS totals {style_bytes:,} bytes, over the {MAX_STYLE_BYTES:,}-byte "
            "limit: Gmail drops styles beyond it; trim the content stylesheet"
        )
    return problems


def _doctype_problems(html: str) -> list[str]:
    if DOCTYPE.match(html):
        return []
    return [
        "the HTML does not start with <!doctype html>: clients fall back to quirks mode; "
        "premailer drops the doctype unless the renderer puts it back"
    ]


def _mso_problems(found: int, expected: int | None) -> list[str]:
    if expected is None and found == 0:
        return [
            "no Outlook conditional comment (<!--[if mso ...]>) is left, though MJML always writes "
            "some: a later step stripped comments, and Outlook loses its fixed-width layout"
        ]
    if expected is not None and found < expected:
        return [
            f"only {found} of MJML's {expected} Outlook conditional comments (<!--[if mso ...]>) "
            "are left: a step after MJML (premailer?) dropped them, breaking the layout in Outlook"
        ]
    return []


def _document_problems(structure: EmailStructure) -> list[str]:
    problems = []
    if not structure.html_lang or structure.html_lang.strip().lower() == "und":
        found = "none" if structure.html_lang is None else repr(structure.html_lang)
        problems.append(
            f"<html> needs a lang attribute naming the language (found {found}; MRML writes 'und' "
            'by default): set <mjml lang="en-GB"> so screen readers pronounce the text correctly'
        )
    if not structure.title.strip():
        problems.append(
            "the document has no <title> text: set <mj-title>; some clients and screen readers "
            "announce it"
        )
    if structure.h1_count == 0:
        problems.append(
            "the document has no <h1>: give the issue one top-level heading so screen-reader users "
            "can find where the content starts"
        )
    return problems


def _image_problems(structure: EmailStructure) -> list[str]:
    return [
        f'<img src="{src}"> has no alt attribute: describe the image, or use alt="" if it is '
        "decorative (MRML writes no alt for an mj-image without one)"
        for src in structure.images_without_alt
    ]


def _link_problems(structure: EmailStructure, allow_placeholders: bool) -> list[str]:
    problems = []
    for link in structure.links:
        href = link.href.strip()
        placeholder = allow_placeholders and PLACEHOLDER.fullmatch(href)
        if not placeholder and not _is_absolute(href):
            problems.append(
                f"the link {href!r} (text {link.name!r}) is not an absolute http(s) or mailto: "
                "URL: an email has no page for a relative link to resolve against; write the "
                "full URL"
            )
        if not link.name:
            problems.append(
                f"the link {href!r} has no text: give it visible text, an aria-label, or an image "
                "with alt text, so screen readers can say where it goes"
            )
    return problems


def _is_absolute(href: str) -> bool:
    parts = urlsplit(href)
    scheme = parts.scheme.lower()
    if scheme == "mailto":
        return bool(parts.path)
    return scheme in LINK_SCHEMES and bool(parts.netloc)
