"""Unsubscribe: the page (GET) changes nothing; its buttons and the RFC 8058 one-click POST do."""

from __future__ import annotations

import pytest
from ledger_rows import STARTED, add_list, add_member, add_unsubscribe, database_contents
from sqlalchemy import select

from briefcast.delivery.tokens import Purpose
from briefcast.store.schema import lists, recipients
from briefcast.store.suppressions import suppressions_of

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def scopes(world, address="alice@example.org"):
    with world.engine.connect() as conn:
        return [(s.list_slug, s.reason.value, s.created_by) for s in suppressions_of(conn, address)]


def test_the_page_names_the_list_and_offers_two_buttons(world):
    page = world.client.get(world.path(Purpose.UNSUBSCRIBE, world.alice))
    assert page.status_code == 200
    assert "<h1>Unsubscribe from Health?</h1>" in page.text
    assert 'name="scope" value="list">Unsubscribe from Health</button>' in page.text
    assert 'name="scope" value="all" class="secondary">Unsubscribe from all lists' in page.text
    assert "alice@example.org" not in page.text  # no address on any page
    assert scopes(world) == []


def test_the_list_button_unsubscribes_from_that_list(world):
    response = world.client.post(
        world.path(Purpose.UNSUBSCRIBE, world.alice), data={"scope": "list"}
    )
    assert response.status_code == 200
    assert "no more emails from the <strong>Health</strong> list" in response.text
    assert scopes(world) == [("health", "unsubscribed", "unsubscribe link")]


def test_the_all_lists_button_leaves_the_only_list_there_is(world):
    response = world.client.post(
        world.path(Purpose.UNSUBSCRIBE, world.alice), data={"scope": "all"}
    )
    assert response.status_code == 200
    assert "no more emails from the <strong>Health</strong> list." in response.text
    assert "still receive" not in response.text
    assert scopes(world) == [("health", "unsubscribed", "unsubscribe link")]


@pytest.fixture
def alice_on_more_lists(world):
    """Alice also on Education (offers unsubscribing) and Police (her role: it does not)."""
    with world.engine.begin() as conn:
        education = add_list(conn, "education", "Education")
        police = conn.execute(select(lists.c.id).where(lists.c.slug == "police")).scalar_one()
        alice = conn.execute(
            select(recipients.c.id).where(recipients.c.address == "alice@example.org")
        ).scalar_one()
        for list_id in (world.health_list, education, police):
            add_member(conn, list_id, alice)
    return world


def test_the_page_names_the_other_lists_and_the_role_lists(alice_on_more_lists):
    world = alice_on_more_lists
    page = world.client.get(world.path(Purpose.UNSUBSCRIBE, world.alice)).text
    assert "You are also on the <strong>Education</strong> list." in page
    assert "still receive emails from the <strong>Police (statutory)</strong> list" in page
    assert '<a href="mailto:learning-team@example.org">Learning Team</a>' in page
    assert scopes(world) == []


def test_all_lists_leaves_each_list_that_offers_it_and_names_the_role_lists(alice_on_more_lists):
    world = alice_on_more_lists
    response = world.client.post(
        world.path(Purpose.UNSUBSCRIBE, world.alice), data={"scope": "all"}
    )
    assert response.status_code == 200
    assert (
        "no more emails from the <strong>Education</strong> and <strong>Health</strong> lists."
        in response.text
    )
    assert (
        "You will still receive emails from the <strong>Police (statutory)</strong> list: "
        "it is part of your role" in response.text
    )
    assert 'contact\n<a href="mailto:learning-team@example.org">Learning Team</a>' in response.text
    # One suppression per list she could leave; none for every list, none for Police.
    assert sorted(scopes(world)) == [
        ("education", "unsubscribed", "unsubscribe link"),
        ("health", "unsubscribed", "unsubscribe link"),
    ]
    again = world.client.get(world.path(Purpose.UNSUBSCRIBE, world.alice)).text
    assert (
        "from every list of Example Safeguarding Children Partnership that you can leave" in again
    )
    assert "<button" not in again
    assert "still receive emails from the <strong>Police (statutory)</strong> list" in again


def test_all_lists_after_one_list_leaves_only_the_rest(alice_on_more_lists):
    world = alice_on_more_lists
    path = world.path(Purpose.UNSUBSCRIBE, world.alice)
    world.client.post(path, data=ONE_CLICK)
    page = world.client.get(path).text
    assert "<h1>You are already unsubscribed</h1>" in page
    assert "You are still on the <strong>Education</strong> list." in page
    assert 'value="all"' in page and 'value="list"' not in page
    response = world.client.post(path, data={"scope": "all"})
    assert "no more emails from the <strong>Education</strong> list." in response.text
    assert sorted(scopes(world)) == [
        ("education", "unsubscribed", "unsubscribe link"),
        ("health", "unsubscribed", "unsubscribe link"),
    ]
    repeated = world.client.post(path, data={"scope": "all"})
    assert "already unsubscribed from every list you can leave: nothing has changed" in (
        repeated.text
    )
    assert len(scopes(world)) == 2


def test_the_one_click_post_leaves_only_the_list_of_the_link(alice_on_more_lists):
    world = alice_on_more_lists
    world.client.post(world.path(Purpose.UNSUBSCRIBE, world.alice), data=ONE_CLICK)
    assert scopes(world) == [("health", "unsubscribed", "unsubscribe link")]


@pytest.mark.parametrize(
    "body",
    [
        {"data": ONE_CLICK},  # application/x-www-form-urlencoded, as most providers send it
        {"files": {"List-Unsubscribe": (None, "One-Click")}},  # multipart, RFC 8058's example
    ],
    ids=["urlencoded", "multipart"],
)
def test_one_click_post_unsubscribes_from_the_list_without_a_page(world, body):
    response = world.client.post(world.path(Purpose.UNSUBSCRIBE, world.alice), **body)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "Unsubscribed.\n"
    assert scopes(world) == [("health", "unsubscribed", "unsubscribe link")]


def test_unsubscribing_twice_changes_nothing_the_second_time(world):
    path = world.path(Purpose.UNSUBSCRIBE, world.alice)
    world.client.post(path, data=ONE_CLICK)
    before = database_contents(world.engine)
    again = world.client.post(path, data={"scope": "list"})
    assert (
        "already unsubscribed from the <strong>Health</strong> list: nothing has changed"
        in again.text
    )
    assert world.client.post(path, data=ONE_CLICK).text == "Unsubscribed.\n"
    assert database_contents(world.engine) == before


def test_after_all_lists_a_list_unsubscribe_adds_nothing(world):
    path = world.path(Purpose.UNSUBSCRIBE, world.alice)
    world.client.post(path, data={"scope": "all"})
    world.client.post(path, data={"scope": "list"})
    assert scopes(world) == [("health", "unsubscribed", "unsubscribe link")]
    page = world.client.get(path)
    assert "already unsubscribed from every list" in page.text
    assert "<button" not in page.text


def test_a_suppression_of_every_list_made_by_an_admin_still_counts(world):
    with world.engine.begin() as conn:
        add_unsubscribe(conn, "alice@example.org", None, STARTED, created_by="admin")
    path = world.path(Purpose.UNSUBSCRIBE, world.alice)
    assert "already unsubscribed from every list" in world.client.get(path).text
    assert "nothing has changed" in world.client.post(path, data={"scope": "all"}).text
    assert scopes(world) == [(None, "unsubscribed", "admin")]


def test_a_statutory_list_says_who_to_contact_and_has_no_button(world):
    path = world.path(Purpose.UNSUBSCRIBE, world.bob)
    page = world.client.get(path)
    assert page.status_code == 200
    assert "<h1>Police (statutory) has no unsubscribe link</h1>" in page.text
    assert '<a href="mailto:learning-team@example.org">Learning Team</a>' in page.text
    assert "<button" not in page.text
    for body in (ONE_CLICK, {"scope": "list"}, {"scope": "all"}):
        assert world.client.post(path, data=body).status_code == 403
    assert scopes(world, "bob@example.net") == []


def test_a_form_from_another_site_is_refused(world):
    path = world.path(Purpose.UNSUBSCRIBE, world.alice)
    elsewhere = world.client.post(
        path, data={"scope": "all"}, headers={"Origin": "https://attacker.example.net"}
    )
    fetched = world.client.post(
        path, data={"scope": "all"}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert elsewhere.status_code == fetched.status_code == 403
    assert scopes(world) == []
    # Our own page's form (same origin) works.
    own = world.client.post(path, data={"scope": "all"}, headers={"Origin": "http://testserver"})
    assert own.status_code == 200


def test_an_unknown_form_is_a_plain_400(world):
    response = world.client.post(world.path(Purpose.UNSUBSCRIBE, world.alice), data={"scope": "x"})
    assert response.status_code == 400
    assert scopes(world) == []


def test_an_oversized_body_is_refused(world):
    response = world.client.post(
        world.path(Purpose.UNSUBSCRIBE, world.alice), data={"scope": "list", "x": "y" * 20_000}
    )
    assert response.status_code == 413
    assert scopes(world) == []
