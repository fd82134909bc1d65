"""The people search: any word of a name, address or organisation, every word required; through
SQLite's FTS5 trigram index and PostgreSQL's GIN trigram index (pg_trgm), each checked by its
query plan at 100,000 people; on PostgreSQL without pg_trgm it still answers, unindexed."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, insert, text

from briefcast.cli import app
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
def test_at_100000_people_the_search_reads_the_index(database_url):
    engine = open_database(database_url)
    everyone = _people(100_000)
    with write(engine) as conn:
        for start in range(0, len(everyone), 20_000):
            conn.execute(insert(recipients), everyone[start : start + 20_000])
    if engine.dialect.name == "postgresql":
        with write(engine) as conn:
            conn.execute(text("ANALYZE recipients"))  # what autovacuum would soon do
    assert _find(engine, "person099999") == [("person099999@example.org", 0)]
    assert len(_find(engine, "Northshire Council")) == 50  # the first page of many
    plan = _plan(engine, "person099999")
    engine.dispose()
    if database_url.startswith("sqlite"):
        # the words are looked up in the FTS index; recipients are then read by id, never scanned
        assert any("recipient_search VIRTUAL TABLE INDEX" in line for line in plan), plan
        assert not any(line.startswith("SCAN recipients") for line in plan), plan
    else:
        assert any("Index Scan on recipient_search_trgm" in line for line in plan), plan
        assert not any("Seq Scan on recipients" in line for line in plan), plan


def _plan(engine, query: str) -> list[str]:
    with read(engine) as conn:
        sql = str(
            statement(conn, query, 50).compile(
                dialect=conn.dialect, compile_kwargs={"literal_binds": True}
            )
        )
        explain = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
        return [row[-1] for row in conn.exec_driver_sql(explain + sql.replace("%", "%%"))]


@pytest.mark.postgres
def test_the_database_owner_gets_the_index_and_a_role_that_cannot_create_it_is_told(
    postgres_cluster, monkeypatch
):
    # pg_trgm is trusted: a database's owner creates it without being a superuser
    postgres_cluster.admin("CREATE ROLE search_owner LOGIN")
    postgres_cluster.admin("CREATE ROLE search_guest LOGIN")
    postgres_cluster.admin("CREATE DATABASE search_owned OWNER search_owner")
    postgres_cluster.admin("CREATE DATABASE search_lent")  # owned by postgres
    lent = postgres_cluster.url("search_lent").replace("postgres@", "search_guest@")
    owned = postgres_cluster.url("search_owned").replace("postgres@", "search_owner@")
    _grant_schema(postgres_cluster.url("search_lent"), "search_guest")
    try:
        for url, indexed in ((owned, True), (lent, False)):
            monkeypatch.setenv("BRIEFCAST_DATABASE_URL", url)
            answer = CliRunner().invoke(app, ["migrate"])
            assert answer.exit_code == 0, answer.output
            notes = [line for line in answer.stderr.splitlines() if line.startswith("note:")]
            if indexed:
                assert notes == []
            else:
                (note,) = notes  # one line, with PostgreSQL's reason
                assert "people search is not indexed" in note
                assert "permission denied to create extension" in note
            engine = open_database(url)
            with write(engine) as conn:
                conn.execute(insert(recipients), _people(300))
            assert _find(engine, "person000124 council") == [("person000124@example.org", 0)]
            with read(engine) as conn:
                names = conn.execute(
                    text("SELECT indexname FROM pg_indexes WHERE tablename = 'recipients'")
                ).scalars()
                assert ("recipient_search_trgm" in set(names)) is indexed
            engine.dispose()
    finally:
        for database in ("search_owned", "search_lent"):
            postgres_cluster.admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        postgres_cluster.admin("DROP ROLE IF EXISTS search_owner")
        postgres_cluster.admin("DROP ROLE IF EXISTS search_guest")


def _grant_schema(url: str, role: str) -> None:
    """A role that may make tables but not extensions (no CREATE on the database)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"GRANT ALL ON SCHEMA public TO {role}"))
    engine.dispose()
