"""The audience of a send: who is reached through which list, each once, none suppressed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine

from briefcast.recipients.lists import get_list
from briefcast.store.audience import audience_page
from briefcast.store.engine import read


@dataclass(frozen=True)
class AudienceMember:
    recipient_id: int
    address: str
    name: str | None
    organisation: str | None
    role: str | None
    list_slug: str  # the first of the requested lists through which they are reached


def audience(
    engine: Engine,
    lists: Sequence[str],
    exclude: Sequence[str] = (),
    batch_size: int = 1000,
) -> Iterator[list[AudienceMember]]:
    """Batches of the people on any of `lists` and on none of `exclude`, each person once, by id.

    Suppressions count per list: someone unsubscribed from one list is still reached through
    another they are on. Each batch is read in its own short transaction, so a send that takes
    hours never holds one read open (on SQLite that would stop the WAL being checkpointed), and
    memory stays at one batch however large the audience.
    """
    with read(engine) as conn:
        wanted = [(get_list(conn, slug).id, slug) for slug in dict.fromkeys(lists)]
        unwanted = [get_list(conn, slug).id for slug in exclude]
    after = 0
    while True:
        with read(engine) as conn:
            rows = audience_page(conn, wanted, unwanted, after, batch_size)
        if not rows:
            return
        yield [AudienceMember(*row) for row in rows]
        after = rows[-1][0]
