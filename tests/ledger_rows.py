"""Lists, people, campaigns, issues, ledger rows, suppressions and acknowledgements written
straight into a test database: small, exact worlds built in milliseconds, for every test that
needs rows rather than the commands that make them (which have their own tests).

Each helper takes a Connection inside the caller's transaction, or the Engine, to run in a write
transaction of its own (`add_list(engine, "police")` then `add_people(engine, "police", ...)`).
Issues carry, unless given their own, a real rendered skeleton (tests/digests.py, rendered once)
and the digest snapshot `schedule` stores, so the web view and the report's themes read what
production would. `add_issue_for(engine, ["police"])` is the send loop's starting point: an issue
due for those lists with a small skeleton using every per-recipient field.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from digests import DOMESTIC_ABUSE, WRITTEN_AGREEMENTS, make_digest
from sqlalchemy import Connection, Engine, insert, select

from briefcast.campaigns.model import Theme
from briefcast.campaigns.render import render_digest
from briefcast.campaigns.snapshot import digest_snapshot
from briefcast.store.engine import read, write
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

# A small skeleton using every per-recipient field, so each one's filling can be checked.
HTML = (
    "<html><body><p>Dear [[recipient_name]],</p><p>You receive this through [[list_name]].</p>"
    '<a href="[[acknowledge_url]]">I have read it</a> <a href="[[web_view_url]]">View</a> '
    '<a href="[[unsubscribe_url]]">Unsubscribe</a></body></html>'
)
TEXT = (
    "Dear [[recipient_name]],\n\nYou receive this through [[list_name]].\n\n"
    "I have read it: [[acknowledge_url]]\nView: [[web_view_url]]\n"
    "Unsubscribe: [[unsubscribe_url]]\n"
)

Database = Engine | Connection


@contextmanager
def _transaction(db: Database) -> Iterator[Connection]:
    """The caller's transaction, or a write transaction of its own when given the engine."""
    if isinstance(db, Connection):
        yield db
        return
    with write(db) as conn:
        yield conn


@cache
def _rendered(number: int, title: str, themes: tuple[Theme, ...]) -> tuple[str, str, dict]:
    digest = make_digest(number=number, title=title, themes=themes, subject=f"Part {number}")
    rendered = render_digest(digest)
    return rendered.html, rendered.text, digest_snapshot(digest)


# -- lists and people -----------------------------------------------------------------------------


def add_list(
    db: Database, slug: str, name: str | None = None, *, unsubscribe_offered: bool = True
) -> int:
    statement = insert(lists).values(
        slug=slug, name=name or slug.title(), unsubscribe_offered=unsubscribe_offered
    )
    with _transaction(db) as conn:
        return conn.execute(statement.returning(lists.c.id)).scalar_one()


def add_person(
    db: Database, address: str, name: str | None = None, organisation: str | None = None
) -> int:
    statement = insert(recipients).values(
        address=address, name=name, organisation=organisation, attributes={}
    )
    with _transaction(db) as conn:
        return conn.execute(statement.returning(recipients.c.id)).scalar_one()


def add_member(db: Database, list_id: int, recipient_id: int) -> None:
    with _transaction(db) as conn:
        conn.execute(insert(memberships).values(list_id=list_id, recipient_id=recipient_id))


def add_people(db: Database, slug: str, people: Sequence[str | tuple[str, str | None]]) -> None:
    """Put people (addresses, or (address, name)) on a list, creating recipients as needed."""
    with _transaction(db) as conn:
        list_id = conn.execute(select(lists.c.id).where(lists.c.slug == slug)).scalar_one()
        for person in people:
            address, name = (person, None) if isinstance(person, str) else person
            found = conn.execute(
                select(recipients.c.id).where(recipients.c.address == address)
            ).scalar_one_or_none()
            add_member(conn, list_id, found or add_person(conn, address, name))


def people(count: int, domain: str = "example.org", prefix: str = "person") -> list[str]:
    return [f"{prefix}{n:04d}@{domain}" for n in range(1, count + 1)]


# -- campaigns and issues -------------------------------------------------------------------------


def add_campaign(db: Database, name: str = CAMPAIGN, title: str = "Learning from reviews") -> int:
    statement = insert(campaigns).values(
        name=name,
        title=title,
        source_path=f"examples/{name}/campaign.yaml",
        approved_by="Jo Approver",
        approved_at=STARTED - timedelta(days=7),
        plan={"version": 1},
    )
    with _transaction(db) as conn:
        return conn.execute(statement.returning(campaigns.c.id)).scalar_one()


def add_issue(
    db: Database,
    campaign_id: int,
    number: int = 1,
    *,
    title: str = "Domestic abuse and written agreements",
    themes: Sequence[Theme] = (DOMESTIC_ABUSE, WRITTEN_AGREEMENTS),
    state: IssueState = IssueState.SENT,
    started_at: datetime | None = STARTED,
    **columns: Any,
) -> int:
    """An issue sent at `started_at` (or, with None, not started) to the health list; any other
    column can be given (`lists=`, `html=`, ...). Without `html`, the digest of `themes` is
    rendered, and its snapshot stored."""
    values: dict[str, Any] = {
        "campaign_id": campaign_id,
        "number": number,
        "title": title,
        "subject": f"Part {number}: {title}",
        "slug": f"{number:02d}-issue",
        "planned_at": started_at or STARTED,
        "state": state.value,
        "lists": ["health"],
        "exclude_lists": [],
        "sender": SENDER,
        "reply_to": REPLY_TO,
        "started_at": started_at,
        "finished_at": started_at,
    }
    if "html" not in columns:
        values["html"], values["text"], values["digest"] = _rendered(number, title, tuple(themes))
    values.update(columns)
    with _transaction(db) as conn:
        return conn.execute(insert(issues).values(values).returning(issues.c.id)).scalar_one()


def add_issue_for(
    db: Database,
    to: Sequence[str],
    *,
    exclude: Sequence[str] = (),
    number: int = 1,
    campaign: str = CAMPAIGN,
    subject: str = "Part 1 of 6: Optimistic thinking",
    html: str = HTML,
    text: str = TEXT,
    state: IssueState = IssueState.SCHEDULED,
) -> int:
    """An issue for the lists `to` (less `exclude`), due at STARTED, with the small skeleton; the
    campaign is made on first use."""
    with _transaction(db) as conn:
        campaign_id = conn.execute(
            select(campaigns.c.id).where(campaigns.c.name == campaign)
        ).scalar_one_or_none()
        if campaign_id is None:
            campaign_id = add_campaign(conn, campaign, "Learning from serious case reviews")
        return add_issue(
            conn,
            campaign_id,
            number,
            title=f"Issue {number}",
            state=state,
            started_at=None,
            subject=subject,
            slug=f"{number:02d}",
            lists=list(to),
            exclude_lists=list(exclude),
            html=html,
            text=text,
            digest={"version": 1},
        )


# -- the ledger and what readers did --------------------------------------------------------------


def add_delivery(
    db: Database, issue_id: int, recipient_id: int | None, list_id: int, status: str = "sent"
) -> int:
    statement = insert(deliveries).values(
        issue_id=issue_id,
        recipient_id=recipient_id,
        list_id=list_id,
        status=status,
        attempts=1 if status != "queued" else 0,
        message_id=f"<{issue_id}.{recipient_id}@example.org>" if status == "sent" else None,
    )
    with _transaction(db) as conn:
        return conn.execute(statement.returning(deliveries.c.id)).scalar_one()


def add_unsubscribe(
    db: Database,
    address: str,
    list_id: int | None,
    at: datetime,
    created_by: str = "unsubscribe link",
) -> None:
    statement = insert(suppressions).values(
        address=address,
        list_id=list_id,
        reason=SuppressionReason.UNSUBSCRIBED.value,
        created_by=created_by,
        created_at=at,
    )
    with _transaction(db) as conn:
        conn.execute(statement)


def add_acknowledgement(db: Database, delivery_id: int, reflection: str | None = None) -> None:
    with _transaction(db) as conn:
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
    with read(engine) as conn:
        return {
            table.name: sorted(map(tuple, conn.execute(select(table))), key=repr)
            for table in metadata.sorted_tables
        }
