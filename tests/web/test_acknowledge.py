"""Acknowledge: the page shows the issue and a confirm button; one POST records it, once."""

from __future__ import annotations

from ledger_rows import database_contents
from sqlalchemy import select

from briefcast.delivery.tokens import Purpose
from briefcast.store.schema import acknowledgements
from briefcast.web.links import clean_reflection


def recorded(world):
    query = select(
        acknowledgements.c.delivery_id,
        acknowledgements.c.recipient_id,
        acknowledgements.c.list_id,
        acknowledgements.c.reflection,
    )
    with world.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def test_the_page_shows_the_issue_and_a_labelled_optional_field(world):
    page = world.client.get(world.path(Purpose.ACKNOWLEDGE, world.alice))
    assert page.status_code == 200
    assert "<h1>Confirm you have read “Domestic abuse and written agreements”</h1>" in page.text
    assert '<label for="reflection">' in page.text
    assert '<input type="text" id="reflection" name="reflection" maxlength="500"' in page.text
    assert '<button type="submit">I’ve read this</button>' in page.text
    assert recorded(world) == []


def test_confirming_records_one_acknowledgement_with_the_reflection(world):
    response = world.client.post(
        world.path(Purpose.ACKNOWLEDGE, world.alice),
        data={"reflection": "Ask about home\r\nlife directly.\x07"},
    )
    assert response.status_code == 200
    assert "<h1>Thank you</h1>" in response.text
    with world.engine.connect() as conn:
        alice = conn.execute(
            select(acknowledgements.c.recipient_id).where(
                acknowledgements.c.delivery_id == world.alice
            )
        ).scalar_one()
    assert recorded(world) == [
        (world.alice, alice, world.health_list, "Ask about home life directly.")
    ]


def test_a_second_confirmation_is_already_recorded_and_changes_nothing(world):
    path = world.path(Purpose.ACKNOWLEDGE, world.alice)
    world.client.post(path, data={"reflection": "first"})
    before = database_contents(world.engine)
    again = world.client.post(path, data={"reflection": "second"})
    assert again.status_code == 200
    assert "<h1>Already recorded</h1>" in again.text
    assert database_contents(world.engine) == before
    page = world.client.get(path)
    # Headed as done, not asking again.
    assert (
        "<h1>You have confirmed reading “Domestic abuse and written agreements”</h1>" in page.text
    )
    assert "Confirm you have read" not in page.text
    assert "You confirmed reading this issue on" in page.text
    assert "<form" not in page.text


def test_confirming_without_a_reflection(world):
    world.client.post(world.path(Purpose.ACKNOWLEDGE, world.bob))
    assert [row[3] for row in recorded(world)] == [None]


def test_a_confirmation_from_another_site_is_refused(world):
    response = world.client.post(
        world.path(Purpose.ACKNOWLEDGE, world.alice), headers={"Origin": "null"}
    )
    assert response.status_code == 403
    assert recorded(world) == []


def test_reflections_are_one_line_of_limited_length():
    assert clean_reflection(None) is None
    assert clean_reflection(" \t\n ") is None
    assert clean_reflection("a\u2028b\x00c\x1b[31m") == "a b c [31m"
    assert clean_reflection("x" * 600) == "x" * 500
    assert clean_reflection("Cafe\u0301") == "Café"  # NFC: one code point, as typed elsewhere


def test_erasing_the_person_keeps_the_acknowledgement_but_not_the_reflection(world):
    from briefcast.recipients.subject_requests import forget

    world.client.post(world.path(Purpose.ACKNOWLEDGE, world.alice), data={"reflection": "Mine"})
    forget(world.engine, "alice@example.org", secret_key=world.settings.secret_key)
    assert recorded(world) == [(world.alice, None, world.health_list, None)]
    # Her link now leads nowhere in particular.
    page = world.client.get(world.path(Purpose.ACKNOWLEDGE, world.alice))
    assert page.status_code == 404 and "Domestic" not in page.text


def test_bidirectional_controls_are_removed_from_a_reflection(world):
    # U+202E would show "exe.txt" as "txt.exe"; U+2066..U+2069, U+200E/F and U+061C reorder too.
    typed = "Read\u202e it\u2066 all\u2069 \u200etwice\u200f\u061c\u202a.\u202c\u202b\u202d"
    response = world.client.post(
        world.path(Purpose.ACKNOWLEDGE, world.alice), data={"reflection": typed}
    )
    assert response.status_code == 200
    assert [row[3] for row in recorded(world)] == ["Read it all twice."]
