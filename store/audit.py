"""The audit trail: who did what, when, to which campaign or issue. Append-only by construction:
this module is the only code that touches the table, and it has no update or delete.

    record(conn, actor, "issue.paused", issue_id=7, from_state="scheduled", to_state="paused")
    history(conn, campaign_id=3) -> [AuditEntry, ...] oldest first

`record` runs inside the caller's write transaction, so an action and its audit row commit or
roll back together: the trail never claims something that did not happen.

The one exception to append-only is `scrub`: the right to erasure outranks an unchanged trail,
so an erased person's address is rewritten out of the entries that quote it (a relay's refusal
in a pause reason); the entries themselves, and what happened, stay.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, insert, select

from briefcast.store.schema import audit, read_utc, utcnow
from briefcast.store.scrubbing import scrub_columns

ActorKind = Literal["person", "process"]


@dataclass(frozen=True)
class Actor:
    """Who acts: a person (signed in to the console, or at the CLI) or a process."""

    kind: ActorKind
    name: str  # "A. Lee", or "worker mail-1", "link page"
    user_id: int | None = None  # the person's staff account, when they have one

    @classmethod
    def person(cls, name: str, user_id: int | None = None) -> Actor:
        return cls("person", name, user_id)

    @classmethod
    def process(cls, name: str) -> Actor:
        return cls("process", name)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: Actor
    action: str
    campaign_id: int | None
    issue_id: int | None
    subject: str | None
    from_state: str | None
    to_state: str | None
    reason: str | None
    details: Mapping[str, Any] | None


def record(
    conn: Connection,
    actor: Actor,
    action: str,
    *,
    campaign_id: int | None = None,
    issue_id: int | None = None,
    subject: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Append one entry, in the caller's transaction."""
    conn.execute(
        insert(audit).values(
            at=utcnow(),
            actor_kind=actor.kind,
            actor=actor.name[:200],
            actor_id=actor.user_id,
            action=action,
            campaign_id=campaign_id,
            issue_id=issue_id,
            subject=subject[:300] if subject else None,
            from_state=from_state,
            to_state=to_state,
            reason=reason,
            details=dict(details) if details else None,
        )
    )


def scrub(conn: Connection, text: str) -> int:
    """Erasure, the one permitted rewrite of the trail: `text` (an erased person's address, any
    letter case) becomes "[erased]" in every entry's subject, reason and details. Returns the
    entries changed."""
    return scrub_columns(conn, audit, ("subject", "reason", "details"), text)


def history(
    conn: Connection,
    *,
    campaign_id: int | None = None,
    issue_id: int | None = None,
    action_prefix: str | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """Entries oldest first, narrowed to a campaign, an issue or a kind of action."""
    query = select(audit).order_by(audit.c.at, audit.c.id)
    if campaign_id is not None:
        query = query.where(audit.c.campaign_id == campaign_id)
    if issue_id is not None:
        query = query.where(audit.c.issue_id == issue_id)
    if action_prefix is not None:
        query = query.where(audit.c.action.startswith(action_prefix, autoescape=True))
    if limit is not None:
        query = query.limit(limit)
    return [_entry(row) for row in conn.execute(query).mappings()]


def _entry(row: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry(
        at=read_utc(row["at"]),
        actor=Actor(row["actor_kind"], row["actor"], row["actor_id"]),
        action=row["action"],
        campaign_id=row["campaign_id"],
        issue_id=row["issue_id"],
        subject=row["subject"],
        from_state=row["from_state"],
        to_state=row["to_state"],
        reason=row["reason"],
        details=row["details"],
    )
