"""People on the lists, addressed by id (the console never puts an address in a URL): the
search, one person's record, and what the person page does with it. The rules stay where they
are: suppression.py suppresses, subject_requests.py exports and forgets; this module finds the
address for an id and hands over."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from briefcast.errors import BriefcastError
from briefcast.recipients.subject_requests import ErasureReport, export_person, forget
from briefcast.recipients.suppression import Audit, suppress, unsuppress
from briefcast.store import people as store
from briefcast.store.audit import Actor
from briefcast.store.engine import read
from briefcast.store.people_search import SHORTEST, Found, search, search_words


class NoSuchPerson(BriefcastError):
    pass


@dataclass(frozen=True)
class ErasurePreview:
    """What an erasure of this person deletes and what it keeps, named before anyone confirms."""

    name: str | None
    address: str
    organisation: str | None
    lists: tuple[str, ...]  # the lists' names: their memberships are deleted
    suppressions: int  # deleted (one suppression holding only a salted hash is kept)
    sent: int  # messages sent: kept, anonymous, so the report's counts stay true
    acknowledgements: int  # kept, anonymous, their reflections deleted
    # lists uploaded in the console, not imported yet, whose file holds the address: deleted
    pending_uploads: tuple[str, ...] = ()


def find_people(engine: Engine, query: str, limit: int = 50) -> list[Found]:
    """People whose name, address or organisation contain every word of `query`."""
    if not search_words(query):
        raise BriefcastError(f"type at least {SHORTEST} letters of a name, address or organisation")
    with read(engine) as conn:
        return search(conn, query, limit)


def address_for(engine: Engine, recipient_id: int) -> str:
    with read(engine) as conn:
        address = store.address_of(conn, recipient_id)
    if address is None:
        raise NoSuchPerson(f"there is nobody with the id {recipient_id} on the lists")
    return address


def person(engine: Engine, recipient_id: int, secret_key: str | None) -> dict[str, Any]:
    """Everything held about the person (the subject access export's data), for their page."""
    return export_person(engine, address_for(engine, recipient_id), secret_key)


def export(
    engine: Engine, recipient_id: int, secret_key: str | None, actor: Actor, why: str
) -> dict[str, Any]:
    """The subject access export, logged in the audit trail with who and why."""
    if not why.strip():
        raise BriefcastError("say why the export is needed (for example: subject access request)")
    address = address_for(engine, recipient_id)
    return export_person(
        engine, address, secret_key, exported_by=actor, why=why.strip(), recipient_id=recipient_id
    )


def suppress_person(
    engine: Engine, recipient_id: int, reason: str, list_slug: str | None, actor: Actor, why: str
) -> bool:
    """Suppress them (all lists or one); False when that suppression existed already."""
    audit = Audit(actor, recipient_id, why.strip())
    address = address_for(engine, recipient_id)
    return suppress(engine, address, reason, list_slug, actor.name, audit)[1]


def unsuppress_person(
    engine: Engine, recipient_id: int, list_slug: str | None, actor: Actor, why: str
) -> None:
    if not why.strip():
        raise BriefcastError("say why the suppression is lifted")
    address = address_for(engine, recipient_id)
    unsuppress(engine, address, list_slug, Audit(actor, recipient_id, why.strip()))


def erasure_preview(engine: Engine, recipient_id: int, secret_key: str | None) -> ErasurePreview:
    held = person(engine, recipient_id, secret_key)
    recipient = held["recipient"] or {}
    return ErasurePreview(
        name=recipient.get("name"),
        address=held["address"],
        organisation=recipient.get("organisation"),
        lists=tuple(m["list_name"] for m in held["memberships"]),
        suppressions=len(held["suppressions"]),
        sent=len(held["sent"]),
        acknowledgements=len(held["acknowledgements"]),
        pending_uploads=tuple(u["file_name"] for u in held["pending_uploads"]),
    )


def erase(engine: Engine, recipient_id: int, secret_key: str | None, actor: Actor) -> ErasureReport:
    """`recipients forget` for the person with this id."""
    return forget(engine, address_for(engine, recipient_id), secret_key, actor.name)
