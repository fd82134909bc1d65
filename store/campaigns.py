"""Campaigns and their issues: the one place that reads and writes them, for `schedule`,
`status`, the steering commands, the worker, the report and the link pages.

An issue's state is not changed here: store/issue_states.py makes every move (a compare-and-set
with its audit row).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, exists, func, insert, select, update

from briefcast.store.issue_states import INITIAL, UNSENT
from briefcast.store.schema import (
    IssueKind,
    IssueState,
    campaigns,
    deliveries,
    issues,
    read_utc,
    utcnow,
)


@dataclass(frozen=True)
class CampaignRecord:
    id: int
    name: str
    title: str
    source_path: str
    approved_by: str
    approved_at: datetime
    plan: dict[str, Any]  # the versioned snapshot (campaigns/snapshot.py)

    @property
    def timezone(self) -> str:
        return self.plan.get("schedule", {}).get("timezone", "Europe/London")


@dataclass(frozen=True)
class IssueRecord:
    """An issue as `status` and the scheduler see it (without its rendered content)."""

    id: int
    campaign_id: int
    number: int
    title: str
    subject: str
    slug: str
    planned_at: datetime  # aware, UTC
    state: IssueState
    state_reason: str | None
    lists: tuple[str, ...]
    exclude_lists: tuple[str, ...]
    started_at: datetime | None
    finished_at: datetime | None
    kind: IssueKind = IssueKind.ISSUE


@dataclass(frozen=True)
class IssueValues:
    """What `schedule` writes for one issue: the plan and its rendering."""

    number: int
    title: str
    subject: str
    slug: str
    planned_at: datetime
    lists: tuple[str, ...]
    exclude_lists: tuple[str, ...]
    sender: str
    reply_to: str | None
    html: str
    text: str
    digest: dict[str, Any]  # versioned snapshot


@dataclass(frozen=True)
class IssueContent:
    """What one issue sends: the compiled skeleton and the digest it came from."""

    html: str
    text: str
    digest: dict[str, Any]


# -- campaigns ---------------------------------------------------------------------------------


def find_campaign(conn: Connection, name: str) -> CampaignRecord | None:
    row = conn.execute(select(*_campaign_columns()).where(campaigns.c.name == name)).one_or_none()
    return _campaign(row) if row else None


def campaign_by_id(conn: Connection, campaign_id: int) -> CampaignRecord | None:
    row = conn.execute(
        select(*_campaign_columns()).where(campaigns.c.id == campaign_id)
    ).one_or_none()
    return _campaign(row) if row else None


def all_campaigns(conn: Connection) -> list[CampaignRecord]:
    rows = conn.execute(select(*_campaign_columns()).order_by(campaigns.c.name))
    return [_campaign(row) for row in rows]


def save_campaign(
    conn: Connection,
    *,
    name: str,
    title: str,
    source_path: str,
    approved_by: str,
    approved_at: datetime,
    plan: Mapping[str, Any],
) -> int:
    """Insert the campaign, or record the new approval and plan of an existing one; its id."""
    values = dict(
        title=title,
        source_path=source_path,
        approved_by=approved_by,
        approved_at=approved_at,
        plan=dict(plan),
    )
    found = conn.execute(select(campaigns.c.id).where(campaigns.c.name == name)).scalar()
    if found is not None:
        conn.execute(update(campaigns).where(campaigns.c.id == found).values(**values))
        return found
    return conn.execute(insert(campaigns).values(name=name, **values)).inserted_primary_key[0]


def _campaign_columns() -> tuple:
    c = campaigns.c
    return c.id, c.name, c.title, c.source_path, c.approved_by, c.approved_at, c.plan


def _campaign(row: Any) -> CampaignRecord:
    values = dict(row._mapping)
    values["approved_at"] = read_utc(values["approved_at"])
    return CampaignRecord(**values)


# -- issues ------------------------------------------------------------------------------------

# The issues of the series, as planned: not the catch-ups of new starters (delivery/catch_up.py),
# which share the table (and so the send loop, the ledger and the worker) but not the plan.
SERIES = issues.c.kind == IssueKind.ISSUE.value


def campaign_issues(conn: Connection, campaign_id: int) -> list[IssueRecord]:
    query = (
        _issue_query().where(issues.c.campaign_id == campaign_id, SERIES).order_by(issues.c.number)
    )
    return [_issue(row) for row in conn.execute(query)]


def find_issue(conn: Connection, campaign_id: int, number: int) -> IssueRecord | None:
    query = _issue_query().where(
        issues.c.campaign_id == campaign_id, issues.c.number == number, SERIES
    )
    row = conn.execute(query).one_or_none()
    return _issue(row) if row else None


def issue_by_id(conn: Connection, issue_id: int) -> IssueRecord | None:
    row = conn.execute(_issue_query().where(issues.c.id == issue_id)).one_or_none()
    return _issue(row) if row else None


def issues_in_states(conn: Connection, states: Iterable[IssueState]) -> list[IssueRecord]:
    """Every issue of any campaign in one of `states`, soonest first (the worker's reconcile)."""
    query = _issue_query().where(issues.c.state.in_([s.value for s in states]))
    return [_issue(row) for row in conn.execute(query.order_by(issues.c.planned_at))]


def issue_content(conn: Connection, issue_id: int) -> IssueContent:
    row = conn.execute(
        select(issues.c.html, issues.c.text, issues.c.digest).where(issues.c.id == issue_id)
    ).one()
    return IssueContent(html=row.html, text=row.text, digest=row.digest)


def issue_digests(conn: Connection, campaign_id: int) -> dict[int, dict[str, Any]]:
    """Each issue's digest snapshot (its themes) by issue id, without the rendered content."""
    query = select(issues.c.id, issues.c.digest).where(issues.c.campaign_id == campaign_id, SERIES)
    return {row.id: row.digest or {} for row in conn.execute(query)}


def insert_issue(conn: Connection, campaign_id: int, values: IssueValues) -> int:
    """A new issue in the state machine's first state; the caller records it (issue_states.note)."""
    row = _issue_row(values)
    statement = insert(issues).values(campaign_id=campaign_id, state=INITIAL.value, **row)
    return conn.execute(statement).inserted_primary_key[0]


def update_issue(conn: Connection, issue_id: int, values: IssueValues) -> bool:
    """Replace an unsent issue's plan and content; False (nothing changed) once it is sending."""
    statement = (
        update(issues)
        .where(issues.c.id == issue_id, issues.c.state.in_([s.value for s in UNSENT]))
        .values(**_issue_row(values))
    )
    return conn.execute(statement).rowcount == 1


def remove_issue(conn: Connection, issue_id: int) -> None:
    """Delete an issue that never reached the ledger (the caller has checked)."""
    conn.execute(delete(issues).where(issues.c.id == issue_id))


def has_deliveries(conn: Connection, issue_id: int) -> bool:
    """Whether any ledger row exists for the issue: then it is history and must be kept."""
    return bool(conn.execute(select(exists().where(deliveries.c.issue_id == issue_id))).scalar())


def set_planned_at(
    conn: Connection, issue_id: int, planned_at: datetime, *, only_from: Iterable[IssueState]
) -> bool:
    """Move an unsent issue's time, keeping its state, if that is still one of `only_from`."""
    statement = (
        update(issues)
        .where(issues.c.id == issue_id, issues.c.state.in_([s.value for s in only_from]))
        .values(planned_at=planned_at.astimezone(UTC))
    )
    return conn.execute(statement).rowcount == 1


def count_issues(conn: Connection, campaign_id: int) -> int:
    query = (
        select(func.count()).select_from(issues).where(issues.c.campaign_id == campaign_id, SERIES)
    )
    return conn.execute(query).scalar_one()


def _issue_query():  # type: ignore[no-untyped-def]
    c = issues.c
    return select(
        c.id,
        c.campaign_id,
        c.number,
        c.title,
        c.subject,
        c.slug,
        c.planned_at,
        c.state,
        c.state_reason,
        c.lists,
        c.exclude_lists,
        c.started_at,
        c.finished_at,
        c.kind,
    )


def _issue(row: Any) -> IssueRecord:
    values = dict(row._mapping)
    return IssueRecord(
        **{
            **values,
            "planned_at": read_utc(values["planned_at"]),
            "state": IssueState(values["state"]),
            "lists": tuple(values["lists"]),
            "exclude_lists": tuple(values["exclude_lists"] or ()),
            "started_at": read_utc(values["started_at"]),
            "finished_at": read_utc(values["finished_at"]),
            "kind": IssueKind(values["kind"]),
        }
    )


def _issue_row(values: IssueValues) -> dict[str, Any]:
    return {
        "number": values.number,
        "title": values.title,
        "subject": values.subject,
        "slug": values.slug,
        "planned_at": values.planned_at.astimezone(UTC),
        "lists": list(values.lists),
        "exclude_lists": list(values.exclude_lists),
        "sender": values.sender,
        "reply_to": values.reply_to,
        "html": values.html,
        "text": values.text,
        "digest": values.digest,
        "updated_at": utcnow(),
    }
