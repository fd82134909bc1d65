"""New starters catch up: who joined a campaign's lists after some of its issues went, what they
get of them, when, and the catch-ups written into the ledger when they are due.

    pending(engine, name, now) -> [PendingCatchUp]     # dry-run; waiting(conn, ...)
    plan_due(engine, settings, now, actor, name=None) -> [issue id]  # the worker, `catch-up`

A person "missed" an issue when they joined a list it went to after it started going out and
have no ledger row for it. With `catch_up: digest` they get one catch-up email listing every
missed issue, due with the next issue or a day after they joined, whichever is first; with
`replay`, the missed issues themselves, oldest first, at most `replay_cap`, `replay_every` days
apart. Nobody who joins after the window (`catch_up_until`, else two weeks after the last issue)
gets anything old. A catch-up is planned only when due and inside the sending hours (or on
time, like an issue): it is then an issue row (kind 'catch-up') with its people in the ledger,
and the ordinary send loop sends it exactly once. Planning one campaign holds its row locked,
so two workers never plan a person twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine

from briefcast.campaigns.campaign_file import is_unwritten
from briefcast.campaigns.catch_up import catch_up_digest, render_catch_up
from briefcast.campaigns.model import CatchUp
from briefcast.campaigns.snapshot import catch_up_from_snapshot, digest_from_snapshot
from briefcast.delivery.tokens import Signer, signing_key
from briefcast.delivery.windows import ON_TIME, within_hours
from briefcast.errors import BriefcastError
from briefcast.jsondata import to_plain
from briefcast.links import PersonalFields, Purpose
from briefcast.settings import Settings
from briefcast.store import campaigns as store
from briefcast.store import catch_up as catch_ups
from briefcast.store import issue_states
from briefcast.store.audit import Actor
from briefcast.store.engine import read, write
from briefcast.store.schema import IssueState
from briefcast.wording import and_list, counted

WITHIN = timedelta(days=1)  # a digest goes a day after joining, unless the next issue goes first
WINDOW_AFTER_LAST = timedelta(days=14)  # catch_up_until's default: two weeks after the last issue


class CatchUpError(BriefcastError):
    pass


@dataclass(frozen=True)
class PendingCatchUp:
    """One catch-up still to go to one person: what and when."""

    campaign: str
    address: str
    list_slug: str
    joined_at: datetime
    mode: str  # digest | replay
    numbers: tuple[int, ...]  # the missed issues it brings, by number
    covers: tuple[int, ...]  # the same, by id
    due: datetime
    recipient_id: int
    list_id: int


def pending(engine: Engine, name: str, now: datetime) -> list[PendingCatchUp]:
    """Every catch-up of campaign `name` not yet planned, soonest first (due ones included)."""
    with read(engine) as conn:
        return waiting(conn, _campaign(conn, name), now)


def plan_due(
    engine: Engine, settings: Settings, now: datetime, *, actor: Actor, name: str | None = None
) -> list[int]:
    """Write the catch-ups due at `now` (of campaign `name`, or of every campaign) into the
    ledger as catch-up issues scheduled now; their ids. Outside the sending hours, only those
    due in the last few minutes (delivery/windows.py's ON_TIME): the rest wait for the morning."""
    with read(engine) as conn:
        names = [name] if name else [c.name for c in store.all_campaigns(conn)]
    made: list[int] = []
    for campaign_name in names:
        with write(engine) as conn:
            record = _campaign(conn, campaign_name)
            catch_up = _settings(record)
            if catch_up is None:
                continue
            catch_ups.lock_campaign(conn, record.id)  # then read who is due: a second planner waits
            if _held(conn, record.id):
                continue
            due = [
                p
                for p in waiting(conn, record, now)
                if p.due <= now and _may_go(settings, record.timezone, p.due, now)
            ]
            groups: dict[tuple[int, ...], list[PendingCatchUp]] = defaultdict(list)
            for person in due:
                groups[person.covers].append(person)
            for covers, people in groups.items():
                made.append(_write(conn, settings, record, catch_up, covers, people, now, actor))
    return made


# -- who is due what, when ----------------------------------------------------------------------


def waiting(conn: Connection, record: store.CampaignRecord, now: datetime) -> list[PendingCatchUp]:
    """`pending` inside the caller's transaction (`status` reads it with the issues)."""
    catch_up = _settings(record)
    gone = catch_ups.gone_out(conn, record.id)
    if catch_up is None or not gone:
        return []
    series = store.campaign_issues(conn, record.id)
    window_end = _window_end(catch_up, series, record.timezone)
    slugs = list(dict.fromkeys(slug for issue in gone for slug in issue.lists))
    people = catch_ups.starters(conn, slugs, gone[0].started_at, min(window_end, now))
    ids = [person.recipient_id for person in people]
    had = catch_ups.received(conn, [issue.id for issue in gone], ids)
    excluded = catch_ups.members(
        conn, list({slug for issue in gone for slug in issue.exclude_lists}), ids
    )
    caught = catch_ups.caught_up(conn, record.id)
    # When each issue went, or is to go: "with the next issue" is the first of these after joining.
    goes = sorted(
        i.started_at or i.planned_at for i in series if i.state is not IssueState.CANCELLED
    )
    found = []
    for person in people:
        missed = [
            issue
            for issue in gone
            if issue.started_at < person.joined_at
            and person.list_slug in issue.lists
            and (issue.id, person.recipient_id) not in had
            and not excluded.get(person.recipient_id, set()) & set(issue.exclude_lists)
        ]
        if not missed:
            continue
        first_due = min([t for t in goes if t > person.joined_at] + [person.joined_at + WITHIN])
        before = caught.get(person.recipient_id)
        if catch_up.mode == "digest":
            if before is not None:
                continue
            bring, due = missed, first_due
        else:
            count = before.count if before else 0
            left = [
                i for i in missed[: catch_up.replay_cap] if not before or i.id not in before.covered
            ]
            if count >= catch_up.replay_cap or not left:
                continue
            every = timedelta(days=catch_up.replay_every_days)
            bring, due = left[:1], (before.last_planned_at + every if before else first_due)
        found.append(
            PendingCatchUp(
                campaign=record.name,
                address=person.address,
                list_slug=person.list_slug,
                joined_at=person.joined_at,
                mode=catch_up.mode,
                numbers=tuple(i.number for i in bring),
                covers=tuple(i.id for i in bring),
                due=due,
                recipient_id=person.recipient_id,
                list_id=person.list_id,
            )
        )
    return sorted(found, key=lambda p: (p.due, p.address))


def _held(conn: Connection, campaign_id: int) -> bool:
    """A paused issue holds the catch-ups too: a person stopped the series (or the send loop
    did, on a failing relay) and no new starter should get it meanwhile."""
    return any(i.state is IssueState.PAUSED for i in store.campaign_issues(conn, campaign_id))


def _settings(record: store.CampaignRecord) -> CatchUp | None:
    """The campaign's catch-up as approved; None when it sends none (off, or no note written)."""
    catch_up = catch_up_from_snapshot(record.plan)
    if catch_up.mode == "off" or not catch_up.note or is_unwritten(catch_up.note):
        return None
    return catch_up


def _window_end(catch_up: CatchUp, series: Sequence[store.IssueRecord], timezone: str) -> datetime:
    if catch_up.until is not None:  # the whole of that day where the campaign is
        next_day = catch_up.until + timedelta(days=1)
        return datetime.combine(next_day, time(0), ZoneInfo(timezone)) - timedelta(microseconds=1)
    return max(issue.planned_at for issue in series) + WINDOW_AFTER_LAST


def _may_go(settings: Settings, timezone: str, due: datetime, now: datetime) -> bool:
    """Inside the sending hours; or on time, as an issue is (a digest due with the next issue
    goes with it, whatever the hour the series was planned for)."""
    local = now.astimezone(ZoneInfo(timezone)).time()
    return now - due <= ON_TIME or within_hours(settings.sending_hours, local)


# -- writing one catch-up -------------------------------------------------------------------------


def _write(
    conn: Connection,
    settings: Settings,
    record: store.CampaignRecord,
    catch_up: CatchUp,
    covers: tuple[int, ...],
    people: list[PendingCatchUp],
    now: datetime,
    actor: Actor,
) -> int:
    sender, reply_to = catch_ups.envelope(conn, record.id)
    if catch_up.mode == "replay":
        (issue_id,) = covers
        issue = store.issue_by_id(conn, issue_id)
        content = store.issue_content(conn, issue_id)
        assert issue is not None  # covers come from the series' rows, read in this transaction
        title, subject, slug = issue.title, issue.subject, issue.slug
        html, text, digest = content.html, content.text, content.digest
    else:
        digests = store.issue_digests(conn, record.id)
        signer = Signer(signing_key(conn, settings.secret_key))
        archive = PersonalFields(settings.base_url, signer.make).url(Purpose.ARCHIVE, record.id)
        missed = catch_up_digest(
            [digest_from_snapshot(digests[id_]) for id_ in covers],
            note=catch_up.note or "",
            archive_url=archive,
        )
        rendered = render_catch_up(missed)
        if not rendered.ok:
            raise CatchUpError(
                f"{record.name}: the catch-up digest fails its checks: {rendered.problems[0]}"
            )
        title, subject, slug = missed.title, missed.subject, "catch-up"
        html, text = rendered.html, rendered.text
        digest = {"version": 1, **to_plain(missed)}
    values = catch_ups.CatchUpValues(
        title=title,
        subject=subject,
        slug=slug,
        covers=covers,
        planned_at=now,
        sender=sender,
        reply_to=reply_to,
        html=html,
        text=text,
        digest=digest,
    )
    issue_id = catch_ups.insert_catch_up(
        conn, record.id, values, [(p.recipient_id, p.list_id) for p in people]
    )
    issue_states.note(
        conn,
        issue_id,
        "catch-up.planned",
        actor=actor,
        to_state=IssueState.SCHEDULED,
        reason=_planned_reason(catch_up.mode, people[0].numbers, len(people)),
    )
    return issue_id


def _planned_reason(mode: str, numbers: Sequence[int], starters: int) -> str:
    """The trail's words for a planned catch-up: "one email of parts 1 and 2 for 1 new
    starter", "parts 1 and 2 one by one for 3 new starters" (not the mode's stored name)."""
    parts = f"{'part' if len(numbers) == 1 else 'parts'} {and_list(numbers)}"
    if mode == "digest":
        what = f"one email of {parts}"
    else:
        what = parts if len(numbers) == 1 else f"{parts} one by one"
    return f"{what} for {counted(starters, 'new starter')}"


def _campaign(conn: Connection, name: str) -> store.CampaignRecord:
    record = store.find_campaign(conn, name)
    if record is None:
        raise CatchUpError(f"there is no campaign named {name!r}: see `briefcast status`")
    return record
