"""The words the console's plan pages use for a plan's fields, and its way of writing a time.

One place for them, so the plan page, the approver's list of changes and the audit trail name a
field alike: `SERIES["sender"]` is "From", `ISSUE["subject"]` is "Subject", and so on.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

# *Lists and sender* and *When the issues go out* on *Plan the series*.
SERIES = {
    "title": "Series title",
    "partnership": "Partnership",
    "sender": "From",
    "reply_to": "Reply to",
    "lists": "Lists",
    "start": "Start date",
    "every_days": "Interval",
    "send_time": "Time",
    "timezone": "Time zone",
    "dates": "Planned dates",
    "skip_weekends": "Skip weekends",
    "skip_bank_holidays": "Skip bank holidays",
    "blackouts": "Blackout dates",
    "skipped": "Skipped dates",
}
# An issue's fields; the plan page adds "of issue N" to the texts' labels.
ISSUE = {
    "issue": "The issue",
    "position": "Place in the series",
    "send_at": "Goes out",
    "theme": "Theme",
    "theme_order": "Order of themes",
    "title": "Title",
    "subject": "Subject",
    "preheader": "Preheader",
    "intro": "Intro",
    "questions": "Questions for practitioners",
    "include_introduction": "Carries the briefing's introduction",
    "extra_lists": "Also sent to lists",
    "exclude_lists": "Not sent to lists",
}
CADENCES = {7: "Weekly", 14: "Fortnightly", 28: "Every four weeks"}
# The catch-up keys' labels (campaign_file.CATCH_UP_KEYS), which also open their error messages.
CATCH_UP = {
    "catch_up": "What they get",
    "catch_up_until": "Last day to join and still catch up",
    "replay_every": "Days between replayed issues",
    "replay_cap": "Most issues replayed",
    "catch_up_note": "Why they are getting it",
}
# The campaign file's catch-up modes (model.CATCH_UP_MODES), as the page says them, with a hint.
CATCH_UP_MODES = {
    "off": ("Nothing", "They get the issues still to come, and none of those already sent."),
    "digest": (
        "One email of what they missed",
        "Each missed issue's subject and intro with a link to read it, sent with the next "
        "issue or a day after they join, whichever is first.",
    ),
    "replay": (
        "The missed issues one by one",
        "The missed issues themselves, oldest first, a few days apart.",
    ),
}
# *How we read your briefing*: the edits an author makes to how the briefing was read.
BRIEFING_EDITS = {"rename": "Rename", "merge": "Merge with next", "section": "Mark as section"}


def cadence(every_days: int) -> str:
    """ "Weekly", or "Every 10 days" for a cadence the page's list does not offer."""
    return CADENCES.get(every_days, f"Every {every_days} days")


def day(value: date) -> str:
    """ "Tue 4 Mar 2031"."""
    return f"{value:%a} {value.day} {value:%b %Y}"


def local(moment: datetime | None, timezone: str) -> str:
    """ "Tue 4 Mar 2031, 09:30" in the campaign's time zone; "" for no time."""
    if moment is None:
        return ""
    shown = moment.astimezone(ZoneInfo(timezone))
    return f"{day(shown)}, {shown:%H:%M}"
