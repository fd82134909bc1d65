"""What changed in a series since its last approval, field by field, in the plan page's words.

    plan_changes(draft) -> [PlanChange(part="Issue 2", what="Subject", before=..., after=...), ...]

Approvers are comms managers, not YAML readers, so the approved plan is read again by the one
campaign-file reader (campaign_file.load_campaign_text) and the two Campaigns are compared, never
their YAML lines. Every before and after is the plan's or the briefing's own text, or a fact
about it (a date, a list, an issue number); the labels come from workflow/plan_words.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from pathlib import Path

from briefcast.campaigns.calendar import send_dates
from briefcast.campaigns.campaign_file import load_campaign_text
from briefcast.campaigns.model import Briefing, Campaign, CatchUp, IssuePlan
from briefcast.campaigns.overlay import Edit, Overlay, apply_overlay
from briefcast.campaigns.skipped_dates import skipped_dates
from briefcast.workflow.drafts import Draft, read_stored_briefing
from briefcast.workflow.plan_words import (
    BRIEFING_EDITS,
    CATCH_UP,
    CATCH_UP_MODES,
    ISSUE,
    SERIES,
    cadence,
    day,
    local,
)

SERIES_PART = "The series"
CATCH_UP_PART = "People who join a list after the series starts"
BRIEFING_PART = "How we read your briefing"
NOT_IN_SERIES = "Not in the series"
UNTIL_DEFAULT = "two weeks after the last issue"  # CatchUp.until left out


@dataclass(frozen=True)
class PlanChange:
    """One field that differs between the approved series and the one submitted."""

    part: str  # where it is: "The series", "Issue 2", "Issue 3 as approved" (one removed), ...
    what: str  # the field in the plan page's words: "Subject", "Theme “Neglect”", ...
    before: str  # as approved; "" when it had none
    after: str  # as submitted; "" when it has none now

    def summary(self) -> str:
        """ "Issue 2: Subject", for the audit trail."""
        return f"{self.part}: {self.what}"


def plan_changes(draft: Draft) -> list[PlanChange]:
    """The changes since the draft's last approval, the series first, then issue by issue,
    then catch-ups and the briefing's reading; [] when it was never approved or nothing changed."""
    record = draft.record
    if record.approved_plan is None:
        return []
    # Read as the draft itself is read (workflow/drafts.py), so only what changed differs.
    approved = load_campaign_text(record.approved_plan, Path(f"{record.name}.yaml"))
    approved_overlay = Overlay.from_json(record.approved_overlay)
    stored = read_stored_briefing(record.briefing_text, record.briefing_source)
    before_briefing = apply_overlay(stored, approved_overlay)
    titles = {t.slug: t.title for t in (*before_briefing.themes, *draft.briefing.themes)}
    return [
        *_series(approved, draft.campaign),
        *_issues(approved, draft.campaign, lambda slug: titles.get(slug, slug)),
        *_catch_up(approved.catch_up, draft.campaign.catch_up),
        *_briefing(before_briefing, draft.overlay.edits[len(approved_overlay.edits) :]),
    ]


def _series(old: Campaign, new: Campaign) -> Iterator[PlanChange]:
    fields: dict[str, Callable[[Campaign], str]] = {
        "title": lambda c: c.title,
        "partnership": lambda c: c.partnership,
        "sender": lambda c: c.sender,
        "reply_to": lambda c: c.reply_to or "",
        "lists": lambda c: ", ".join(c.lists),
        "start": lambda c: day(c.schedule.start),
        "every_days": lambda c: cadence(c.schedule.every_days),
        "send_time": lambda c: f"{c.schedule.send_time:%H:%M}",
        "timezone": lambda c: c.schedule.timezone,
        "dates": lambda c: ", ".join(day(d) for d in c.schedule.dates),
        "skip_weekends": lambda c: _yes(c.schedule.skip_weekends),
        "skip_bank_holidays": lambda c: _yes(c.schedule.skip_bank_holidays),
        "blackouts": lambda c: "\n".join(f"{day(a)} to {day(b)}" for a, b in c.schedule.blackouts),
        "skipped": _skipped,
    }
    for key, shown in fields.items():
        yield from _compare(SERIES_PART, SERIES[key], shown(old), shown(new))


def _issues(old: Campaign, new: Campaign, title: Callable[[str], str]) -> Iterator[PlanChange]:
    pairs = _pairs(old, new)
    # Where each theme was and is, by the issue's number now (an issue removed has none).
    renumbered = {o.number: n.number for o, n in pairs if o and n}
    was = {slug: i.number for i in old.issues for slug in i.themes}
    now = {slug: i.number for i in new.issues for slug in i.themes}
    old_times, new_times = _times(old), _times(new)
    # Once issues were added or removed the approved numbers are not today's: say which is which.
    as_approved = "" if len(old.issues) == len(new.issues) else " as approved"
    for before, after in pairs:
        if after is None:
            assert before is not None
            part = f"Issue {before.number}{as_approved}"
            themes = ", ".join(title(slug) for slug in before.themes)
            yield PlanChange(part, ISSUE["issue"], f"With {themes}", NOT_IN_SERIES)
            continue
        part = f"Issue {after.number}"
        if before is None:
            themes = ", ".join(
                title(slug) + (f" (was in issue {was[slug]}{as_approved})" if slug in was else "")
                for slug in after.themes
            )
            yield PlanChange(part, ISSUE["issue"], NOT_IN_SERIES, f"Added, with {themes}")
            continue
        if before.number != after.number:
            yield PlanChange(part, ISSUE["position"], f"Issue {before.number}{as_approved}", part)
        yield from _compare(
            part,
            ISSUE["send_at"],
            old_times.get(before.number, ""),
            new_times.get(after.number, ""),
        )
        for slug in after.themes:
            if slug not in was:
                yield PlanChange(part, f"{ISSUE['theme']} “{title(slug)}”", NOT_IN_SERIES, part)
            elif renumbered.get(was[slug]) != after.number:
                yield PlanChange(
                    part,
                    f"{ISSUE['theme']} “{title(slug)}”",
                    f"Issue {was[slug]}{as_approved}",
                    f"Issue {after.number}",
                )
        for slug in before.themes:
            if slug not in now:
                yield PlanChange(part, f"{ISSUE['theme']} “{title(slug)}”", part, NOT_IN_SERIES)
        if set(before.themes) == set(after.themes):
            yield from _compare(
                part,
                ISSUE["theme_order"],
                ", ".join(map(title, before.themes)),
                ", ".join(map(title, after.themes)),
            )
        yield from _issue_fields(part, before, after)


def _issue_fields(part: str, old: IssuePlan, new: IssuePlan) -> Iterator[PlanChange]:
    fields: dict[str, Callable[[IssuePlan], str]] = {
        "title": lambda i: i.title or "",
        "subject": lambda i: i.subject or "",
        "preheader": lambda i: i.preheader or "",
        "intro": lambda i: i.intro or "",
        "questions": lambda i: "\n".join(i.questions),
        "include_introduction": lambda i: _yes(i.include_introduction),
        "extra_lists": lambda i: ", ".join(i.extra_lists),
        "exclude_lists": lambda i: ", ".join(i.exclude_lists),
    }
    for key, shown in fields.items():
        yield from _compare(part, ISSUE[key], shown(old), shown(new))


def _pairs(
    old: Campaign, new: Campaign
) -> list[tuple[IssuePlan, IssuePlan] | tuple[IssuePlan, None] | tuple[None, IssuePlan]]:
    """The approved issue each issue now is, in the series' order: by number while the count is
    the same (themes moved between them), else by their themes, so removing issue 2 of 4 is one
    issue removed, not three changed."""
    if len(old.issues) == len(new.issues):
        return list(zip(old.issues, new.issues, strict=True))
    matcher = SequenceMatcher(
        None,
        [frozenset(i.themes) for i in old.issues],
        [frozenset(i.themes) for i in new.issues],
        autojunk=False,
    )
    pairs: list = []
    for _, i1, i2, j1, j2 in matcher.get_opcodes():
        olds, news = list(old.issues[i1:i2]), new.issues[j1:j2]
        for issue in news:
            if not olds:
                pairs.append((None, issue))
                continue
            # The approved issue it shares most themes with is the one it is, then the one whose
            # texts it kept (an issue that took a removed issue's themes is still itself).
            best = max(olds, key=lambda o, i=issue: (_shared(o, i), -o.number))
            olds.remove(best)
            pairs.append((best, issue))
        pairs += [(o, None) for o in olds]
    return pairs


def _shared(old: IssuePlan, new: IssuePlan) -> tuple[int, int]:
    """How much of `old` `new` kept: (themes, texts)."""
    texts = ("title", "intro", "preheader", "questions")
    kept = sum(getattr(old, name) == getattr(new, name) for name in texts)
    return len(set(old.themes) & set(new.themes)), kept


def _catch_up(old: CatchUp, new: CatchUp) -> Iterator[PlanChange]:
    fields: dict[str, Callable[[CatchUp], str]] = {
        "catch_up": lambda c: CATCH_UP_MODES.get(c.mode, (c.mode,))[0],
        "catch_up_until": lambda c: day(c.until) if c.until else UNTIL_DEFAULT,
        "replay_every": lambda c: str(c.replay_every_days),
        "replay_cap": lambda c: str(c.replay_cap),
        "catch_up_note": lambda c: c.note or "",
    }
    for key, shown in fields.items():
        yield from _compare(CATCH_UP_PART, CATCH_UP[key], shown(old), shown(new))


def _briefing(before: Briefing, edits: Iterable[Edit]) -> Iterator[PlanChange]:
    """Each edit to how the briefing was read since the approval: the theme's title then, and
    the edit in the words of its button ("Rename: Men", "Merge with next", ...)."""
    titles = {theme.slug: theme.title for theme in before.themes}
    for edit in edits:
        was = titles.get(edit.slug, edit.slug)
        label = BRIEFING_EDITS.get(edit.kind, edit.kind)
        after = f"{label}: {edit.title}" if edit.kind == "rename" and edit.title else label
        yield PlanChange(BRIEFING_PART, ISSUE["theme"], was, after)
        if edit.kind == "rename" and edit.title:
            titles[edit.slug] = edit.title


def _compare(part: str, what: str, before: str, after: str) -> Iterator[PlanChange]:
    if before != after:
        yield PlanChange(part, what, before, after)


def _times(campaign: Campaign) -> dict[int, str]:
    """Each issue's send time as the plan page shows it (its own send_at, else the schedule's)."""
    try:
        planned: list[datetime] = send_dates(campaign.schedule, len(campaign.issues))
    except ValueError:  # a schedule the checks refuse: the page says so, not this list
        return {}
    zone = campaign.schedule.timezone
    return {
        issue.number: local(issue.send_at or moment, zone)
        for issue, moment in zip(campaign.issues, planned, strict=True)
    }


def _skipped(campaign: Campaign) -> str:
    """The plan page's *Skipped dates*, one a line."""
    try:
        found = skipped_dates(campaign.schedule, len(campaign.issues))
    except ValueError:
        return ""
    return "\n".join(
        f"{day(s.day)}: {s.why}, so issue {s.issue} goes on {day(s.moved_to)}" for s in found
    )


def _yes(value: bool) -> str:
    return "Yes" if value else "No"
