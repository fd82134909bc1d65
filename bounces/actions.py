"""Acting on a delivery report: the ledger row's new state, suppressions, flags and pauses.

    act_on(engine, reading, actor=Actor.process("bounce reader")) -> list[Outcome]

One transaction per report, so a report is acted on completely or not at all; each (report,
recipient) is recorded in bounce_reports, so a report read again changes nothing. A report is
matched to its ledger row by the original Message-ID *and* the recipient; one that matches no
row is kept for an admin (`briefcast bounces list --unmatched`), never guessed at. What each kind
of code does is the table in docs/architecture.md (Bounces), from issue 14.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine

from briefcast.bounces.codes import kind_of
from briefcast.bounces.parser import Kind, Reading, Recipient
from briefcast.store import bounces as store
from briefcast.store import campaigns as campaign_store
from briefcast.store import issue_states
from briefcast.store.audit import Actor, record
from briefcast.store.engine import write
from briefcast.store.schema import BounceKind, DeliveryStatus, IssueState, SuppressionReason
from briefcast.store.suppressions import add_suppression, find_suppression

# Soft bounces (4.x.x given up on) for the messages of this many issues suppress the address.
SOFT_LIMIT = 3
READER = Actor.process("bounce reader")
# The issues each kind of our own trouble stops: the quota only holds up what is going now; a
# blocked account can send nothing, so what is due next waits too.
_QUOTA_STOPS = (IssueState.SENDING,)
_BLOCK_STOPS = (IssueState.SENDING, IssueState.SCHEDULED, IssueState.MISSED)
# Microsoft 365 counts recipients over a rolling 24 hours: after that the quota has room again.
QUOTA_WAIT = timedelta(hours=24)
QUOTA_PAUSE = "paused by a delivery report: the sending mailbox reached its sending limit"
# Rows that were not delivered through no fault of the person go again when their issue does.
_STILL_GOING = (IssueState.SENDING, IssueState.PAUSED)


@dataclass(frozen=True)
class Outcome:
    """What one report did for one recipient, as a line for the admin."""

    recipient: str
    code: str | None
    kind: BounceKind
    action: str  # bounced, flagged, paused, stopped, soft, suppressed, failed, waiting, kept, ...
    message: str
    campaign: str | None = None
    issue: int | None = None
    list_slug: str | None = None


def act_on(
    engine: Engine,
    reading: Reading,
    *,
    actor: Actor = READER,
    now: datetime | None = None,
    soft_limit: int = SOFT_LIMIT,
) -> list[Outcome]:
    """Act on every failed recipient of a delivery report (anything else read returns [])."""
    if reading.kind is not Kind.REPORT:
        return []
    now = now or datetime.now(UTC)
    outcomes = []
    with write(engine) as conn:
        for recipient in reading.recipients:
            if recipient.action not in ("failed", "delayed"):
                continue  # delivered, relayed, expanded: nothing went wrong
            if store.already_read(conn, reading.key, recipient.address):
                continue
            outcomes.append(_one(conn, reading, recipient, actor, now, soft_limit))
    return outcomes


def _one(
    conn: Connection,
    reading: Reading,
    recipient: Recipient,
    actor: Actor,
    now: datetime,
    soft_limit: int,
) -> Outcome:
    kind = kind_of(recipient.status, action=recipient.action)
    addresses = [recipient.address] + ([recipient.original] if recipient.original else [])
    match = (
        store.find_delivery(conn, reading.original_message_id, addresses)
        if reading.original_message_id
        else None
    )

    def keep(action: str, message: str) -> Outcome:
        store.record_report(
            conn,
            report_key=reading.key,
            recipient=recipient.address,
            status_code=recipient.status,
            kind=kind,
            action=action,
            original_message_id=reading.original_message_id,
            delivery_id=match.delivery_id if match else None,
            diagnostic=recipient.diagnostic,
            reporting_mta=reading.reporting_mta,
            received_at=reading.received_at,
        )
        return Outcome(
            recipient.address,
            recipient.status,
            kind,
            action,
            message,
            match.campaign if match else None,
            match.issue_number if match else None,
            match.list_slug if match else None,
        )

    if match is None:
        why = "no message briefcast sent has its Message-ID and recipient"
        if not reading.original_message_id:
            why = "no original Message-ID in it"
        return keep("kept", f"kept for an admin: {why}")
    if match.status == DeliveryStatus.UNKNOWN.value and store.settle_unknown(
        conn, match.delivery_id
    ):
        # The relay never answered for it, but a report about it proves the relay took it: the
        # outcome is known now (sent; what the report says then applies as to any sent row).
        record(
            conn,
            actor,
            "delivery.settled",
            campaign_id=match.campaign_id,
            issue_id=match.issue_id,
            subject=issue_states.subject(match.campaign, match.issue_number),
            from_state=DeliveryStatus.UNKNOWN.value,
            to_state=DeliveryStatus.SENT.value,
            reason=f"a delivery report ({recipient.status or 'no code'}) shows the relay took it",
            details={"delivery_id": match.delivery_id, "report": reading.key},
        )
        match = replace(match, status=DeliveryStatus.SENT.value)
    if kind is BounceKind.DELAYED:
        return keep("waiting", "the far server is still trying: nothing to do yet")
    if match.status != DeliveryStatus.SENT.value:
        return keep("noted", f"noted; the ledger row is already {match.status}")
    code, words = recipient.status, recipient.diagnostic
    if kind is BounceKind.NO_SUCH_ADDRESS:
        store.mark_returned(conn, match.delivery_id, DeliveryStatus.BOUNCED, code, words, now)
        _suppress(conn, match.address)
        return keep("bounced", "the address does not exist: suppressed on every list")
    if kind is BounceKind.REFUSED:
        store.mark_returned(conn, match.delivery_id, DeliveryStatus.FAILED, code, words, now)
        domain = match.address.rpartition("@")[2]
        new = store.flag_list(
            conn,
            list_id=match.list_id,
            domain=domain,
            organisation=match.organisation,
            code=code or "",
            diagnostic=words,
            now=now,
        )
        if new:
            record(
                conn,
                actor,
                "list.flagged",
                subject=f"{match.list_slug or '(deleted list)'} / {domain}",
                reason=f"{code}: the mail server refuses outside senders; needs allow-listing",
            )
        return keep(
            "flagged",
            f"{domain} refuses our sender: the list is flagged for allow-listing "
            "(the person is not suppressed)",
        )
    if kind in (BounceKind.OUR_QUOTA, BounceKind.WE_ARE_BLOCKED):
        if match.issue_state in _STILL_GOING:
            store.requeue_returned(conn, match.delivery_id, code, words, now)
        else:
            store.mark_returned(conn, match.delivery_id, DeliveryStatus.FAILED, code, words, now)
        quota = kind is BounceKind.OUR_QUOTA
        stopped = _stop_issues(conn, actor, code, words, quota=quota)
        action = "paused" if quota else "stopped"
        what = "our mailbox reached its sending limit" if quota else "our account is blocked"
        return keep(action, f"{what}: {action} {stopped} issue(s)")
    store.mark_returned(conn, match.delivery_id, DeliveryStatus.FAILED, code, words, now)
    if kind is BounceKind.SOFT:
        outcome = keep("soft", "a temporary failure given up on")
        times = store.soft_bounced_issues(conn, match.address)
        if times >= soft_limit and _suppress(conn, match.address):
            message = f"soft bounces for {times} issues: suppressed on every list"
            return replace(outcome, action="suppressed", message=message)
        return outcome
    return keep("failed", "refused for good; nobody suppressed")


def _suppress(conn: Connection, address: str) -> bool:
    if find_suppression(conn, address, None) is not None:
        return False
    add_suppression(
        conn, reason=SuppressionReason.BOUNCED, created_by="delivery report", address=address
    )
    return True


def _stop_issues(
    conn: Connection, actor: Actor, code: str | None, words: str | None, *, quota: bool
) -> int:
    """Pause the issues our own trouble stops, each with a reason that says what to do, through
    the one state machine (store/issue_states.py), which records each move."""
    said = _short(words)
    if quota:
        reason = (
            f"{QUOTA_PAUSE} ({code}{said}); it resumes by itself after 24 hours, or "
            "resume it sooner once the limit has reset"
        )
    else:
        reason = (
            f"stopped by a delivery report: the sending account or organisation is blocked "
            f"from sending ({code}{said}); have the mail administrator lift the block, "
            "then resume"
        )
    states = _QUOTA_STOPS if quota else _BLOCK_STOPS
    stopped = 0
    for issue in campaign_store.issues_in_states(conn, states):
        if issue_states.transition(
            conn, issue.id, IssueState.PAUSED, actor=actor, reason=reason, only_from=(issue.state,)
        ):
            stopped += 1
    return stopped


def _short(words: str | None, limit: int = 160) -> str:
    text = " ".join((words or "").split())
    if not text:
        return ""
    return ": " + (text if len(text) <= limit else text[: limit - 1] + "…")


def resume_after_quota(
    engine: Engine, *, now: datetime | None = None, actor: Actor = READER
) -> int:
    """The "retry later" of a quota pause: issues paused for our sending limit at least
    QUOTA_WAIT ago are due again now (the worker's policy then sends them, or marks them
    missed outside the sending hours). Returns how many."""
    now = now or datetime.now(UTC)
    resumed = 0
    with write(engine) as conn:
        for issue_id, _number in store.paused_before(conn, QUOTA_PAUSE, now - QUOTA_WAIT):
            if issue_states.transition(
                conn,
                issue_id,
                IssueState.SCHEDULED,
                actor=actor,
                reason="the sending limit has had 24 hours to reset",
                only_from=(IssueState.PAUSED,),
                planned_at=now,
            ):
                resumed += 1
    return resumed
