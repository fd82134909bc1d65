"""Lists, people and a scheduled issue written straight into a test database, for ledger tests.

Straight inserts rather than CSV imports: the delivery tests need a few hundred people in
milliseconds, and the import has its own tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select

from briefcast.store.schema import (
    IssueState,
    campaigns,
    issues,
    lists,
    memberships,
    recipients,
)

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
SENDER = "Safeguarding Partnership <learning@example.org>"
PLANNED = datetime(2027, 4, 13, 8, 30, tzinfo=UTC)


def add_list(
    engine: Engine, slug: str, name: str | None = None, *, unsubscribe_offered: bool = True
) -> int:
    with engine.begin() as conn:
        return conn.execute(
            insert(lists)
            .values(slug=slug, name=name or slug.title(), unsubscribe_offered=unsubscribe_offered)
            .returning(lists.c.id)
        ).scalar_one()


def add_people(engine: Engine, slug: str, people: Sequence[str | tuple[str, str | None]]) -> None:
    """Put people (addresses, or (address, name)) on a list, creating recipients as needed."""
    with engine.begin() as conn:
        list_id = conn.execute(select(lists.c.id).where(lists.c.slug == slug)).scalar_one()
        for person in people:
            address, name = (person, None) if isinstance(person, str) else person
            found = conn.execute(
                select(recipients.c.id).where(recipients.c.address == address)
            ).scalar_one_or_none()
            if found is None:
                found = conn.execute(
                    insert(recipients)
                    .values(address=address, name=name, attributes={})
                    .returning(recipients.c.id)
                ).scalar_one()
            conn.execute(insert(memberships).values(list_id=list_id, recipient_id=found))


def add_issue(
    engine: Engine,
    to: Sequence[str],
    *,
    exclude: Sequence[str] = (),
    number: int = 1,
    campaign: str = "national-panel-2020",
    subject: str = "Part 1 of 6: Optimistic thinking",
    html: str = HTML,
    text: str = TEXT,
    state: IssueState = IssueState.SCHEDULED,
) -> int:
    with engine.begin() as conn:
        campaign_id = conn.execute(
            select(campaigns.c.id).where(campaigns.c.name == campaign)
        ).scalar_one_or_none()
        if campaign_id is None:
            campaign_id = conn.execute(
                insert(campaigns)
                .values(
                    name=campaign,
                    title="Learning from serious case reviews",
                    source_path="campaign.yaml",
                    approved_by="Alex Example",
                    approved_at=PLANNED,
                    plan={"version": 1},
                )
                .returning(campaigns.c.id)
            ).scalar_one()
        return conn.execute(
            insert(issues)
            .values(
                campaign_id=campaign_id,
                number=number,
                title=f"Issue {number}",
                subject=subject,
                slug=f"{number:02d}",
                planned_at=PLANNED,
                state=state.value,
                lists=list(to),
                exclude_lists=list(exclude),
                sender=SENDER,
                reply_to="Learning Team <learning-team@example.org>",
                html=html,
                text=text,
                digest={"version": 1},
            )
            .returning(issues.c.id)
        ).scalar_one()


def people(count: int, domain: str = "example.org", prefix: str = "person") -> list[str]:
    return [f"{prefix}{n:04d}@{domain}" for n in range(1, count + 1)]
