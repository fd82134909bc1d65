"""The people search: any word of a name, address or organisation, every word required; on
SQLite through the FTS5 trigram index, checked by its query plan at 100,000 people."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, text

from briefcast.store import open_database
from briefcast.store.engine import read, write
from briefcast.store.people_search import search, statement
from briefcast.store.schema import lists, recipients


def _people(count: int) -> list[dict[str, object]]:
    agencies = ("Northshire Police", "Northshire Council", "Example Health Trust")
    return [
        {
            "address": f"person{n:06d}@example.org",
            "name": f"Person {n:06d} Example",
            "organisation": agencies[n % 3],
            "attributes": {},
        }
        for n in range(count)
    ]


@pytest.fixture
def crowd(engine):
    with write(engine) as conn:
        conn.execute(insert(recipients), _people(200))
        conn.execute(
            insert(recipients),
            [
                {"address": "ann.lee@example.net", "name": "Ann Lee", "organisation":
                 "Northshire Constabulary", "attributes": {}},
                {"address": "lee.day@example.org", "name": "Cy Day", "organisation": None,
                 "attributes": {}},
            ],
        )  # fmt: skip
        conn.execute(insert(lists).values(slug="police", name="Police"))
        conn.execute(
            text(
                "INSERT INTO memberships (list_id, recipient_id, added_at) "
                "SELECT 1, id, CURRENT_TIMESTAMP FROM recipients WHERE address LIKE 'ann%'"
            )
        )
    return engine


def _find(engine, query):
    with read(engine) as conn:
        return [(found.address, found.lists) for found in search(conn, query)]


def test_a_word_finds_names_addresses_and_organisations_in_any_case(crowd):
    assert _find(crowd, "LEE") == [("ann.lee@example.net", 1), ("lee.day@example.org", 0)]
    assert _find(crowd, "constab") == [("ann.lee@example.net", 1)]
    assert _find(crowd, "lee day") == [("lee.day@example.org", 0)]  # every word
    assert _find(crowd, "000123") == [("person000123@example.org", 0)]


def test_words_too_short_to_look_up_find_nobody(crowd):
    assert _find(crowd, "le") == []
    assert _find(crowd, '"";%_') == []


@pytest.mark.slow
def test_at_100000_people_the_search_reads_the_index(tmp_path):
    # SQLite only: the index is its FTS5 table (PostgreSQL scans with ILIKE)
    engine = open_database(f"sqlite:///{tmp_path / 'search.db'}")
    everyone = _people(100_000)
    with write(engine) as conn:
        for start in range(0, len(everyone), 20_000):
            conn.execute(insert(recipients), everyone[start : start + 20_000])
    assert _find(engine, "person099999") == [("person099999@example.org", 0)]
    assert len(_find(engine, "Northshire Council")) == 50  # the first page of many
    with read(engine) as conn:
        sql = str(
            statement(conn, "person099999", 50).compile(
                dialect=conn.dialect, compile_kwargs={"literal_binds": True}
            )
        )
        plan = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
    engine.dispose()
    # the words are looked up in the FTS index; recipients are then read by id, never scanned
    assert any("recipient_search VIRTUAL TABLE INDEX" in line for line in plan), plan
    assert not any(line.startswith("SCAN recipients") for line in plan), plan
