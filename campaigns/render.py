"""Render a Digest into an email: Jinja2 -> MJML -> HTML -> inlined CSS, once per issue.

What differs per recipient (name, list, links) is left as [[placeholders]] and filled in by
`RenderedIssue.personalise`, a cheap join over precompiled chunks: no MJML or premailer work
happens per recipient. The fields, their pattern and their values are briefcast/links.py's.
"""

from __future__ import annotations

import html
import logging
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import cssutils
import jinja2
import mjml
from premailer import Premailer

from briefcast.campaigns import checks
from briefcast.campaigns.callouts import Block, figure_label, quoted_blocks
from briefcast.campaigns.model import Digest, Figure
from briefcast.campaigns.outlook_css import outlook_css_warnings
from briefcast.errors import BriefcastError
from briefcast.links import PLACEHOLDER

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STYLESHEET = TEMPLATES / "digest.css"
# Dark mode: a <style> block of its own, never inlined (digest.mjml.j2 includes it).
DARK_STYLESHEET = TEMPLATES / "digest-dark.css"
TEXT_WIDTH = 72

# MRML's own <style> blocks (resets, the @media rules that put columns side by side on desktop)
# must reach the reader untouched: premailer would otherwise inline the resets onto every table
# cell and re-serialise the @media rules. Marked this way, premailer leaves them as they are.
MRML_STYLE_TAG = re.compile(r"<style(?=[\s>])")

# cssutils reports every property it does not know (mso-*, -webkit-*) as a warning, on every
# render; they are expected in email CSS and would bury real messages in the logs.
cssutils.log.setLevel(logging.CRITICAL)


class PersonalisationError(BriefcastError):
    """A recipient's fields do not cover the placeholders of the rendered issue."""


# -- the public stage --------------------------------------------------------------------------


def render_digest(digest: Digest) -> RenderedIssue:
    """Render one issue once: the compiled, inlined HTML and the plain text, checked."""
    stylesheet = STYLESHEET.read_text(encoding="utf-8")
    mjml_source = render_template("digest.mjml.j2", digest)
    size = len(mjml_source.encode())
    if size > checks.MAX_HTML_BYTES:  # compiling only adds to it: stop before the costly steps
        problem = f"the issue is {size:,} bytes before compiling, over the HTML limit"
        return RenderedIssue(digest, "", "", (f"{problem} of {checks.MAX_HTML_BYTES:,}",))
    compiled = compile_mjml(mjml_source)
    page = main_landmark(inline_stylesheet(compiled, stylesheet))
    text = render_template("digest.txt.j2", digest)
    return RenderedIssue(
        digest=digest,
        html=page,
        text=text,
        problems=(
            *run_checks(compiled, page, text, stylesheet),
            # The subject is a header, never personalised: no marker may stay in it.
            *(f"the subject: {problem}" for problem in checks.leftover_markers(digest.subject)),
        ),
    )


@dataclass(frozen=True)
class Skeleton:
    """A finished document split at its [[placeholders]]: literal chunks between field names.

    `chunks` has one more item than `fields`; filling joins them alternately.
    """

    chunks: tuple[str, ...]
    fields: tuple[str, ...]

    @classmethod
    def parse(cls, document: str) -> Skeleton:
        parts = PLACEHOLDER.split(document)  # literal, name, literal, name, ..., literal
        return cls(chunks=tuple(parts[0::2]), fields=tuple(parts[1::2]))

    def fill(self, values: Mapping[str, str]) -> str:
        pieces = [self.chunks[0]]
        for name, chunk in zip(self.fields, self.chunks[1:], strict=True):
            pieces.append(values[name])
            pieces.append(chunk)
        return "".join(pieces)


@dataclass(frozen=True)
class Personaliser:
    """HTML and text with [[placeholders]], split once, filled in per recipient.

    Shared by `RenderedIssue` and the send loop, which rebuilds one from an issue's stored HTML
    and text rather than rendering again.
    """

    html: str
    text: str
    label: str = "the issue"  # names the issue in errors: "issue 2 (Domestic abuse)"
    _html_skeleton: Skeleton = field(init=False, repr=False, compare=False)
    _text_skeleton: Skeleton = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Split once here so that personalising a thousand recipients is a thousand joins.
        object.__setattr__(self, "_html_skeleton", Skeleton.parse(self.html))
        object.__setattr__(self, "_text_skeleton", Skeleton.parse(self.text))

    @property
    def fields(self) -> frozenset[str]:
        """The names of the per-recipient fields this issue needs."""
        return frozenset(self._html_skeleton.fields + self._text_skeleton.fields)

    def personalise(self, fields: Mapping[str, str]) -> tuple[str, str]:
        """(html, text) for one recipient; values are HTML-escaped in the HTML part only."""
        missing = sorted(self.fields - fields.keys())
        if missing:
            raise PersonalisationError(
                f"{self.label} needs values for {', '.join(missing)} to personalise it"
            )
        escaped = {name: html.escape(fields[name], quote=True) for name in self.fields}
        return self._html_skeleton.fill(escaped), self._text_skeleton.fill(fields)


@dataclass(frozen=True)
class RenderedIssue:
    """One issue, compiled once: HTML and text with [[placeholders]], and what the checks found."""

    digest: Digest
    html: str
    text: str
    problems: tuple[str, ...] = ()
    _personaliser: Personaliser = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        label = f"issue {self.digest.number} ({self.digest.title})"
        object.__setattr__(self, "_personaliser", Personaliser(self.html, self.text, label))

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def fields(self) -> frozenset[str]:
        """The names of the per-recipient fields this issue needs."""
        return self._personaliser.fields

    def personalise(self, fields: Mapping[str, str]) -> tuple[str, str]:
        """(html, text) for one recipient; values are HTML-escaped in the HTML part only."""
        return self._personaliser.personalise(fields)


# -- the steps, each small enough to test on its own -------------------------------------------


def render_template(name: str, digest: Digest) -> str:
    """Jinja2 with StrictUndefined: a misspelt field in a template fails loudly, not blank."""
    return template_environment().get_template(name).render(digest=digest)


def compile_mjml(source: str) -> str:
    """MJML -> HTML with MRML. `fonts={}`: no Google Fonts <link>; we use system fonts only."""
    return mjml.mjml2html(source, fonts={})


def inline_stylesheet(page: str, stylesheet: str) -> str:
    """Inline our content stylesheet into the compiled page, keeping MRML's scaffolding intact."""
    doctype = leading_doctype(page)
    premailer = Premailer(
        MRML_STYLE_TAG.sub('<style data-premailer="ignore"', page),
        css_text=[stylesheet],
        # Never fetch: a <link rel=stylesheet> or web font would otherwise be downloaded.
        allow_network=False,
        allow_loading_external_files=False,
        disable_link_rewrites=True,
        # If a rule of ours ever ends up kept in <style>, its !important must survive.
        strip_important=False,
        # Our rules are inlined; only what cannot be inlined would be kept, never duplicated.
        keep_style_tags=False,
        # MRML writes pixel width/height attributes for Outlook; premailer would overwrite an
        # image's width="550" with width="100%" from its inline style.
        disable_basic_attributes=["width", "height"],
        cssutils_logging_level=logging.CRITICAL,
    )
    inlined = premailer.transform(pretty_print=False)
    # premailer drops a doctype that lxml does not spell exactly as it reads it ("<!doctype
    # html>" is not "<!DOCTYPE html>"); without one, clients render in quirks mode.
    if doctype and not inlined.lstrip().lower().startswith("<!doctype"):
        inlined = doctype + inlined
    return inlined


def main_landmark(page: str) -> str:
    """The body's content inside one <main>: a reader opening the issue in a browser (or a
    screen reader's landmarks list) finds the issue as the page's main content. MJML writes
    none, and an mj-raw cannot open a tag that another closes."""
    start = re.search(r"<body[^>]*>", page, re.IGNORECASE)
    end = page.lower().rfind("</body>")
    if start is None or end < start.end():
        return page
    return f"{page[: start.end()]}<main>{page[start.end() : end]}</main>{page[end:]}"


def leading_doctype(page: str) -> str:
    match = re.match(r"\s*(<!doctype[^>]*>)", page, re.IGNORECASE)
    return match.group(1) if match else ""


def run_checks(compiled: str, page: str, text: str, stylesheet: str) -> list[str]:
    """campaigns.checks on the finished page and text (placeholders allowed) and on our CSS.

    MJML's output is the reference for the Outlook conditional comments: every one it wrote
    must survive inlining.
    """
    return [
        *checks.check_html(
            page,
            source_mso_blocks=checks.count_mso_blocks(compiled),
            allow_placeholders=True,
        ),
        *checks.leftover_markers(text, allow_placeholders=True),
        *checks.check_outlook_css(stylesheet),
        *checks.check_outlook_css(DARK_STYLESHEET.read_text(encoding="utf-8")),
    ]


def outlook_notes() -> list[str]:
    """What classic Outlook for Windows supports only partly in our stylesheets (caniemail's
    notes, outlook_css.py): not failures, shown by `briefcast check` for review."""
    return [
        note
        for sheet in (STYLESHEET, DARK_STYLESHEET)
        for note in outlook_css_warnings(sheet.read_text(encoding="utf-8"))
    ]


# -- the Jinja environment and its filters -----------------------------------------------------


@cache
def template_environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        # Briefing text may contain "<" or "&": escape in the HTML template, never in plain text.
        autoescape=lambda name: name is not None and not name.endswith(".txt.j2"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(
        long_date=long_date,
        paragraphs=paragraphs,
        wrap=wrap,
        underline=underline,
        figure_lines=figure_lines,
        callouts=callouts,
        label=figure_label,
        body=body,
    )
    return environment


def long_date(day: date) -> str:
    """Tuesday 20 April 2027: the British long form, no leading zero, no time."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def paragraphs(text: str) -> list[str]:
    """Split free text (a campaign file's intro) at blank lines into paragraphs."""
    return [" ".join(part.split()) for part in re.split(r"\n\s*\n", text) if part.strip()]


def wrap(text: str, indent: str = "", subsequent: str | None = None) -> str:
    """Wrap at TEXT_WIDTH; long words (URLs) are never broken so they stay clickable."""
    return textwrap.fill(
        text,
        width=TEXT_WIDTH,
        initial_indent=indent,
        subsequent_indent=indent if subsequent is None else subsequent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def underline(title: str, character: str = "-") -> str:
    return f"{title}\n{character * len(title)}"


def callouts(figures: tuple[Figure, ...]) -> list[Figure]:
    """The first figure of each sentence that has a label: one box per sentence, its other
    figures in its label or its text. A value with no words of its own to show beside it would
    say nothing, so it gets no box (its sentence is in the body anyway)."""
    first: dict[str, Figure] = {}
    for figure in figures:
        first.setdefault(figure.text, figure)
    return [figure for figure in first.values() if figure_label(figure)]


def body(paragraphs: tuple[str, ...], quotes: tuple[str, ...]) -> list[Block]:
    """A theme's paragraphs with its first quotation set apart where it stands (callouts.py)."""
    return list(quoted_blocks(paragraphs, quotes[0] if quotes else None))


def figure_lines(figure: Figure) -> str:
    """A key figure for the plain-text part: the value, then its label, indented as a block
    (the sentence itself is in the paragraphs)."""
    return f"    {figure.value}\n{wrap(figure_label(figure), indent='    ')}"
