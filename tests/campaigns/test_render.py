"""Rendering a digest: the content each issue shows, the premailer/MRML traps, personalisation."""

from __future__ import annotations

import logging
import re
import socket

import cssutils
import jinja2
import mjml
import pytest
from digests import SAMPLE_FIELDS, make_digest, opening_digest

from briefcast.campaigns import checks, render
from briefcast.campaigns.model import Figure, Theme
from briefcast.campaigns.render import (
    TEMPLATES,
    PersonalisationError,
    inline_stylesheet,
    long_date,
    render_digest,
)
from briefcast.links import FIELDS


@pytest.fixture(scope="module")
def issue():
    return render_digest(make_digest())


@pytest.fixture(scope="module")
def opening():
    return render_digest(opening_digest())


# -- what every issue shows ---------------------------------------------------------------------


def test_the_example_issue_passes_every_check(issue, opening):
    assert issue.problems == ()
    assert opening.problems == ()
    assert issue.ok


def test_the_page_is_an_accessible_document(issue):
    assert issue.html.startswith("<!doctype html>")
    assert '<html lang="en-GB"' in issue.html
    assert "<title>Part 2 of 6: Domestic abuse and written agreements</title>" in issue.html
    assert len(re.findall(r"<h1[ >]", issue.html)) == 1
    assert ">Domestic abuse and written agreements</h1>" in issue.html


def test_the_masthead_names_the_partnership_the_part_and_the_series(issue):
    assert "Example Safeguarding Children Partnership" in issue.html
    assert "Part 2 of 6: Learning from serious case reviews" in issue.html


def test_the_preheader_is_hidden_at_the_top(issue):
    body = issue.html.split("<body", 1)[1]
    first_div = re.search(r"<div class=\"preheader\" style=\"([^\"]*)\">([^<]*)</div>", body)
    # Hidden by layout and from Outlook, never by a colour (a spam filter's hidden-text sign).
    assert first_div[1].replace(" ", "") == "display:none;mso-hide:all"
    assert body.index('class="preheader"') < body.index("<h1")
    assert first_div[2] == make_digest().preheader


def test_each_theme_is_a_heading_with_its_key_figure_paragraphs_and_quotes(issue):
    for title in ("Domestic Abuse", "Written agreements"):
        assert re.search(rf"<h2[^>]*>{title}</h2>", issue.html)
    assert re.search(r'class="figure-value"[^>]*>54%</p>', issue.html)
    label = r'class="figure-text"[^>]*>of reviews mentioned domestic abuse</p>'
    assert re.search(label, issue.html)
    assert re.search(r"<blockquote[^>]*>“Nobody asked me what was happening at home.”", issue.html)


def test_questions_next_issue_and_acknowledgement(issue):
    assert "Questions for your team" in issue.html
    assert "How do we ask about domestic abuse when both parents are present?" in issue.html
    assert "Next in this series" in issue.html
    assert "Part 3: Adolescents, mental health and suicide" in issue.html
    assert "Tuesday 20 April 2027" in issue.html
    assert re.search(r'href="\[\[acknowledge_url\]\]"[^>]*>I’ve read this</a>', issue.html)


def test_the_footer_says_why_the_reader_gets_it_and_how_to_leave(issue):
    assert (
        "You receive this because you are on the [[list_name]] list of "
        "Example Safeguarding Children Partnership." in issue.html
    )
    assert '<a href="[[web_view_url]]"' in issue.html
    assert '<a href="[[unsubscribe_url]]"' in issue.html


def test_the_opening_issue_carries_the_introduction_and_all_its_figures(opening, issue):
    assert re.search(r"<h2[^>]*>Introduction</h2>", opening.html)
    assert "The Panel received 538 rapid reviews between July 2018" in opening.html
    assert re.search(r'class="figure-value"[^>]*>538</p>', opening.html)
    assert re.search(r'class="figure-value"[^>]*>13%</p>', opening.html)
    assert "Introduction" not in issue.html


def test_the_last_issue_has_no_next_in_series():
    last = render_digest(make_digest(number=6, next_issue=None))
    assert "Next in this series" not in last.html
    assert "Next in this series" not in last.text


def test_briefing_text_is_escaped_in_html_and_left_alone_in_text(issue):
    assert "substance misuse &lt;in the same household&gt;." in issue.html
    assert "health &amp; substance" in issue.html
    assert "<in the same household>" in issue.text
    assert "health & substance" in issue.text


def test_a_misspelt_template_variable_fails_instead_of_rendering_blank():
    template = render.template_environment().from_string("{{ digest.no_such_field }}")
    with pytest.raises(jinja2.UndefinedError):
        template.render(digest=make_digest())


def test_long_date_is_the_british_long_form():
    assert long_date(make_digest().next_issue.send_at) == "Tuesday 20 April 2027"


# -- the plain-text part ------------------------------------------------------------------------


def test_the_text_part_reads_on_its_own(issue):
    text = issue.text
    assert "Domestic abuse and written agreements\n=====================================\n" in text
    assert "Domestic Abuse\n--------------\n" in text
    assert "\n    54%\n    of reviews mentioned domestic abuse\n" in text
    assert "\n    “Nobody asked me what was happening at home.”\n" in text
    assert "\n1. How do we ask about domestic abuse" in text
    assert "Part 3: Adolescents, mental health and suicide\nTuesday 20 April 2027\n" in text


def test_text_lines_are_wrapped_and_urls_stand_alone(issue):
    for line in issue.text.splitlines():
        assert len(line) <= 72, line
    _, text = issue.personalise(SAMPLE_FIELDS)
    for line in text.splitlines():  # a filled-in list name may lengthen its line a little
        assert len(line) <= 78 or line.startswith("https://"), line
    for url in ("unsubscribe_url", "acknowledge_url", "web_view_url"):
        assert f"\n{SAMPLE_FIELDS[url]}\n" in text


# -- traps: each test fails if the trap is reintroduced ----------------------------------------


def test_the_doctype_survives_premailer(issue):
    """premailer drops "<!doctype html>" because lxml reports it as "<!DOCTYPE html>"."""
    page = "<!doctype html><html><head><title>t</title></head><body><p>x</p></body></html>"
    assert inline_stylesheet(page, "p { color: #111111; }").startswith("<!doctype html>")
    assert issue.html.startswith("<!doctype html>")


def test_desktop_columns_keep_their_important_widths(issue):
    """Without !important in MRML's @media rule, two-column sections stack on desktop too."""
    media = re.search(r"@media only screen and \(min-width:480px\) \{[^}]*\}", issue.html)
    assert media, "MRML's desktop column rule is missing"
    assert ".mj-column-per-30 { width:30% !important;" in issue.html
    assert ".mj-column-per-70 { width:70% !important;" in issue.html


def test_mrml_scaffolding_is_not_inlined_onto_every_cell(issue):
    """MRML's resets stay in <style>: inlined, they bloat every cell towards Gmail's clip."""
    assert "mso-table-lspace" not in issue.html.split("<body", 1)[1]


def test_rendering_never_touches_the_network(monkeypatch):
    """premailer fetches <link rel=stylesheet> (web fonts) unless told not to."""

    def refuse(*args, **kwargs):
        raise AssertionError("rendering tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    page = (
        "<!doctype html><html><head><title>t</title>"
        '<link rel="stylesheet" href="https://fonts.example.org/css?family=Roboto">'
        "</head><body><p>x</p></body></html>"
    )
    inline_stylesheet(page, "p { color: #111111; }")
    rendered = render_digest(make_digest())
    assert "<link" not in rendered.html  # MRML adds no web-font links either: fonts={}


def test_cssutils_logs_nothing_while_rendering(caplog, capsys):
    """cssutils warns about every mso-* and -ms-* property, on every render, unless silenced."""
    caplog.set_level(logging.DEBUG)
    page = "<!doctype html><html><head><title>t</title></head><body><p>x</p></body></html>"
    css = "p { mso-line-height-rule: exactly; -ms-interpolation-mode: bicubic; }"
    level = cssutils.log.getEffectiveLevel()
    cssutils.log.setLevel(logging.INFO)  # as if no module had silenced cssutils at import
    try:
        inline_stylesheet(page, css)
        render_digest(make_digest())
    finally:
        cssutils.log.setLevel(level)
    assert [r for r in caplog.records if r.name == "CSSUTILS"] == []
    assert capsys.readouterr().err == ""


def test_our_stylesheet_is_inlined(issue):
    """MRML ignores <mj-style inline="inline">, so premailer inlines digest.css."""
    assert re.search(r'<h2 style="[^"]*color:#12355b', issue.html)
    assert re.search(r'<p class="figure-value" style="[^"]*font-size:36px', issue.html)
    assert re.search(r'<blockquote style="[^"]*border-left:4px solid #7a9cc6', issue.html)


def test_templates_style_only_through_the_stylesheet_and_give_every_image_alt_text():
    """The Outlook check reads digest.css: a style="" in a template would escape it. MRML writes
    no alt for an mj-image without one."""
    for template in TEMPLATES.rglob("*.mjml.j2"):
        source = re.sub(r"\{#.*?#\}", "", template.read_text(encoding="utf-8"), flags=re.DOTALL)
        assert "style=" not in source, template
        assert 'inline="inline"' not in source, template
        for image in re.findall(r"<mj-image\b[^>]*>", source):
            assert "alt=" in image, f"{template}: {image}"


def test_an_image_without_alt_is_caught_by_the_checks():
    page = mjml.mjml2html(
        '<mjml lang="en-GB"><mj-head><mj-title>t</mj-title></mj-head><mj-body><mj-section>'
        '<mj-column><mj-image src="https://example.org/logo.png" /><mj-text><h1>t</h1></mj-text>'
        "</mj-column></mj-section></mj-body></mjml>",
        fonts={},
    )
    assert any("alt" in problem for problem in checks.check_html(page))


def test_our_stylesheet_passes_the_outlook_check():
    assert checks.check_outlook_css(render.STYLESHEET.read_text(encoding="utf-8")) == []


# -- per-recipient personalisation -------------------------------------------------------------


def test_personalise_fills_every_field(issue):
    html, text = issue.personalise(SAMPLE_FIELDS)
    assert "[[" not in html and "[[" not in text
    assert "Dear Sam Sample," in html and "Dear Sam Sample," in text
    assert "on the All practitioners list" in html
    assert checks.check_html(html) == []


def test_personalise_escapes_values_in_html_only(issue):
    fields = {**SAMPLE_FIELDS, "recipient_name": 'Sam & "Co" <Team>'}
    html, text = issue.personalise(fields)
    assert "Dear Sam &amp; &quot;Co&quot; &lt;Team&gt;," in html
    assert 'Dear Sam & "Co" <Team>,' in text
    assert 'href="https://briefcast.example.org/u/token-1?a=1&amp;b=2"' in html
    assert "\nhttps://briefcast.example.org/u/token-1?a=1&b=2\n" in text


def test_personalise_names_missing_fields(issue):
    fields = {k: v for k, v in SAMPLE_FIELDS.items() if k not in {"list_name", "web_view_url"}}
    with pytest.raises(PersonalisationError, match="list_name, web_view_url"):
        issue.personalise(fields)


def test_personalise_does_no_mjml_or_premailer_work(issue, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("personalisation recompiled the issue")

    monkeypatch.setattr(render, "compile_mjml", forbidden)
    monkeypatch.setattr(render, "Premailer", forbidden)
    monkeypatch.setattr(render, "template_environment", forbidden)
    issue.personalise(SAMPLE_FIELDS)


def test_the_issue_declares_the_fields_it_needs(issue):
    assert issue.fields == set(FIELDS)


def test_a_figure_or_quote_free_theme_renders_without_callouts():
    plain = Theme(slug="plain", title="Plain theme", paragraphs=("Just words.",))
    rendered = render_digest(make_digest(themes=(plain,), questions=()))
    assert 'class="figure-value"' not in rendered.html
    assert "<blockquote" not in rendered.html
    assert "Questions for your team" not in rendered.html
    assert rendered.ok


def test_a_long_figure_still_renders_and_passes():
    theme = Theme(
        slug="big",
        title="Big",
        paragraphs=("Text.",),
        figures=(Figure("1,234,567", "A long figure sentence " * 10),),
    )
    assert render_digest(make_digest(themes=(theme,))).ok


def test_figures_sharing_a_sentence_make_one_callout():
    sentence = "There were 538 rapid reviews with 244 children having died."
    figures = (Figure("538", sentence), Figure("244", sentence), Figure("54%", "In 54% of cases."))
    assert render.callouts(figures) == [Figure("538", sentence), Figure("54%", "In 54% of cases.")]


def test_only_the_first_quote_is_pulled_out_since_quotes_repeat_the_paragraphs():
    theme = Theme(
        slug="quoted",
        title="Quoted theme",
        paragraphs=("They said ‘first words to pull out here’ and ‘second words left in place’.",),
        quotes=("first words to pull out here", "second words left in place"),
    )
    rendered = render_digest(make_digest(themes=(theme,)))
    assert rendered.html.count("<blockquote") == 1
    assert re.search(r"<blockquote[^>]*>first words to pull out here", rendered.html)
    assert " ".join(rendered.text.split()).count("second words left in place") == 1
