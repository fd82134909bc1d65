"""An issue's texts on *Plan the series*: title, subject, preheader, intro and questions, each
shown as written or as still to write (the planner's "TODO: write …" marks), and saved as the
author left them.

    still_to_write(campaign) -> {field id: "Still to write: the intro of issue 1 (…)"}
    issue_texts(issue, digest) -> what the issue's form shows
    issue_change(data, campaign) -> (change, field, summary), or FieldErrors

A mark is never shown as if it were content: its field is empty, with the mark's request in the
error at the field and in the page's error summary. An empty field that was still to write stays
still to write (saving a subject is not deciding to have no intro); ticking *Leave out …* under
an intro or questions still to write is how an author decides to have none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from starlette.datastructures import FormData

from briefcast.campaigns.campaign_file import PREHEADER_MAX_CHARS, is_unwritten, preheader_problem
from briefcast.campaigns.model import Briefing, Campaign, Digest, IssuePlan
from briefcast.campaigns.plan import Problem, Unwritten, check_campaign, unwritten_texts
from briefcast.console.campaign_helpers import text
from briefcast.workflow.drafts import DraftError, unwritten_hint, unwritten_label

TEXTS = ("title", "subject", "preheader", "intro")  # one value each; questions are a list


class FieldErrors(DraftError):
    """Mistakes in a posted issue form, by the field each belongs to; nothing was saved."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(next(iter(errors.values())))


def field_id(item: Unwritten) -> str:
    """The form field an unwritten text is written in: "intro-1", "questions-3", and the
    series' own "catch_up_note"."""
    if item.number is None:
        return item.key
    return f"{item.key.partition('[')[0]}-{item.number}"


def still_to_write(campaign: Campaign) -> dict[str, str]:
    """The plan page's errors for the texts still to write, in the plan's order, one per field."""
    found: dict[str, list[Unwritten]] = {}
    for item in unwritten_texts(campaign):
        found.setdefault(field_id(item), []).append(item)
    return {
        field: "Still to write: "
        + "; ".join(f"{unwritten_label(item)} ({unwritten_hint(item)})" for item in items)
        for field, items in found.items()
    }


def still_to_write_links(draft_id: int, campaign: Campaign) -> list[dict[str, str]]:
    """Each text still to write with a link to its field on *Plan the series*."""
    return [
        {
            "label": unwritten_label(item)[:1].upper() + unwritten_label(item)[1:],
            "hint": unwritten_hint(item),
            "href": f"/campaigns/{draft_id}/plan#{field_id(item)}",
        }
        for item in unwritten_texts(campaign)
    ]


def without_unwritten(
    problems: Sequence[Problem], campaign: Campaign, briefing: Briefing
) -> list[Problem]:
    """`problems` less the texts still to write, for a page that lists those with links."""
    unwritten = set(check_campaign(campaign, briefing)) - set(
        check_campaign(campaign, briefing, unwritten=False)
    )
    return [problem for problem in problems if problem not in unwritten]


def shown(value: str | None) -> str:
    """A text as a page shows it: "" while it is still to write (never the mark itself)."""
    return "" if value is None or is_unwritten(value) else value


def as_written(digest: Digest) -> Digest:
    """The digest with its texts still to write left out (a page lists those, with links)."""
    return replace(
        digest,
        subject=shown(digest.subject),
        title=shown(digest.title),
        preheader=shown(digest.preheader),
        intro=None if digest.intro and is_unwritten(digest.intro) else digest.intro,
        questions=tuple(q for q in digest.questions if not is_unwritten(q)),
    )


def issue_texts(issue: IssuePlan, digest: Digest | None) -> dict[str, object]:
    """What the issue's form shows: each text as written, "" for one still to write."""
    subject = issue.subject or (digest.subject if digest else "")
    preheader = shown(issue.preheader)
    default = digest.preheader if digest and issue.preheader is None else ""
    written = [question for question in issue.questions if not is_unwritten(question)]
    return {
        "title": None if issue.title is None else shown(issue.title),
        "subject": shown(subject),
        "preheader": preheader,
        "preheader_length": len(preheader),
        "preheader_limit": PREHEADER_MAX_CHARS,
        # Without its own, an issue's preview line is the intro's or first theme's first sentence.
        "preheader_default": shown(default),
        "intro": shown(issue.intro),
        "intro_unwritten": bool(issue.intro and is_unwritten(issue.intro)),
        "questions": "\n".join(written),
        "questions_unwritten": len(written) < len(issue.questions),
    }


def issue_change(data: FormData, campaign: Campaign):  # type: ignore[no-untyped-def]
    """(the change, the field an error belongs to, what it did) for an issue's form."""
    try:
        number = int(text(data, "number"))
    except ValueError:
        raise DraftError("that is not an issue of this series") from None
    issue = next((i for i in campaign.issues if i.number == number), None)
    if issue is None:
        raise DraftError(f"the series has no issue {number}")
    texts = {key: _posted(data, issue, key) for key in TEXTS}
    errors: dict[str, str] = {}
    if texts["subject"] is None:
        errors[f"subject-{number}"] = f"Issue {number} needs a subject"
    preheader = texts["preheader"]
    if preheader and not is_unwritten(preheader) and (problem := preheader_problem(preheader)):
        errors[f"preheader-{number}"] = f"Preheader of issue {number}: {problem}"
    if errors:
        raise FieldErrors(errors)
    questions = _posted_questions(data, issue)

    def change(c: Campaign) -> Campaign:
        issues = tuple(
            replace(i, **texts, questions=questions) if i.number == number else i for i in c.issues
        )
        return replace(c, issues=issues, source_lines={})

    return change, f"subject-{number}", f"saved issue {number}"


def _posted(data: FormData, issue: IssuePlan, key: str) -> str | None:
    """A text as posted. A field the form lacks leaves the issue's own; an empty field that was
    still to write stays so, unless the author ticked *Leave out …*."""
    name = f"{key}-{issue.number}"
    current = getattr(issue, key)
    if name not in data:
        return current
    if value := text(data, name):
        return value
    if current and is_unwritten(current) and not data.get(f"omit-{name}"):
        return current
    return None


def _posted_questions(data: FormData, issue: IssuePlan) -> tuple[str, ...]:
    """The questions box, one a line. Left as shown, the questions still to write stay."""
    name = f"questions-{issue.number}"
    if name not in data:
        return issue.questions
    lines = tuple(line.strip() for line in text(data, name).splitlines() if line.strip())
    on_page = tuple(question for question in issue.questions if not is_unwritten(question))
    if lines == on_page and not data.get(f"omit-{name}"):
        return issue.questions
    return lines
