"""The web view (the issue as the recipient got it) and the campaign's archive of sent issues."""

from __future__ import annotations

import re

from briefcast.delivery.tokens import Purpose
from briefcast.web.middleware import ISSUE_POLICY


def test_the_web_view_is_the_issue_personalised_for_its_reader(world):
    page = world.client.get(world.path(Purpose.VIEW, world.alice))
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == ISSUE_POLICY
    assert "<script" not in page.text
    assert "Dear Alice Example," in page.text
    assert "on the Health list of" in page.text
    assert "[[" not in page.text
    # Its links are the reader's own, and work.
    for prefix, purpose in (("u", Purpose.UNSUBSCRIBE), ("a", Purpose.ACKNOWLEDGE)):
        (link,) = set(re.findall(rf'href="http://testserver(/{prefix}/[^"]+)"', page.text))
        assert world.client.get(link).status_code == 200, purpose
    assert "alice@example.org" not in page.text


def test_the_web_view_links_to_the_archive_which_lists_only_sent_issues(world):
    page = world.client.get(world.path(Purpose.VIEW, world.alice))
    (archive,) = re.findall(r'href="http://testserver(/archive/[^"]+)"', page.text)
    listing = world.client.get(archive)
    assert listing.status_code == 200
    assert "<h1>Learning from reviews: all issues</h1>" in listing.text
    assert "Part 1: Domestic abuse and written agreements" in listing.text
    assert "Including men" not in listing.text  # issue 2 has not gone out
    issue = world.client.get(f"{archive}/1")
    assert issue.status_code == 200
    assert "Dear colleague," in issue.text and "Alice" not in issue.text
    assert world.client.get(f"{archive}/2").status_code == 404
    assert world.client.get(f"{archive}/9").status_code == 404


def test_an_archive_token_is_not_a_view_token(world):
    # The archive token names the campaign (id 1, as does a delivery): purposes keep them apart.
    archive = world.signer.make(Purpose.ARCHIVE, world.alice)
    assert world.client.get(f"/v/{archive}").status_code == 400
    assert world.client.get(f"/archive/{world.token(Purpose.VIEW, world.alice)}").status_code == 400


def test_pages_are_accessible_shells(world):
    for path in (
        world.path(Purpose.UNSUBSCRIBE, world.alice),
        world.path(Purpose.ACKNOWLEDGE, world.alice),
        "/u/not-a-token",
    ):
        page = world.client.get(path)
        assert '<html lang="en-GB">' in page.text
        assert page.text.count("<h1>") == 1
        assert '<meta name="viewport"' in page.text
        assert page.headers["content-security-policy"].startswith(
            "default-src 'none'; style-src 'self'"
        )
        assert page.headers["referrer-policy"] == "same-origin"
        assert page.headers["cache-control"] == "no-store"
    css = world.client.get("/static/web.css")
    assert css.status_code == 200 and ":focus-visible" in css.text


def _links(page: str) -> list[tuple[str, str]]:
    """(href, text) of every link on a page."""
    return [
        (href, re.sub(r"<[^>]+>", "", text).strip())
        for href, text in re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', page, re.S)
    ]


def test_the_web_view_keeps_the_readers_controls_but_no_link_to_itself(world):
    path = world.path(Purpose.VIEW, world.alice)
    page = world.client.get(path).text
    assert page.count("<main>") == 1 and page.count("</main>") == 1
    texts = {text: href for href, text in _links(page)}
    assert "Read this in your browser" not in texts
    assert path not in page
    assert (
        texts["I’ve read this"]
        == f"http://testserver{world.path(Purpose.ACKNOWLEDGE, world.alice)}"
    )
    assert (
        texts["Unsubscribe"] == f"http://testserver{world.path(Purpose.UNSUBSCRIBE, world.alice)}"
    )


def test_the_archive_issue_offers_no_one_elses_controls_and_says_where_they_are(world):
    view = world.client.get(world.path(Purpose.VIEW, world.alice)).text
    (archive,) = re.findall(r'href="http://testserver(/archive/[^"]+)"', view)
    page = world.client.get(f"{archive}/1").text
    assert page.count("<main>") == 1
    texts = [text for _href, text in _links(page)]
    assert texts == ["All issues of Learning from reviews"]  # the only link: the archive's index
    for gone in ("I’ve read this", "Unsubscribe", "Read this in your browser", "distribution list"):
        assert gone not in page
    assert "use the links in the email you received" in page


def test_the_archive_list_links_each_issue_to_its_own_page(world):
    view = world.client.get(world.path(Purpose.VIEW, world.alice)).text
    (archive,) = re.findall(r'href="http://testserver(/archive/[^"]+)"', view)
    listing = world.client.get(archive).text
    links = dict((text, href) for href, text in _links(listing))
    assert links == {"Part 1: Domestic abuse and written agreements": f"{archive}/1"}
    assert '<span class="sent">Sent ' in listing


def test_dark_mode_is_the_link_pages_own_not_the_consoles(world):
    page = world.client.get(world.path(Purpose.ACKNOWLEDGE, world.alice)).text
    assert '<meta name="color-scheme" content="light dark">' in page
    assert "/static/web-dark.css" in page
    dark = world.client.get("/static/web-dark.css")
    assert dark.status_code == 200 and "prefers-color-scheme: dark" in dark.text
    # The staff console shares web.css: nothing in it may switch a page to dark colours.
    shared = world.client.get("/static/web.css").text
    assert "prefers-color-scheme" not in shared and "color-scheme" not in shared
