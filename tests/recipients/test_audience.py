"""The audience of a send: each person once, suppressions per list, streamed by keyset pages."""

import tracemalloc

import pytest
from sqlalchemy import event, insert, literal, select

from briefcast.recipients import AudienceMember, audience, create_list, import_list, suppress
from briefcast.store.lists import find_list
from briefcast.store.schema import memberships, recipients


def everyone(engine, *args, **kwargs) -> list[AudienceMember]:
    return [member for batch in audience(engine, *args, **kwargs) for member in batch]


@pytest.fixture
def three_lists(engine, write_csv):
    police = write_csv("Email,Name\na@example.org,A\nb@example.org,B\n", "p.csv")
    import_list(engine, police, "police")
    import_list(engine, write_csv("Email\nb@example.org\nc@example.org\n", "h.csv"), "health")
    import_list(engine, write_csv("Email\nc@example.org\nd@example.net\n", "e.csv"), "education")
    return engine


def test_each_person_once_reached_through_the_first_list(three_lists):
    reached = everyone(three_lists, ["police", "health"])
    assert [(m.address, m.list_slug) for m in reached] == [
        ("a@example.org", "police"), ("b@example.org", "police"), ("c@example.org", "health"),
    ]  # fmt: skip
    first = AudienceMember(reached[0].recipient_id, "a@example.org", "A", None, None, "police")
    assert reached[0] == first
    reversed_order = everyone(three_lists, ["health", "police"])
    assert [m.list_slug for m in reversed_order] == ["police", "health", "health"]


def test_exclude_lists(three_lists):
    reached = everyone(three_lists, ["police", "health"], exclude=["education"])
    assert [m.address for m in reached] == ["a@example.org", "b@example.org"]


def test_suppressions_everywhere_and_per_list(three_lists):
    suppress(three_lists, "a@example.org", "bounced")
    suppress(three_lists, "b@example.org", "unsubscribed", list_slug="police")
    reached = everyone(three_lists, ["police", "health"])
    # b unsubscribed from police only: still reached through health, where they are a member.
    assert [(m.address, m.list_slug) for m in reached] == [
        ("b@example.org", "health"), ("c@example.org", "health"),
    ]  # fmt: skip
    suppress(three_lists, "c@example.org", "unsubscribed", list_slug="education")
    assert [m.address for m in everyone(three_lists, ["education"])] == ["d@example.net"]


def test_unknown_list_is_an_error(three_lists):
    with pytest.raises(Exception, match="no list called 'nope'"):
        everyone(three_lists, ["nope"])


@pytest.mark.slow
def test_streams_in_keyset_pages_with_flat_memory(engine):
    people = 20_000
    create_list(engine, "big")
    with engine.begin() as conn:
        list_id = find_list(conn, "big").id
        rows = [{"address": f"p{i:06}@example.org", "name": f"P {i}"} for i in range(people)]
        conn.execute(insert(recipients), rows)
        conn.execute(
            insert(memberships).from_select(
                ["list_id", "recipient_id"],
                select(literal(list_id), recipients.c.id),
            )
        )
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    tracemalloc.start()
    total, last_id, peak_batch = 0, 0, 0
    for batch in audience(engine, ["big"], batch_size=500):
        assert batch[0].recipient_id > last_id  # ordered by id, no repeats
        last_id = batch[-1].recipient_id
        total += len(batch)
        peak_batch = max(peak_batch, len(batch))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert (total, peak_batch) == (people, 500)
    # Keyset pagination: every page asks for ids above the last one seen (no OFFSET to skip).
    pages = [s for s in statements if "recipients.id >" in s]
    assert len(pages) == people // 500 + 1
    assert peak < 3_000_000, f"peak {peak} bytes: the audience is not streamed"
