"""Bad links: tampered, truncated, foreign or expired tokens, and erased people, reveal nothing."""

from __future__ import annotations

import time

import pytest

from briefcast.delivery.tokens import Purpose, Signer
from briefcast.web.links import ACKNOWLEDGE_MAX_AGE

PREFIXES = {Purpose.UNSUBSCRIBE: "u", Purpose.ACKNOWLEDGE: "a", Purpose.VIEW: "v"}


def bad_tokens(world, purpose):
    token = world.token(purpose, world.alice)
    other = Purpose.VIEW if purpose is not Purpose.VIEW else Purpose.ACKNOWLEDGE
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    return {
        "tampered": flipped,
        "truncated": token[: len(token) // 2],
        "foreign purpose": world.token(other, world.alice),
        "foreign key": Signer("another key").make(purpose, world.alice),
        "not a token": "hello",
    }


@pytest.mark.parametrize("purpose", list(PREFIXES), ids=lambda p: p.value)
def test_a_bad_token_gets_a_plain_400_that_reveals_nothing(world, purpose):
    pages = set()
    for kind, token in bad_tokens(world, purpose).items():
        for method in ("GET", "POST") if purpose is not Purpose.VIEW else ("GET",):
            response = world.client.request(method, f"/{PREFIXES[purpose]}/{token}")
            assert response.status_code == 400, (kind, method)
            assert "<h1>This link does not work</h1>" in response.text
            for secret in (token, "Traceback", "alice", "Health", "signature", "Domestic"):
                assert secret not in response.text, (kind, secret)
            pages.add(response.text)
    assert len(pages) == 1  # every kind of bad token gets the very same page


def test_an_expired_acknowledge_link_says_so(world, monkeypatch):
    made = time.time() - ACKNOWLEDGE_MAX_AGE.total_seconds() - 60
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: made)
    token = world.token(Purpose.ACKNOWLEDGE, world.alice)
    unsubscribe = world.token(Purpose.UNSUBSCRIBE, world.alice)
    monkeypatch.undo()
    for method in ("GET", "POST"):
        response = world.client.request(method, f"/a/{token}")
        assert response.status_code == 410
        assert "<h1>This link has expired</h1>" in response.text
    # An unsubscribe link never expires.
    assert world.client.get(f"/u/{unsubscribe}").status_code == 200


@pytest.mark.parametrize("purpose", list(PREFIXES), ids=lambda p: p.value)
def test_the_link_of_an_erased_person_shows_a_neutral_page(world, purpose):
    path = world.path(purpose, world.erased)
    for method in ("GET", "POST") if purpose is not Purpose.VIEW else ("GET",):
        response = world.client.request(method, path)
        assert response.status_code == 404
        assert "<h1>This link is no longer active</h1>" in response.text
        assert "Health" not in response.text and "Domestic" not in response.text


def test_unknown_paths_and_methods_get_plain_pages(world):
    assert world.client.get("/nowhere").status_code == 404
    assert world.client.post(world.path(Purpose.VIEW, world.alice)).status_code == 405
    assert "<h1>Not available</h1>" in world.client.put("/u/x").text
