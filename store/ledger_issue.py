"""The issue the send loop works on: what it reads of it, and the start and end of its sending.
Every function takes a Connection inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, exists, select

from briefcast.errors import BriefcastError
from briefcast.store import issue_states
from briefcast.store.audit import Actor
from briefcast.store.schema import DeliveryStatus, IssueState, campaigns, deliveries, issues


class LedgerError(BriefcastError):
    """An issue to send that is not there, or that goes to a list that is not."""


@dataclass(frozen=True)
class IssueToSend:
    """What the send loop reads of an issue: its envelope, its stored skeleton, its state."""

    id: int
    number: int
    title: str
    campaign_name: str
    campaign_title: str
    subject: str
    sender: str
    reply_to: str | None
    html: str
    text: str
    state: IssueState
    state_reason: str | None
    audience_size: int | None


def load_issue(conn: Connection, issue_id: int) -> IssueToSend:
    query = (
        select(
            issues.c.id,
            issues.c.number,
            issues.c.title,
            campaigns.c.name,
            campaigns.c.title,
            issues.c.subject,
            issues.c.sender,
            issues.c.reply_to,
            issues.c.html,
            issues.c.text,
            issues.c.state,
            issues.c.state_reason,
            issues.c.audience_size,
        )
        .select_from(issues.join(campaigns))
        .where(issues.c.id == issue_id)
    )
    row = conn.execute(query).one_or_none()
    if row is None:
        raise LedgerError(f"there is no issue with id {issue_id}")
    return IssueToSend(*row[:10], IssueState(row[10]), *row[11:])


def issue_state(conn: Connection, issue_id: int) -> tuple[IssueState, str | None]:
    row = conn.execute(
        select(issues.c.state, issues.c.state_reason).where(issues.c.id == issue_id)
    ).one()
    return IssueState(row[0]), row[1]


def start_sending(conn: Connection, issue_id: int, now: datetime, *, actor: Actor) -> bool:
    """SENDING (started_at kept from the first start), or already SENDING (another run joins);
    False for an issue sent or cancelled."""
    moved = issue_states.transition(
        conn, issue_id, IssueState.SENDING, actor=actor, reason="sending started", at=now
    )
    if moved:
        return True
    # Joining: wait (PostgreSQL's row lock) for any other start of it to commit, as a move
    # would have, so the audience it resolved is seen and not inserted a second time. The lock
    # an UPDATE takes (FOR NO KEY UPDATE): rows referring to the issue can still be inserted.
    query = select(issues.c.state).where(issues.c.id == issue_id).with_for_update(key_share=True)
    return conn.execute(query).scalar_one_or_none() == IssueState.SENDING.value


def finish_if_done(conn: Connection, issue_id: int, now: datetime, *, actor: Actor) -> bool:
    """SENT (finished_at) once no row is queued or in flight; False while some still are."""
    # Two probes of the (issue_id, status) index: nothing queued, nothing in flight that is not
    # already recorded sent.
    nothing_left = and_(
        ~exists().where(
            deliveries.c.issue_id == issue_id,
            deliveries.c.status == DeliveryStatus.QUEUED.value,
        ),
        ~exists().where(
            deliveries.c.issue_id == issue_id,
            deliveries.c.status == DeliveryStatus.SENDING.value,
            deliveries.c.sent_at.is_(None),
        ),
    )
    return issue_states.transition(
        conn,
        issue_id,
        IssueState.SENT,
        actor=actor,
        reason="every message reached a final status",
        provided=nothing_left,
        at=now,
    )
