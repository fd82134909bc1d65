"""The SQL for the console's campaign drafts: functions take a Connection in the caller's
transaction (`read(engine)` / `write(engine)`).

    insert_draft(conn, DraftValues(...)) -> id;  draft_by_id(conn, id) -> DraftRecord
    save_edit(conn, id, revision, ...) -> bool   (compare-and-set on the revision seen)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from briefcast.store.schema import DraftState, campaigns, drafts, read_utc, utcnow


@dataclass(frozen=True)
class DraftRecord:
    id: int
    name: str
    title: str
    state: DraftState
    revision: int
    briefing_source: str
    briefing_text: str
    overlay: Mapping[str, Any]
    plan: str
    approved_plan: str | None
    approved_overlay: Mapping[str, Any] | None
    note: str | None
    campaign_id: int | None
    created_by: str
    created_at: datetime
    updated_at: datetime


def insert_draft(
    conn: Connection,
    *,
    name: str,
    title: str,
    briefing_source: str,
    briefing_text: str,
    overlay: Mapping[str, Any],
    plan: str,
    created_by: str,
) -> int:
    result = conn.execute(
        insert(drafts).values(
            name=name,
            title=title,
            state=DraftState.DRAFT.value,
            revision=1,
            briefing_source=briefing_source,
            briefing_text=briefing_text,
            overlay=dict(overlay),
            plan=plan,
            created_by=created_by,
        )
    )
    return int(result.inserted_primary_key[0])


def draft_by_id(conn: Connection, draft_id: int) -> DraftRecord | None:
    row = conn.execute(select(drafts).where(drafts.c.id == draft_id)).mappings().first()
    return _record(row) if row else None


def all_drafts(conn: Connection) -> list[DraftRecord]:
    rows = conn.execute(select(drafts).order_by(drafts.c.updated_at.desc(), drafts.c.id.desc()))
    return [_record(row) for row in rows.mappings()]


def names_in_use(conn: Connection, stem: str) -> set[str]:
    """Draft and campaign names starting with `stem`, to pick a free one."""
    pattern = f"{stem}%"
    found = conn.execute(select(drafts.c.name).where(drafts.c.name.like(pattern))).scalars()
    taken = conn.execute(select(campaigns.c.name).where(campaigns.c.name.like(pattern))).scalars()
    return {*found, *taken}


def save_edit(
    conn: Connection,
    draft_id: int,
    revision: int,
    *,
    title: str,
    overlay: Mapping[str, Any],
    plan: str,
    state: DraftState,
) -> bool:
    """Store an edit made to revision `revision`; False (nothing stored) if it moved meanwhile."""
    result = conn.execute(
        update(drafts)
        .where(drafts.c.id == draft_id, drafts.c.revision == revision)
        .values(
            title=title,
            overlay=dict(overlay),
            plan=plan,
            state=state.value,
            revision=drafts.c.revision + 1,
            updated_at=utcnow(),
        )
    )
    return result.rowcount == 1


def set_state(
    conn: Connection,
    draft_id: int,
    to: DraftState,
    *,
    only_from: Iterable[DraftState],
    revision: int,
    note: str | None = None,
) -> bool:
    """Compare-and-set on state and revision: False if either moved since the caller looked."""
    result = conn.execute(
        update(drafts)
        .where(
            drafts.c.id == draft_id,
            drafts.c.revision == revision,
            drafts.c.state.in_([state.value for state in only_from]),
        )
        .values(state=to.value, note=note, updated_at=utcnow())
    )
    return result.rowcount == 1


def mark_approved(
    conn: Connection,
    draft_id: int,
    campaign_id: int,
    *,
    plan: str,
    overlay: Mapping[str, Any],
) -> None:
    """Keep what was approved (the plan and overlay the approver saw), to show what changes
    before the next approval."""
    conn.execute(
        update(drafts)
        .where(drafts.c.id == draft_id)
        .values(
            campaign_id=campaign_id,
            approved_plan=plan,
            approved_overlay=dict(overlay),
            updated_at=utcnow(),
        )
    )


def _record(row: Mapping[str, Any]) -> DraftRecord:
    return DraftRecord(
        id=row["id"],
        name=row["name"],
        title=row["title"],
        state=DraftState(row["state"]),
        revision=row["revision"],
        briefing_source=row["briefing_source"],
        briefing_text=row["briefing_text"],
        overlay=row["overlay"],
        plan=row["plan"],
        approved_plan=row["approved_plan"],
        approved_overlay=row["approved_overlay"],
        note=row["note"],
        campaign_id=row["campaign_id"],
        created_by=row["created_by"],
        created_at=read_utc(row["created_at"]),
        updated_at=read_utc(row["updated_at"]),
    )
