"""The catch-up digest: the missed issues' own words and links, rendered and checked."""

from __future__ import annotations

from digests import SAMPLE_FIELDS, make_digest, opening_digest

from briefcast.campaigns.catch_up import catch_up_digest, render_catch_up
from briefcast.campaigns.render import Personaliser

ARCHIVE = "https://briefcast.example.org/archive/token-9"
NOTE = "You joined after this series began. Here is what you missed, in one place."


def _rendered(*digests):
    return render_catch_up(catch_up_digest(digests, note=NOTE, archive_url=ARCHIVE))


def test_each_missed_issue_with_its_subject_intro_and_archive_link_after_the_note():
    rendered = _rendered(opening_digest(), make_digest())
    assert rendered.ok, rendered.problems
    html, text = Personaliser(rendered.html, rendered.text).personalise(SAMPLE_FIELDS)
    for page in (html, text):
        assert NOTE.split(".")[0] in page
        assert "Part 1 of 6: Optimistic thinking" in page
        assert "Part 2 of 6: Domestic abuse and written agreements" in page
        assert f"{ARCHIVE}/1" in page and f"{ARCHIVE}/2" in page
        assert "This week: two themes that often appear together." in page  # the intro
        assert "Dear Sam Sample" in page
    assert "Part 1: Part 1" not in text  # a subject naming its part is not led by it again
    assert rendered.catch_up.subject == "Catch up: Learning from serious case reviews"


def test_a_subject_without_its_part_is_led_by_it_and_no_intro_falls_back_to_the_preheader():
    rendered = _rendered(make_digest(subject="Domestic abuse", intro=None))
    assert "Part 2: Domestic abuse" in rendered.text
    assert "why agreements fall short." in " ".join(rendered.text.split())
