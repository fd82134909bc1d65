"""`briefcast preview`: every issue written out for the sample reader, as a browser, a text
reader and a mail client would show it, with an index page.

It runs the content stages (campaigns/preview.py: `check_campaign_file`) and then the message
stage for the sample reader, which is why it lives here and not with the content: the .eml is the
message as sent. `sample_message` is also what `briefcast send-test` sends.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path

from briefcast.campaigns.campaign_file import is_unwritten
from briefcast.campaigns.catch_up import RenderedCatchUp, catch_up_digest, render_catch_up
from briefcast.campaigns.model import Campaign, CatchUp, Digest, slugify
from briefcast.campaigns.plan import Problem, problem_at
from briefcast.campaigns.preview import CampaignRender, check_campaign_file
from briefcast.campaigns.render import Personaliser, RenderedIssue, template_environment
from briefcast.delivery.message import (
    Addressing,
    MessageError,
    build_message,
    make_list_id,
    parse_address,
)
from briefcast.delivery.skeleton import MessageSkeleton
from briefcast.links import SAMPLE_NAME, SAMPLE_TOKEN, PersonalFields, Purpose, sample_fields

SAMPLE_ADDRESS = "sam.sample@example.org"


def check_for_sending(campaign_path: Path, *, today: date | None = None) -> CampaignRender:
    """`check_campaign_file`, and what the send loop would refuse for every message of an issue,
    at its line: what `check`, `preview` and `schedule` run."""
    return check_campaign_file(campaign_path, today=today, more_checks=unsendable_problems)


def unsendable_problems(campaign: Campaign, digests: tuple[Digest, ...]) -> Iterator[Problem]:
    """What the send loop would refuse for every message of an issue (a line break in the
    subject, a sender that is no address), found now and put at its line: the very compile the
    send loop makes of each issue's headers (delivery/outgoing.py), not a copy of its rules."""
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
    result = check_for_sending(campaign_path, today=today)
    target = out_dir or Path("preview") / result.campaign.name
    write_preview(result.issues, target, base_url=base_url)
    write_index(result, target)
    return CampaignRender(result.campaign, result.warnings, result.issues, out_dir=target)


def write_preview(issues: tuple[RenderedIssue, ...], out_dir: Path, *, base_url: str) -> None:
    """The three files per issue: what Sam Sample would see in a browser, as text, and as sent."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for issue in issues:
        message = sample_message(
            issue, to=SAMPLE_ADDRESS, base_url=base_url, now=issue.digest.send_at
        )
        html, text = issue.personalise(digest_sample_fields(issue.digest, base_url))
        stem = file_stem(issue.digest)
        (out_dir / f"{stem}.html").write_text(html, encoding="utf-8")
        (out_dir / f"{stem}.txt").write_text(text, encoding="utf-8")
        (out_dir / f"{stem}.eml").write_bytes(bytes(message))


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


def sample_message(
    issue: RenderedIssue,
    *,
    to: str,
    base_url: str,
    name: str = SAMPLE_NAME,
    now: datetime | None = None,
) -> EmailMessage:
    """The issue as the sample reader called `name` at `to` would receive it, List-Unsubscribe
    included (its links lead nowhere real)."""
    digest = issue.digest
    domain = parse_address(digest.sender, "sender").domain
    fields = digest_sample_fields(digest, base_url, name=name)
    addressing = Addressing(
        to=to,
        to_name=name,
        list_id=make_list_id(digest.series_title, digest.campaign, domain),
        unsubscribe_url=fields["unsubscribe_url"],
        unsubscribe_mailto=None,  # as the send loop: no mailto until something reads it
        now=now,
    )
    return build_message(issue, fields, addressing)


def digest_sample_fields(digest: Digest, base_url: str, name: str = SAMPLE_NAME) -> dict[str, str]:
    """briefcast.links.sample_fields for one issue: on its first list, in its campaign."""
    return sample_fields(
        base_url, lists=digest.lists, campaign_title=digest.series_title, name=name
    )


def file_stem(digest: Digest) -> str:
    """02-domestic-abuse: the digest's slug, or one made from its number and title."""
    return digest.slug or f"{digest.number:02d}-{slugify(digest.title)}"


@dataclass(frozen=True)
class SampleCatchUp:
    """The catch-up digest a sample reader who joined just before the last issue would get."""

    rendered: RenderedCatchUp
    html: str  # personalised for the sample reader, like a previewed issue
    text: str


def sample_catch_up(
    digests: Sequence[Digest], catch_up: CatchUp, *, base_url: str
) -> SampleCatchUp | None:
    """A new starter's catch-up digest for the preview: every issue but the last missed (the
    most a digest can list). None when no digest would go: catch-ups off or replayed, no note
    written yet, or a series of one issue."""
    note = catch_up.note
    if catch_up.mode != "digest" or not note or is_unwritten(note) or len(digests) < 2:
        return None
    archive = PersonalFields(base_url, lambda _purpose, _id: SAMPLE_TOKEN).url(Purpose.ARCHIVE, 0)
    missed = catch_up_digest(digests[:-1], note=note, archive_url=archive)
    rendered = render_catch_up(missed)
    first = digests[0]
    fields = sample_fields(base_url, lists=first.lists, campaign_title=first.series_title)
    html, text = Personaliser(rendered.html, rendered.text, "the catch-up").personalise(fields)
    return SampleCatchUp(rendered, html, text)
