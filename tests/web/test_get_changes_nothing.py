"""A GET never changes anything: link scanners (Microsoft Safe Links) open every link."""

from __future__ import annotations

import re

from ledger_rows import database_contents
from starlette.testclient import TestClient

from briefcast.delivery.tokens import Purpose
from briefcast.settings import Settings
from briefcast.web import create_app


def test_getting_every_page_leaves_the_database_as_it_was(world):
    before = database_contents(world.engine)
    paths = [
        world.path(p, d)
        for p in (Purpose.UNSUBSCRIBE, Purpose.ACKNOWLEDGE, Purpose.VIEW)
        for d in (world.alice, world.bob, world.erased)
    ]
    view = world.client.get(world.path(Purpose.VIEW, world.alice)).text
    (archive,) = re.findall(r'href="http://testserver(/archive/[^"]+)"', view)
    paths += [archive, f"{archive}/1", "/", "/static/web.css", "/u/bad", "/a/bad"]
    for path in paths:
        for method in ("GET", "HEAD"):
            assert world.client.request(method, path).status_code < 500, path
    assert database_contents(world.engine) == before


def test_a_new_database_gets_its_signing_key_when_the_app_starts_not_on_a_get(
    engine, database_url, tmp_path
):
    settings = Settings(
        database_url=database_url, outbox=tmp_path / "outbox", base_url="http://testserver"
    )
    app = create_app(settings, engine)  # stores the random link key now
    before = database_contents(engine)
    with TestClient(app) as client:
        assert client.get("/u/anything").status_code == 400
    assert database_contents(engine) == before
