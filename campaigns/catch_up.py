"""The catch-up digest a new starter gets: the issues they missed, rendered like every issue.

`catch_up_digest()` builds it from the missed issues' stored digests (their own subject and intro,
the briefing's and the comms team's words) and the campaign's `catch_up_note` (a person's words
on why the reader gets it); `render_catch_up()` runs it through the same Jinja2 -> MJML ->
premailer pipeline and the same checks as an issue (campaigns/render.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from briefcast.campaigns import checks, render
from briefcast.campaigns.campaign_writer import PART_LABEL
from briefcast.campaigns.model import Digest
from briefcast.links import archive_issue_link

SUBJECT_PREFIX = "Catch up: "  # the template's words, like "Next in this series"


@dataclass(frozen=True)
class MissedIssue:
    number: int
    subject: str
    summary: str | None  # the issue's intro, else its preheader: what the comms team wrote
    link: str  # its page in the campaign's archive (links.py)

    @property
    def heading(self) -> str:
        """Its subject, led by its part unless the subject already says it ("Part 2 of 6: ")."""
        return (
            self.subject
            if PART_LABEL.match(self.subject)
            else f"Part {self.number}: {self.subject}"
        )


@dataclass(frozen=True)
class CatchUpDigest:
    """One catch-up email: the series, the note, each missed issue. The header and footer
    partials of an issue read the same names (partnership, title, part_label, series_title)."""

    campaign: str
    series_title: str
    partnership: str
    note: str
    missed: tuple[MissedIssue, ...]
    title: str = "What you missed"
    part_label: str = "Catching up"

    @property
    def subject(self) -> str:
        return SUBJECT_PREFIX + self.series_title

    @property
    def preheader(self) -> str:
        return self.note.split(". ")[0].rstrip(".") + "."


def catch_up_digest(digests: Sequence[Digest], *, note: str, archive_url: str) -> CatchUpDigest:
    """The catch-up for the missed issues `digests` (oldest first) of one campaign."""
    first = digests[0]
    return CatchUpDigest(
        campaign=first.campaign,
        series_title=first.series_title,
        partnership=first.partnership,
        note=note,
        missed=tuple(
            MissedIssue(
                number=digest.number,
                subject=digest.subject,
                summary=digest.intro or digest.preheader or None,
                link=archive_issue_link(archive_url, digest.number),
            )
            for digest in digests
        ),
    )


@dataclass(frozen=True)
class RenderedCatchUp:
    """A catch-up compiled once: HTML and text with [[placeholders]], and what the checks found."""

    catch_up: CatchUpDigest
    html: str
    text: str
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def render_catch_up(catch_up: CatchUpDigest) -> RenderedCatchUp:
    """Compiled once per catch-up, personalised per reader like an issue; `problems` as checked."""
    stylesheet = render.STYLESHEET.read_text(encoding="utf-8")
    compiled = render.compile_mjml(render.render_template("catch-up.mjml.j2", catch_up))
    page = render.inline_stylesheet(compiled, stylesheet)
    text = render.render_template("catch-up.txt.j2", catch_up)
    return RenderedCatchUp(
        catch_up=catch_up,
        html=page,
        text=text,
        problems=(
            *render.run_checks(compiled, page, text, stylesheet),
            *(f"the subject: {problem}" for problem in checks.leftover_markers(catch_up.subject)),
        ),
    )
