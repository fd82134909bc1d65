"""An issue's state machine: the moves it may make, and the one compare-and-set that makes them.

    transition(conn, issue_id, IssueState.PAUSED, actor=who, reason="...") -> bool (moved)
    note(conn, issue_id, "issue.edited", actor=who, details={...})  # a change of no state

Every command, the worker and the send loop (and the console to come) change an issue's state
only here: `UPDATE issues SET state = :to WHERE id = :id AND state = :from`, where :from is the
state just read and the table allows the move, then the move's audit row (who, when, from, to,
why) in the same transaction. So a person pausing and a worker finishing at the same moment
cannot both win, and the trail never claims a move that did not happen
(tests/store/test_no_bare_state_changes.py fails on a state written anywhere else). The sets of
states other modules ask about (what may still be edited, what has gone out, what is final)
live here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select, update

from briefcast.store import audit
from briefcast.store.audit import Actor
from briefcast.store.schema import IssueState, campaigns, issues, to_utc, utcnow

S = IssueState

# Every move an issue may make, and why it exists. A pair not here is refused by `transition`.
# SENT and CANCELLED are final: CANCELLED never moves, and SENT only when a move names it in
# `only_from` (a person resending the messages whose outcome was unknown), so no worker,
# start or resume can reopen a sent issue by accident.
TRANSITIONS: Mapping[IssueState, Mapping[IssueState, str]] = {
    S.SCHEDULED: {
        S.SENDING: "its time came and a worker started it, or a person ran send-now",
        S.PAUSED: "a person paused it before its time",
        S.MISSED: "it was late beyond what the missed-window policy allows (no worker ran)",
        S.CANCELLED: "a person cancelled it, or it was removed from the campaign file",
    },
    S.SENDING: {
        S.SENT: "every ledger row reached a final status",
        S.PAUSED: "a person paused it, the send loop stopped on a failing relay, or send-now was "
        "interrupted: the rest waits",
        S.CANCELLED: "a person cancelled it: the rows still queued are never sent",
    },
    S.PAUSED: {
        S.SCHEDULED: "a person resumed it: it goes at its time, or at once if that has passed",
        S.SENDING: "a person ran send-now on it",
        S.CANCELLED: "a person cancelled it, or it was removed from the campaign file",
    },
    S.MISSED: {
        S.SCHEDULED: "a person resumed it or gave it a new time (reschedule, an edited file)",
        S.SENDING: "a person ran send-now on it",
        S.PAUSED: "a person paused it, to decide later",
        S.CANCELLED: "a person cancelled it, or it was removed from the campaign file",
    },
    S.SENT: {
        S.SENDING: "a person resent the messages whose outcome was unknown (the relay took them "
        "but never answered): send-now --resend-unknown, or the console's button",
    },
    S.CANCELLED: {},
}

# The state `schedule` gives a new issue.
INITIAL = S.SCHEDULED
# States whose content and time may still change: nothing of them has gone out, or (paused) the
# rest waits for a person.
UNSENT = frozenset({S.SCHEDULED, S.PAUSED, S.MISSED})
# States nothing moves an issue out of, but a move that names SENT in `only_from` (see above).
FINAL = frozenset({S.SENT, S.CANCELLED})
# States in which messages may have gone out (a paused issue may have started): the archive
# lists these, when the issue has a start time.
GONE_OUT = frozenset({S.SENDING, S.SENT, S.PAUSED})

# A lost race (the state changed between the read and the write) is tried again this often:
# enough for the other writer's one move, never a loop.
_ATTEMPTS = 3


def can_move(source: IssueState, to: IssueState) -> bool:
    return to in TRANSITIONS[source]


def sources(to: IssueState) -> frozenset[IssueState]:
    """The states from which an issue may move to `to`."""
    return frozenset(source for source, targets in TRANSITIONS.items() if to in targets)


def action(to: IssueState) -> str:
    """The audit action of a move: "issue.paused", "issue.sent", ..."""
    return f"issue.{to.value}"


def transition(
    conn: Connection,
    issue_id: int,
    to: IssueState,
    *,
    actor: Actor,
    reason: str | None,
    only_from: Iterable[IssueState] | None = None,
    planned_at: datetime | None = None,
    provided: ColumnElement[bool] | None = None,
    at: datetime | None = None,
) -> bool:
    """Move the issue to `to` if the table allows it from its state (and that state is one of
    `only_from`, when given: a final state only then); record the move in the audit trail.
    Returns whether it moved.

    `reason` is kept as the issue's state_reason (what `status` shows) for a paused, missed or
    cancelled issue, and in the audit row for every move. `planned_at` moves its time in the
    same statement; `provided` is a further condition of the same UPDATE (the ledger's "nothing
    left to send"); `at` is when it happened for started_at / finished_at (default: now).
    """
    allowed = sources(to)
    if only_from is not None:
        allowed &= frozenset(only_from)
    else:
        allowed -= FINAL  # leaving a final state is never implied
    for _ in range(_ATTEMPTS):
        row = conn.execute(_CURRENT.where(issues.c.id == issue_id)).one_or_none()
        if row is None or IssueState(row.state) not in allowed:
            return False
        source = IssueState(row.state)
        statement = (
            update(issues)
            .where(issues.c.id == issue_id, issues.c.state == source.value)
            .values(**_values(to, reason, planned_at, at))
        )
        if provided is not None:
            statement = statement.where(provided)
        if conn.execute(statement).rowcount == 1:
            audit.record(
                conn,
                actor,
                action(to),
                campaign_id=row.campaign_id,
                issue_id=issue_id,
                subject=subject(row.name, row.number),
                from_state=source.value,
                to_state=to.value,
                reason=reason,
                details={"planned_at": to_utc(planned_at).isoformat()} if planned_at else None,
            )
            return True
        if provided is not None:
            return False  # the condition, not a race, may be what failed: do not spin on it
    return False


def note(
    conn: Connection,
    issue_id: int,
    what: str,
    *,
    actor: Actor,
    reason: str | None = None,
    to_state: IssueState | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Record something done to an issue that is not a move: created ("issue.scheduled" with
    `to_state`), edited, rescheduled, removed. Call it while the issue still exists."""
    row = conn.execute(_CURRENT.where(issues.c.id == issue_id)).one()
    audit.record(
        conn,
        actor,
        what,
        campaign_id=row.campaign_id,
        issue_id=issue_id,
        subject=subject(row.name, row.number),
        from_state=None if to_state is not None else row.state,
        to_state=to_state.value if to_state is not None else row.state,
        reason=reason,
        details=details,
    )


def worker_actor(worker_id: str) -> Actor:
    """How the trail names a worker's (or a send loop's) moves: a start, a finish, a miss."""
    return Actor.process(f"worker {worker_id}")


def subject(campaign: str, number: int) -> str:
    """How the audit trail names an issue, readable after the issue is gone. A catch-up is
    numbered -1, -2, ... (store/schema.py): people read it as catch-up 1, 2, ..., never "#-1"."""
    return f"{campaign} catch-up {-number}" if number < 0 else f"{campaign} #{number}"


_CURRENT = select(
    issues.c.state, issues.c.campaign_id, issues.c.number, campaigns.c.name
).select_from(issues.join(campaigns, issues.c.campaign_id == campaigns.c.id))


def _values(
    to: IssueState, reason: str | None, planned_at: datetime | None, at: datetime | None
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "state": to.value,
        # state_reason says why an issue is held or stopped; a moving one has none.
        "state_reason": reason if to in (S.PAUSED, S.MISSED, S.CANCELLED) else None,
    }
    if planned_at is not None:
        values["planned_at"] = to_utc(planned_at)
    moment = to_utc(at or utcnow())
    if to is S.SENDING:
        values["started_at"] = func.coalesce(issues.c.started_at, moment)  # the first start
    elif to is S.SENT:
        values["finished_at"] = moment
    return values
