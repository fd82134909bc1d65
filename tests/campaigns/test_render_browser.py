"""The rendered issue in a real browser (headless Chromium): no horizontal scrolling on a phone."""

from __future__ import annotations

import pytest
from digests import SAMPLE_FIELDS, make_digest, opening_digest

from briefcast.campaigns.render import render_digest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("digest", [make_digest(), opening_digest()], ids=["issue-2", "opening"])
@pytest.mark.parametrize("width", [375, 600])
def test_the_issue_fits_the_screen_without_horizontal_scrolling(browser, digest, width):
    html, _ = render_digest(digest).personalise(SAMPLE_FIELDS)
    page = browser.new_page(viewport={"width": width, "height": 800})
    try:
        page.set_content(html)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        body_size = page.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('p')).fontSize)"
        )
        assert body_size >= 16
    finally:
        page.close()


def test_desktop_shows_a_key_figure_beside_its_sentence_and_a_phone_stacks_them(browser):
    html, _ = render_digest(make_digest()).personalise(SAMPLE_FIELDS)
    tops = {}
    for width in (600, 375):
        page = browser.new_page(viewport={"width": width, "height": 800})
        page.set_content(html)
        tops[width] = page.evaluate(
            "[...document.querySelectorAll('.figure-value, .figure-text')]"
            ".map(e => e.getBoundingClientRect().top)"
        )
        page.close()
    value, sentence = tops[600][:2]
    assert abs(value - sentence) < 40, "on desktop the figure and its sentence share a row"
    value, sentence = tops[375][:2]
    assert sentence > value + 20, "on a phone the sentence goes under the figure"
