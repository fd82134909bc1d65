"""What the campaign pages share: finding the draft of a URL, showing library errors where they
happened, local times, and the steps of the workflow for the page's sub-navigation."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from briefcast.console.pages import get_engine
from briefcast.workflow.drafts import Draft, DraftError, open_draft
from briefcast.workflow.plan_words import local  # the pages write a time as the plan does

SUBJECT_LIMIT = 60  # characters an inbox shows of a subject, "Part N of M: " included

# The workflow's pages, in order, as the sub-navigation of every campaign page names them.
STEPS = (
    ("Campaign", ""),
    ("How we read your briefing", "/briefing"),
    ("Plan the series", "/plan"),
    ("Preview", "/preview"),
    ("Approval", "/approval"),
)


def load_draft(request: Request) -> Draft:
    """The draft named by the URL's id, or the console's Page not found."""
    try:
        return open_draft(get_engine(request), int(request.path_params["draft_id"]))
    except DraftError:
        raise HTTPException(404) from None


def revision(data: FormData) -> int:
    """The revision the form was shown at (every editing form carries it)."""
    try:
        return int(str(data.get("revision", "")))
    except ValueError:
        raise HTTPException(400) from None


def text(data: FormData, name: str) -> str:
    value = data.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def steps(draft: Draft, here: str) -> list[dict[str, object]]:
    base = f"/campaigns/{draft.id}"
    return [{"label": label, "path": base + tail, "current": tail == here} for label, tail in STEPS]


def one_line(error: Exception) -> str:
    """A library error as the person reads it: its one line, as written (it may open with a
    file name, so its first letter is left alone)."""
    return str(error).strip().splitlines()[0] if str(error).strip() else "That did not work"


def page_context(draft: Draft, here: str) -> dict[str, object]:
    return {
        "draft": draft,
        "steps": steps(draft, here),
        "timezone": draft.campaign.schedule.timezone,
        "revision": draft.record.revision,
    }


def error_dict(field: str, error: Exception) -> dict[str, str]:
    return {field: one_line(error)}


__all__ = [
    "SUBJECT_LIMIT",
    "DraftError",
    "error_dict",
    "load_draft",
    "local",
    "one_line",
    "page_context",
    "revision",
    "steps",
    "text",
]
