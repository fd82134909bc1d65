"""The web app's routes are made from briefcast/links.py's prefixes, as the emails' links are."""

from __future__ import annotations

import re

from starlette.routing import Route
from starlette.testclient import TestClient

from briefcast import links
from briefcast.links import Purpose
from briefcast.web import create_app

BASE_URL = "http://testserver"


def test_every_purpose_has_its_route(world):
    paths = {route.path for route in world.client.app.routes if isinstance(route, Route)}
    for purpose in Purpose:
        assert links.route(purpose) in paths, purpose
    assert links.archive_issue_route() in paths


def test_changing_a_prefix_moves_the_page_and_the_link_alike(world, monkeypatch):
    monkeypatch.setitem(links.PREFIXES, Purpose.VIEW, "view")
    monkeypatch.setitem(links.PREFIXES, Purpose.ARCHIVE, "issues")
    app = create_app(world.settings, world.engine)
    with TestClient(app, base_url=BASE_URL) as client:
        view_url = app.state.links.url(Purpose.VIEW, world.alice)
        assert view_url.startswith(f"{BASE_URL}/view/")
        page = client.get(view_url)
        assert page.status_code == 200 and "Dear Alice Example," in page.text
        assert client.get(view_url.replace("/view/", "/v/")).status_code == 404
        # The page's own links (made with the same prefixes) lead to pages too.
        (archive,) = set(re.findall(rf'href="({BASE_URL}/issues/[^"]+)"', page.text))
        assert client.get(archive).status_code == 200
        assert client.get(f"{archive}/1").status_code == 200
        assert client.get(archive.replace("/issues/", "/archive/")).status_code == 404
