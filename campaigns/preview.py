"""Check a campaign: every issue rendered and checked, for `check`, `preview` and `schedule`.

The stages in order: load the campaign file, read its briefing, check the plan, assemble the
digests, render each one. `check_campaign_file` writes nothing; `briefcast preview`
(delivery/preview.py) writes each issue out as the sample reader gets it, message included,
which is why it lives with the message stage rather than here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from briefcast.campaigns.model import Briefing, Campaign
from briefcast.campaigns.render import RenderedIssue, render_digest
from briefcast.errors import BriefcastError

if TYPE_CHECKING:
    from briefcast.campaigns.model import Digest
    from briefcast.campaigns.plan import Problem

# A check the content stage cannot make itself (whether every message of an issue could be sent
# is the message stage's to say): delivery/preview.py passes `unsendable_problems`.
MoreChecks = Callable[[Campaign, tuple["Digest", ...]], Iterable["Problem"]]


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


def check_campaign_file(
    campaign_path: Path, *, today: date | None = None, more_checks: MoreChecks | None = None
) -> CampaignRender:
    """Load, check, assemble and render every issue; write nothing.

    Raises CampaignProblemsError when the campaign has errors; render problems are reported on
    each issue instead, so a caller can still show them.
    """
    from briefcast.campaigns.briefing import read_briefing
    from briefcast.campaigns.campaign_file import load_campaign

    campaign = load_campaign(campaign_path)
    briefing = read_briefing(campaign.briefing_path)
    return render_campaign(campaign, briefing, today=today, more_checks=more_checks)


def render_campaign(
    campaign: Campaign,
    briefing: Briefing,
    *,
    today: date | None = None,
    more_checks: MoreChecks | None = None,
) -> CampaignRender:
    """The same for a campaign and briefing already in hand (the console keeps both stored)."""
    from briefcast.campaigns.plan import assemble, check_campaign

    problems = tuple(check_campaign(campaign, briefing, today=today))
    errors = tuple(p for p in problems if p.level == "error")
    if errors:
        raise CampaignProblemsError(campaign.source or Path(campaign.name), errors)
    digests = assemble(campaign, briefing)
    unsendable = tuple(more_checks(campaign, digests)) if more_checks else ()
    if unsendable:
        raise CampaignProblemsError(campaign.source or Path(campaign.name), unsendable)
    issues = tuple(render_digest(digest) for digest in digests)
    warnings = tuple(p for p in problems if p.level != "error")
    return CampaignRender(campaign=campaign, warnings=warnings, issues=issues)
