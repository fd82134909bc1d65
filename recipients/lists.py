"""Distribution lists: creating, showing, exporting them and removing a member by hand."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy import Connection, Engine

from briefcast.errors import BriefcastError
from briefcast.recipients.addresses import InvalidAddress, normalise_address
from briefcast.safe_output import csv_writer
from briefcast.store import lists as store
from briefcast.store.engine import read, write
from briefcast.store.lists import LastImport, ListCounts, ListRecord, Member

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
EXPORT_HEADER = ("email", "name", "organisation", "role")  # what `lists import` reads back


class ListError(BriefcastError):
    pass


@dataclass(frozen=True)
class ListOverview:
    list: ListRecord
    counts: ListCounts
    last_import: LastImport | None = None  # when, by whom, which file


@dataclass(frozen=True)
class ListDetail:
    list: ListRecord
    counts: ListCounts
    members: tuple[Member, ...]  # the first `limit`, by address


def check_slug(slug: str) -> str:
    if not SLUG.fullmatch(slug) or len(slug) > 64:
        raise ListError(
            f"{slug!r} is not a list slug: use lower-case letters, digits and hyphens, "
            "like 'children-social-care'"
        )
    return slug


def name_from_slug(slug: str) -> str:
    """'children-social-care' -> 'Children social care', for lists an import creates."""
    return slug.replace("-", " ").capitalize()


def create_list(
    engine: Engine,
    slug: str,
    name: str | None = None,
    description: str = "",
    unsubscribe_offered: bool = True,
) -> ListRecord:
    check_slug(slug)
    with write(engine) as conn:
        if store.find_list(conn, slug):
            raise ListError(f"a list called {slug!r} exists already (see: briefcast lists show)")
        return store.create_list(
            conn, slug, name or name_from_slug(slug), description, unsubscribe_offered
        )


def ensure_list(conn: Connection, slug: str) -> tuple[ListRecord, bool]:
    """The list (created, named after its slug, if missing) and whether it was just created."""
    found = store.find_list(conn, check_slug(slug))
    if found:
        return found, False
    return store.create_list(conn, slug, name_from_slug(slug), "", True), True


def get_list(conn: Connection, slug: str) -> ListRecord:
    found = store.find_list(conn, slug)
    if found is None:
        raise ListError(f"no list called {slug!r} (see: briefcast lists ls)")
    return found


def list_overview(engine: Engine) -> list[ListOverview]:
    with read(engine) as conn:
        imports = store.last_imports(conn)
        return [
            ListOverview(item, store.count_members(conn, item.id), imports.get(item.id))
            for item in store.all_lists(conn)
        ]


def show_list(engine: Engine, slug: str, limit: int | None = 20) -> ListDetail:
    with read(engine) as conn:
        found = get_list(conn, slug)
        members = tuple(store.members(conn, found.id, limit))
        return ListDetail(found, store.count_members(conn, found.id), members)


def export_members(engine: Engine, slug: str, out: TextIO) -> int:
    """Write the list as CSV (a file `lists import` reads back unchanged); returns the row count."""
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(EXPORT_HEADER)
    count = 0
    with read(engine) as conn:
        for count, member in enumerate(store.members(conn, get_list(conn, slug).id), start=1):  # noqa: B007
            writer.writerow((member.address, member.name, member.organisation, member.role))
    return count


def remove_member(engine: Engine, slug: str, address: str) -> str:
    """Take one address off one list (not off any other); returns the normalised address."""
    try:
        normalised = normalise_address(address)
    except InvalidAddress as error:
        raise ListError(f"{address!r} is not an email address: {error}") from None
    with write(engine) as conn:
        if not store.remove_member(conn, get_list(conn, slug).id, normalised):
            raise ListError(f"{normalised} is not a member of {slug!r}")
    return normalised
