"""What an author does before submitting a drafted series: write every text the draft left marked
"TODO: write ..." (the planner never invents an intro or a question). Shared by the workflow and
console tests."""

from __future__ import annotations

from dataclasses import replace

from briefcast.campaigns.campaign_file import is_unwritten
from briefcast.campaigns.model import Campaign
from briefcast.workflow.drafts import edit_plan, open_draft

PARTNERSHIP = "Northbridge Safeguarding Partnership"  # fictional, as every name in the tests
SENDER = f"{PARTNERSHIP} <learning@example.org>"


def own_series(text: str, written: str) -> str:
    return written if is_unwritten(text) else text


def written(campaign: Campaign) -> Campaign:
    """The campaign with each unwritten text replaced by one an author wrote."""

    def own(text: str | None, what: str, number: int) -> str | None:
        if text is None or not is_unwritten(text):
            return text
        return f"The author's {what} for part {number}."

    issues = tuple(
        replace(
            issue,
            title=own(issue.title, "title", issue.number),
            subject=own(issue.subject, "subject", issue.number),
            intro=own(issue.intro, "introduction", issue.number),
            preheader=own(issue.preheader, "preview line", issue.number),
            questions=tuple(
                own(question, "question", issue.number) or question for question in issue.questions
            ),
        )
        for issue in campaign.issues
    )
    # Who the series is from: the draft leaves it to write too.
    partnership = own_series(campaign.partnership, PARTNERSHIP)
    sender = own_series(campaign.sender, SENDER)
    return replace(campaign, issues=issues, partnership=partnership, sender=sender)


def write_everything(engine, draft_id: int, actor) -> None:  # type: ignore[no-untyped-def]
    """Write the draft's unwritten texts as `actor`, through the library like the plan page."""
    revision = open_draft(engine, draft_id).record.revision
    edit_plan(engine, draft_id, revision, written, actor, "wrote the introductions and questions")
