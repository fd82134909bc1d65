"""The demo's staff side: three fictional people (an author, an approver, an admin) and a
one-time set-up link for each, printed at the end while the console is served beside the link
pages. A second run keeps the people: anyone not yet set up gets a fresh link, anyone set up is
told to sign in."""

from __future__ import annotations

from dataclasses import dataclass

import click
from sqlalchemy import Engine

from briefcast.settings import Settings
from briefcast.store.audit import Actor

DEMO = Actor.process("briefcast demo")
# Fictional people on the reserved example.org domain, one per role.
PEOPLE = (
    ("alex.author@example.org", "Alex Author", "author"),
    ("sam.approver@example.org", "Sam Approver", "approver"),
    ("robin.admin@example.org", "Robin Admin", "admin"),
)


@dataclass(frozen=True)
class DemoPerson:
    role: str
    name: str
    email: str
    setup_link: str | None  # None: already set up on an earlier run


def demo_people(engine: Engine, settings: Settings) -> list[DemoPerson]:
    from briefcast.console import accounts

    known = {person.email: person for person in accounts.people(engine)}
    made = []
    for email, name, role in PEOPLE:
        existing = known.get(email)
        if existing is None:
            link = accounts.add_person(engine, settings, email, name, [role], DEMO).setup_link
        elif existing.set_up:
            link = None
        else:
            link = accounts.reset_person(engine, settings, email, DEMO)
        made.append(DemoPerson(role, name, email, link))
    return made


def print_people(people: list[DemoPerson], console_url: str, served: bool) -> None:
    """The summary's lines about the console (click: long links stay whole)."""
    click.echo(
        f"Staff console ({'served' if served else 'not served'} at {console_url}); "
        "one-time set-up links, valid 24 hours:"
    )
    for person in people:
        where = person.setup_link or f"already set up: sign in at {console_url}/sign-in"
        click.echo(f"  {person.role} {person.name} <{person.email}>: {where}")
