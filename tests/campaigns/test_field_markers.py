"""An unknown or malformed [[field]] marker, in a campaign's text or in a template, fails the
render checks with a problem naming it, so it can never reach a reader as literal text."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from click.testing import CliRunner
from digests import make_digest

from briefcast.campaigns import render
from briefcast.campaigns.render import render_digest
from briefcast.cli import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "national-panel-2020"

# (as written, the marker the problem names)
BAD_MARKERS = [
    ("[[link2]]", "[[link2]]"),  # well formed, but no such field (the old patterns disagreed)
    ("[[first_name]]", "[[first_name]]"),
    ("[[ recipient_name ]]", "[[ recipient_name ]]"),
    ("[[Name]]", "[[Name]]"),
    ("[[recipient_name and more", "[[recipient_name"),  # never closed
]


def problems_naming(problems: tuple[str, ...], marker: str) -> list[str]:
    return [problem for problem in problems if repr(marker) in problem]


@pytest.mark.parametrize(("written", "named"), BAD_MARKERS)
def test_a_bad_marker_in_campaign_text_fails_naming_it(written, named):
    issue = render_digest(make_digest(intro=f"Before we start, {written} read this."))
    assert not issue.ok
    # Named in the HTML and in the plain text, and nothing else is wrong with the issue.
    assert len(problems_naming(issue.problems, named)) == 2, issue.problems
    assert len(issue.problems) == 2, issue.problems


@pytest.mark.parametrize(("written", "named"), BAD_MARKERS)
def test_a_bad_marker_in_a_template_fails_naming_it(written, named, monkeypatch):
    base = render.template_environment()
    source = base.loader.get_source(base, "digest.txt.j2")[0]
    assert "Dear [[recipient_name]]," in source
    edited = source.replace("Dear [[recipient_name]],", f"Dear {written},")
    overlay = base.overlay(
        loader=jinja2.ChoiceLoader([jinja2.DictLoader({"digest.txt.j2": edited}), base.loader])
    )
    monkeypatch.setattr(render, "template_environment", lambda: overlay)
    issue = render_digest(make_digest())
    (problem,) = issue.problems
    assert repr(named) in problem


def test_the_problem_says_what_the_fields_are():
    (html_problem, _text_problem) = render_digest(make_digest(intro="Hi [[link2]].")).problems
    assert "there is no personal field 'link2'" in html_problem
    assert "[[recipient_name]], [[list_name]]" in html_problem
    (malformed, _) = render_digest(make_digest(intro="Hi [[ Name ]].")).problems
    assert "lower case without spaces" in malformed


def test_the_known_fields_pass():
    issue = render_digest(make_digest(intro="Dear [[recipient_name]], on [[list_name]]."))
    assert issue.ok, issue.problems
    assert {"recipient_name", "list_name"} <= issue.fields


def test_a_marker_in_the_subject_fails_as_the_subject_is_never_personalised():
    issue = render_digest(make_digest(subject="Part 2 for [[recipient_name]]"))
    (problem,) = issue.problems
    assert problem.startswith("the subject: template marker '[[recipient_name]]'")


def test_briefcast_check_names_the_marker_of_a_campaign_file(tmp_path):
    text = (EXAMPLE / "campaign.yaml").read_text("utf-8")
    text = text.replace("briefing: briefing.txt", f"briefing: {EXAMPLE / 'briefing.txt'}")
    text = text.replace("2027-", "2099-")
    marked = text.replace("starting with the pull", "starting with [[link2]] the pull", 1)
    assert marked != text
    campaign = tmp_path / "campaign.yaml"
    campaign.write_text(marked, "utf-8")
    result = CliRunner().invoke(app, ["check", str(campaign)])
    assert result.exit_code == 1, result.output
    assert "template marker '[[link2]]'" in result.output
    assert "no personal field 'link2'" in result.output
