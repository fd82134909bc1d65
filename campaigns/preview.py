"""Preview and check a campaign: every issue rendered, checked and written out to look at.

The stages in order: load the campaign file, read its briefing, check the plan, assemble the
digests, render each one; `preview_campaign` then writes the files, `check_campaign_file` does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from briefcast.campaigns.model import Briefing, Campaign, Digest, slugify
from briefcast.campaigns.render import RenderedIssue, render_digest, template_environment
from briefcast.delivery.message import build_message, make_list_id, parse_address
from briefcast.errors import BriefcastError

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

    campaign = load_campaign(campaign_path)
    return render_campaign(campaign, read_briefing(campaign.briefing_path), today=today)


def render_campaign(
    campaign: Campaign, briefing: Briefing, *, today: date | None = None
) -> CampaignRender:
    """The same for a campaign and briefing already in hand (the console keeps both stored)."""
    from briefcast.campaigns.plan import assemble, check_campaign

    problems = tuple(check_campaign(campaign, briefing, today=today))
    errors = tuple(p for p in problems if p.level == "error")
    if errors:
        raise CampaignProblemsError(campaign.source or Path(campaign.name), errors)
    issues = tuple(render_digest(digest) for digest in assemble(campaign, briefing))
    warnings = tuple(p for p in problems if p.level != "error")
    return CampaignRender(campaign=campaign, warnings=warnings, issues=issues)


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
        unsubscribe_mailto=f"unsubscribe@{domain}?subject={SAMPLE_TOKEN}",
        now=digest.send_at,
    )
    return bytes(message)


def file_stem(digest: Digest) -> str:
    """02-domestic-abuse: the digest's slug, or one made from its number and title."""
    return digest.slug or f"{digest.number:02d}-{slugify(digest.title)}"
