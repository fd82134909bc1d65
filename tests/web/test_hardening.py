"""What an attacker or a careless client gets: plain pages, never the framework's words or a 500.

RFC 8058 one-click needs its exact body; an issue number too big for the database is a 404; the
archive shows only issues something was sent of; the real server (uvicorn) names no software.
"""

from __future__ import annotations

import http.client

import pytest
from ledger_rows import add_delivery, add_issue, add_person
from sqlalchemy import select

from briefcast.delivery.tokens import Purpose
from briefcast.store.schema import IssueState, suppressions
from briefcast.web import BackgroundServer, create_app


def archive_path(world) -> str:
    return f"/archive/{world.signer.make(Purpose.ARCHIVE, world.campaign_id)}"


def test_an_issue_number_too_big_for_the_database_is_a_404(world):
    for number in ("99999999999999999999999", str(2**31), str(2**63)):
        response = world.client.get(f"{archive_path(world)}/{number}")
        assert response.status_code == 404, number
        assert "<h1>Page not found</h1>" in response.text


@pytest.mark.parametrize(
    "body",
    [
        {},  # no body: a scanner or a careless script, not a mail provider's one-click
        {"data": {"List-Unsubscribe": "one-click"}},
        {"data": {"List-Unsubscribe": "Yes"}},
        {"data": {"anything": "else"}},
        {"content": b"List-Unsubscribe=One-Click", "headers": {"content-type": "text/plain"}},
    ],
    ids=["empty", "lower case", "other value", "other field", "not a form"],
)
def test_one_click_needs_exactly_its_body_anything_else_is_400(world, body):
    response = world.client.post(world.path(Purpose.UNSUBSCRIBE, world.alice), **body)
    assert response.status_code == 400
    assert "This form was not understood" in response.text
    with world.engine.connect() as conn:
        assert conn.execute(select(suppressions)).all() == []


def test_too_many_fields_gets_our_page_not_the_frameworks_words(world):
    fields = {f"field{i}": "x" for i in range(20)}
    response = world.client.post(world.path(Purpose.ACKNOWLEDGE, world.alice), data=fields)
    assert response.status_code == 400
    assert "<h1>This request was not understood</h1>" in response.text
    assert "Too many fields" not in response.text and "Maximum" not in response.text


def test_an_issue_paused_before_anything_was_sent_is_not_in_the_archive(world):
    with world.engine.begin() as conn:
        paused = add_issue(conn, world.campaign_id, 3, title="Never went", state=IssueState.PAUSED)
        carol = add_person(conn, "carol@example.org", "Carol Example")
        add_delivery(conn, paused, carol, world.health_list, status="queued")
        partly = add_issue(conn, world.campaign_id, 4, title="Partly went", state=IssueState.PAUSED)
        add_delivery(conn, partly, carol, world.health_list, status="sent")
    listing = world.client.get(archive_path(world)).text
    assert "Never went" not in listing and "Partly went" in listing
    assert world.client.get(f"{archive_path(world)}/3").status_code == 404
    assert world.client.get(f"{archive_path(world)}/4").status_code == 200


def test_the_real_server_sends_no_server_header(world):
    with BackgroundServer(create_app(world.settings, world.engine)) as server:
        host, port = server.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("GET", f"{archive_path(world)}/99999999999999999999999")
        response = connection.getresponse()
        body = response.read().decode()
        connection.close()
    assert response.status == 404 and "Page not found" in body
    assert response.getheader("server") is None
    assert "uvicorn" not in str(response.getheaders()).lower()
