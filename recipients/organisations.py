"""Organisations as the lists name them, and merging the names of one agency for the report.

"Northshire Police" and "Northshire Constabulary" are one force: merged, the report counts both
under the name a person chose. The rule for the reported name is store/organisations.reported.
"""

from __future__ import annotations

from sqlalchemy import Engine

from briefcast.errors import BriefcastError
from briefcast.recipients.addresses import one_line
from briefcast.recipients.csv_source import MAX_FIELD_LENGTH
from briefcast.store import organisations as store
from briefcast.store.audit import Actor, record
from briefcast.store.engine import read, write
from briefcast.store.organisations import Organisation


class OrganisationError(BriefcastError):
    pass


def organisations(engine: Engine) -> list[Organisation]:
    """Every organisation named on a list, with its people and the name the report uses."""
    with read(engine) as conn:
        return store.organisations(conn)


def merge(engine: Engine, names: list[str], into: str, actor: Actor) -> str:
    """Report every one of `names` as `into` (itself perhaps one of them); returns `into`.
    Names already merged into one of `names` follow, so no merge points at a merged name."""
    into = one_line(into)
    if not into:
        raise OrganisationError("give the name the report should use")
    if len(into) > MAX_FIELD_LENGTH:
        raise OrganisationError(f"the name is longer than {MAX_FIELD_LENGTH} characters")
    if len(set(names) | {into}) < 2:
        raise OrganisationError("choose at least two organisations to merge")
    with write(engine) as conn:
        followers = [alias for name in names for alias in store.aliases_to(conn, name)]
        for name in {*names, *followers}:
            store.set_alias(conn, name, into, actor.name)
        store.remove_alias(conn, into)  # the name reported is nobody's alias
        record(conn, actor, "organisation.merged", subject=into, details={"names": sorted(names)})
    return into


def unmerge(engine: Engine, name: str, actor: Actor) -> None:
    """Report `name` as itself again."""
    with write(engine) as conn:
        if not store.remove_alias(conn, name):
            raise OrganisationError(f"{name!r} is not merged into another organisation")
        record(conn, actor, "organisation.unmerged", subject=name)
