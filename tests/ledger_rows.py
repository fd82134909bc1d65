"""Campaigns, issues, ledger rows, suppressions and acknowledgements written straight into a test
database, for the web endpoint and report tests: small, exact worlds built in milliseconds.

Issues carry a real rendered skeleton (tests/digests.py, rendered once) and the digest snapshot
`schedule` stores, so the web view and the report's themes read what production would.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from digests import DOMESTIC_ABUSE, WRITTEN_AGREEMENTS, make_digest
from sqlalchemy import Connection, Engine, insert, select

from briefcast.campaigns.model import Theme
from briefcast.campaigns.render import render_digest
from briefcast.campaigns.snapshot import digest_snapshot
from briefcast.store.schema import (
    IssueState,
    SuppressionReason,
    acknowledgements,
    campaigns,
    deliveries,
    issues,
    lists,
    memberships,
    metadata,
    recipients,
    suppressions,
)

CAMPAIGN = "national-panel-2020"
STARTED = datetime(2027, 4, 13, 8, 30, tzinfo=UTC)
SENDER = "Safeguarding Partnership <learning@example.org>"
REPLY_TO = "Learning Team <learning-team@example.org>"


@cache
def _rendered(number: int, title: str, themes: tuple[Theme, ...]) -> tuple[str, str, dict]:
    digest = make_digest(number=number, title=title, themes=themes, subject=f"Part {number}")
    rendered = render_digest(digest)
    return rendered.html, rendered.text, digest_snapshot(digest)


def add_list(conn: Connection, slug: str, name: str, *, unsubscribe_offered: bool = True) -> int:
    statement = insert(lists).values(slug=slug, name=name, unsubscribe_offered=unsubscribe_offered)
    return conn.execute(statement.returning(lists.c.id)).scalar_one()


def add_person(
    conn: Connection, address: str, name: str | None = None, organisation: str | None = None
) -> int:
    statement = insert(recipients).values(
        address=address, name=name, organisation=organisation, attributes={}
    )
    return conn.execute(statement.returning(recipients.c.id)).scalar_one()


def add_member(conn: Connection, list_id: int, recipient_id: int) -> None:
    conn.execute(insert(memberships).values(list_id=list_id, recipient_id=recipient_id))


def add_campaign(
    conn: Connection, name: str = CAMPAIGN, title: str = "Learning from reviews"
) -> int:
    statement = insert(campaigns).values(
        name=name,
        title=title,
        source_path=f"examples/{name}/campaign.yaml",
        approved_by="Jo Approver",
        approved_at=STARTED - timedelta(days=7),
        plan={"version": 1},
    )
    return conn.execute(statement.returning(campaigns.c.id)).scalar_one()


def add_issue(
    conn: Connection,
    campaign_id: int,
    number: int = 1,
    *,
    title: str = "Domestic abuse and written agreements",
    themes: Sequence[Theme] = (DOMESTIC_ABUSE, WRITTEN_AGREEMENTS),
    state: IssueState = IssueState.SENT,
    started_at: datetime | None = STARTED,
) -> int:
    html, text, snapshot = _rendered(number, title, tuple(themes))
    statement = insert(issues).values(
        campaign_id=campaign_id,
        number=number,
        title=title,
        subject=f"Part {number}: {title}",
        slug=f"{number:02d}-issue",
        planned_at=started_at or STARTED,
        state=state.value,
        lists=["health"],
        exclude_lists=[],
        sender=SENDER,
        reply_to=REPLY_TO,
        html=html,
        text=text,
        digest=snapshot,
        started_at=started_at,
        finished_at=started_at,
    )
    return conn.execute(statement.returning(issues.c.id)).scalar_one()


def add_delivery(
    conn: Connection, issue_id: int, recipient_id: int | None, list_id: int, status: str = "sent"
) -> int:
    statement = insert(deliveries).values(
        issue_id=issue_id,
        recipient_id=recipient_id,
        list_id=list_id,
        status=status,
        attempts=1 if status != "queued" else 0,
        message_id=f"<{issue_id}.{recipient_id}@example.org>" if status == "sent" else None,
    )
    return conn.execute(statement.returning(deliveries.c.id)).scalar_one()


def add_unsubscribe(
    conn: Connection,
    address: str,
    list_id: int | None,
    at: datetime,
    created_by: str = "unsubscribe link",
) -> None:
    conn.execute(
        insert(suppressions).values(
            address=address,
            list_id=list_id,
            reason=SuppressionReason.UNSUBSCRIBED.value,
            created_by=created_by,
            created_at=at,
        )
    )


def add_acknowledgement(conn: Connection, delivery_id: int, reflection: str | None = None) -> None:
    row = conn.execute(select(deliveries).where(deliveries.c.id == delivery_id)).one()
    conn.execute(
        insert(acknowledgements).values(
            delivery_id=delivery_id,
            issue_id=row.issue_id,
            recipient_id=row.recipient_id,
            list_id=row.list_id,
            reflection=reflection,
        )
    )


def database_contents(engine: Engine) -> dict[str, list[Any]]:
    """Every row of every table, for "nothing changed" assertions."""
    with engine.connect() as conn:
        return {
            table.name: sorted(map(tuple, conn.execute(select(table))), key=repr)
            for table in metadata.sorted_tables
        }


__all__ = [
    "CAMPAIGN",
    "STARTED",
    "add_acknowledgement",
    "add_campaign",
    "add_delivery",
    "add_issue",
    "add_list",
    "add_member",
    "add_person",
    "add_unsubscribe",
    "database_contents",
]
