"""Preview and check a campaign: every issue rendered, checked and written out to look at.

The stages in order: load the campaign file, read its briefing, check the plan, assemble the
digests, render each one; `preview_campaign` then writes the files, `check_campaign_file` does not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from briefcast.campaigns.model import Campaign, Digest, slugify
from briefcast.campaigns.render import RenderedIssue, render_digest, template_environment
from briefcast.delivery.message import build_message, make_list_id, parse_address
from briefcast.errors import BriefcastError

if TYPE_CHECKING:
    from briefcast.campaigns.plan import Problem

SAMPLE_NAME = "Sam Sample"
SAMPLE_ADDRESS = "sam.sample@example.org"
SAMPLE_TOKEN = "preview-token"


class CampaignProblemsError(BriefcastError):
    """The campaign file has errors: nothing can be rendered until they are fixed."""

    def __init__(self, source: Path, problems: tuple) -> None:
        self.problems = problems
        count = f"{len(problems)} error{'s' if len(problems) != 1 else ''}"
        super().__init__(f"{source}: {count} in the campaign; fix them and run again")


@dataclass(frozen=True)
class CampaignRender:
    """A whole campaign rendered and checked, and where (if anywhere) it was written."""

    campaign: Campaign
    warnings: tuple  # campaign warnings (campaigns.plan.Problem), worth reading, not blocking
    issues: tuple[RenderedIssue, ...]
    out_dir: Path | None = None

    @property
    def ok(self) -> bool:
        """True when every issue passed every render check."""
        return all(issue.ok for issue in self.issues)

    @property
    def index(self) -> Path | None:
        return self.out_dir / "index.html" if self.out_dir else None


def check_campaign_file(campaign_path: Path, *, today: date | None = None) -> CampaignRender:
    """Load, check, assemble and render every issue; write nothing.

    Raises CampaignProblemsError when the campaign has errors; render problems are reported on
    each issue instead, so a caller can still show them.
    """
    from briefcast.campaigns.briefing import read_briefing
    from briefcast.campaigns.campaign_file import load_campaign
    from briefcast.campaigns.plan import assemble, check_campaign

    campaign = load_campaign(campaign_path)
    briefing = read_briefing(campaign.briefing_path)
    problems = tuple(check_campaign(campaign, briefing, today=today))
    errors = tuple(p for p in problems if p.level == "error")
    if errors:
        raise CampaignProblemsError(campaign_path, errors)
    digests = assemble(campaign, briefing)
    unsendable = tuple(_unsendable(campaign, digests))
    if unsendable:
        raise CampaignProblemsError(campaign_path, unsendable)
    issues = tuple(render_digest(digest) for digest in digests)
    warnings = tuple(p for p in problems if p.level != "error")
    return CampaignRender(campaign=campaign, warnings=warnings, issues=issues)


def _unsendable(campaign: Campaign, digests: tuple[Digest, ...]) -> Iterator[Problem]:
    """What the send loop would refuse for every message of an issue (a line break in the
    subject, a sender that is no address), found now and put at its line: the very compile the
    send loop makes of each issue's headers (delivery/outgoing.py), not a copy of its rules."""
    from briefcast.campaigns.plan import problem_at
    from briefcast.delivery.message import MessageError
    from briefcast.delivery.skeleton import MessageSkeleton

    for digest in digests:
        try:
            domain = parse_address(digest.sender, "sender").domain
            MessageSkeleton.compile(
                sender=digest.sender,
                reply_to=digest.reply_to,
                subject=digest.subject,
                list_id=make_list_id(digest.series_title, digest.campaign, domain),
                html="",
                text="",
            )
        except MessageError as error:
            issue = f"issues[{digest.number}]"
            subject = f"{issue}.subject" if f"{issue}.subject" in campaign.source_lines else issue
            where = {"sender": "sender", "reply-to": "reply_to", "list id": "title"}
            message = f"issue {digest.number} could not be sent: {error}"
            yield problem_at(campaign, "error", where.get(error.what, subject), message)


def preview_campaign(
    campaign_path: Path,
    out_dir: Path | None = None,
    *,
    base_url: str,
    today: date | None = None,
) -> CampaignRender:
    """Render every issue and write NN-slug.html/.txt/.eml for a sample reader, plus index.html.

    Files are written even when render checks fail, so staff can see what failed; the result's
    `ok` says whether they passed. `out_dir` defaults to ./preview/<campaign name>/.
    """
    result = check_campaign_file(campaign_path, today=today)
    target = out_dir or Path("preview") / result.campaign.name
    write_preview(result.issues, target, base_url=base_url)
    write_index(result, target)
    return CampaignRender(result.campaign, result.warnings, result.issues, out_dir=target)


def write_preview(issues: tuple[RenderedIssue, ...], out_dir: Path, *, base_url: str) -> None:
    """The three files per issue: what Sam Sample would see in a browser, as text, and as sent."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for issue in issues:
        fields = sample_fields(issue.digest, base_url)
        html, text = issue.personalise(fields)
        stem = file_stem(issue.digest)
        (out_dir / f"{stem}.html").write_text(html, encoding="utf-8")
        (out_dir / f"{stem}.txt").write_text(text, encoding="utf-8")
        (out_dir / f"{stem}.eml").write_bytes(sample_message(issue, fields, base_url))


def write_index(result: CampaignRender, out_dir: Path) -> Path:
    """A simple page listing the issues with their dates, subjects, lists and check results."""
    page = (
        template_environment()
        .get_template("preview-index.html.j2")
        .render(
            campaign=result.campaign,
            warnings=result.warnings,
            issues=[(issue, file_stem(issue.digest)) for issue in result.issues],
        )
    )
    index = out_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def sample_fields(digest: Digest, base_url: str) -> dict[str, str]:
    """Per-recipient values for the sample reader; the links use a token no real reader has."""
    base = base_url.rstrip("/")
    return {
        "recipient_name": SAMPLE_NAME,
        # The first list the issue goes to, its slug read as words ("children social care").
        "list_name": digest.lists[0].replace("-", " ") if digest.lists else "preview",
        "unsubscribe_url": f"{base}/u/{SAMPLE_TOKEN}",
        "acknowledge_url": f"{base}/a/{SAMPLE_TOKEN}",
        "web_view_url": f"{base}/v/{SAMPLE_TOKEN}",
    }


def sample_message(issue: RenderedIssue, fields: dict[str, str], base_url: str) -> bytes:
    digest = issue.digest
    domain = parse_address(digest.sender, "sender").domain
    message = build_message(
        issue,
        to=SAMPLE_ADDRESS,
        to_name=SAMPLE_NAME,
        fields=fields,
        list_id=make_list_id(digest.series_title, digest.campaign, domain),
        unsubscribe_url=fields["unsubscribe_url"],
        unsubscribe_mailto=None,  # as the send loop: no mailto until something reads it
        now=digest.send_at,
    )
    return bytes(message)


def file_stem(digest: Digest) -> str:
    """02-domestic-abuse: the digest's slug, or one made from its number and title."""
    return digest.slug or f"{digest.number:02d}-{slugify(digest.title)}"
