"""The render checks: each failure is a mutation of one valid email; Outlook CSS support."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import mjml
import pytest

from briefcast.campaigns.checks import (
    MAX_HTML_BYTES,
    MAX_STYLE_BYTES,
    OUTLOOK_ALLOWANCES,
    check_html,
    check_outlook_css,
    count_mso_blocks,
    leftover_markers,
    outlook_css_warnings,
)

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = REPO / "campaigns" / "data"
CARRIED = DATA_DIR / "outlook-windows-css.json"
SHARED_FEATURES = Path("/work/shared/data/caniemail/features.json")

VALID = """<!doctype html>
<html lang="en-GB" xmlns:v="urn:schemas-microsoft-com:vml">
<head>
<title>Learning from practice reviews: part 1 of 6</title>
<style>
.lead { font-size: 18px; line-height: 1.5; }
@media only screen and (max-width: 480px) { .column { width: 100% !important; }}
</style>
<!--[if mso]><style>.column { width: 300px; }</style><![endif]-->
</head>
<body>
<div class="preheader" style="display: none">Optimistic thinking and information sharing.</div>
<!--[if mso | IE]><table role="presentation" width="600"><tr><td><![endif]-->
<img src="https://briefcast.example.org/logo.png" alt="Safeguarding Partnership" width="120">
<img src="https://briefcast.example.org/rule.png" alt="" width="600">
<h1>Learning from practice reviews</h1>
<p class="lead">Part 1 of 6: <strong>538</strong> rapid reviews were analysed.</p>
<p><a href="https://briefcast.example.org/briefing">Read the full briefing</a></p>
<p><a href="https://briefcast.example.org/web"><img src="https://briefcast.example.org/w.png"
 alt="View in your browser"></a></p>
<p><a href="mailto:unsubscribe@briefcast.example.org?subject=unsubscribe">Unsubscribe</a></p>
<!--[if mso | IE]></td></tr></table><![endif]-->
</body>
</html>
"""

VALID_MSO_BLOCKS = 3


def mutated(old: str, new: str) -> str:
    assert old in VALID, f"the fixture no longer contains {old!r}"
    return VALID.replace(old, new)


def only_problem(html: str, **options: object) -> str:
    problems = check_html(html, **options)
    assert len(problems) == 1, problems
    return problems[0]


# --- the valid document ---------------------------------------------------------------------


def test_a_valid_email_passes():
    assert count_mso_blocks(VALID) == VALID_MSO_BLOCKS
    assert check_html(VALID) == []
    assert check_html(VALID, source_mso_blocks=VALID_MSO_BLOCKS) == []


def test_real_mjml_output_passes_and_its_outlook_blocks_are_counted():
    source = """<mjml lang="en-GB"><mj-head><mj-title>Part 1 of 6</mj-title></mj-head><mj-body>
      <mj-section><mj-column><mj-text><h1>Learning from practice reviews</h1></mj-text>
      <mj-image src="https://briefcast.example.org/logo.png" alt="Partnership logo" />
      <mj-button href="https://briefcast.example.org/briefing">Read the briefing</mj-button>
      </mj-column><mj-column><mj-text>Second column</mj-text></mj-column></mj-section>
      </mj-body></mjml>"""
    html = mjml.mjml2html(source)
    blocks = count_mso_blocks(html)
    assert blocks > 0
    assert check_html(html, source_mso_blocks=blocks) == []
    without_first = html.replace("<!--[if mso | IE]>", "<!-- removed >", 1)
    assert "Outlook conditional" in only_problem(without_first, source_mso_blocks=blocks)


@pytest.mark.parametrize("start", ["<!DOCTYPE html>", "\n  <!doctype HTML>"])
def test_doctype_is_case_insensitive_after_whitespace(start):
    assert check_html(start + VALID.removeprefix("<!doctype html>")) == []


# --- one failure mode each --------------------------------------------------------------------


def test_missing_doctype_fails():
    assert "<!doctype html>" in only_problem(mutated("<!doctype html>\n", ""))


def test_every_outlook_block_lost_fails():
    html = VALID.replace("<!--[if mso | IE]>", "<!--").replace("<!--[if mso]>", "<!--")
    assert "Outlook conditional" in only_problem(html)


def test_one_outlook_block_lost_fails_against_mjml_count():
    html = mutated("<!--[if mso]><style>.column { width: 300px; }</style><![endif]-->", "")
    assert check_html(html) == []  # some blocks remain, so only the count can tell
    problem = only_problem(html, source_mso_blocks=VALID_MSO_BLOCKS)
    assert f"only 2 of MJML's {VALID_MSO_BLOCKS}" in problem


def test_image_without_alt_fails_but_decorative_empty_alt_passes():
    problem = only_problem(mutated(' alt="Safeguarding Partnership"', ""))
    assert "logo.png" in problem and "alt" in problem
    assert 'alt=""' in VALID  # the decorative rule image is in the valid fixture


@pytest.mark.parametrize("html_tag", ["<html>", '<html lang="">', '<html lang="und">'])
def test_html_without_a_language_fails(html_tag):
    html = mutated('<html lang="en-GB" xmlns:v="urn:schemas-microsoft-com:vml">', html_tag)
    assert "lang" in only_problem(html)


@pytest.mark.parametrize("title", ["", "<title>  </title>"])
def test_missing_or_empty_title_fails(title):
    html = mutated("<title>Learning from practice reviews: part 1 of 6</title>", title)
    assert "<title>" in only_problem(html)


def test_missing_h1_fails():
    html = mutated("<h1>Learning from practice reviews</h1>", "<h2>Learning</h2>")
    assert "<h1>" in only_problem(html)


@pytest.mark.parametrize(
    "href",
    [
        "/briefing",
        "briefing.html",
        "#top",
        "javascript:alert(1)",
        "https:/no-host",
        "",
        "ftp://x.org",
    ],
)
def test_link_that_is_not_absolute_http_fails(href):
    html = mutated('href="https://briefcast.example.org/briefing"', f'href="{href}"')
    assert "not an absolute http(s) or mailto: URL" in only_problem(html)


@pytest.mark.parametrize(
    "link",
    [
        '<a href="https://briefcast.example.org/briefing"> </a>',
        '<a href="https://briefcast.example.org/briefing"><img src="https://x.org/a" alt=""></a>',
    ],
)
def test_link_without_text_fails(link):
    html = mutated(
        '<a href="https://briefcast.example.org/briefing">Read the full briefing</a>', link
    )
    assert "has no text" in only_problem(html)


def test_link_named_by_aria_label_passes():
    html = mutated(
        '<a href="https://briefcast.example.org/briefing">Read the full briefing</a>',
        '<a href="https://briefcast.example.org/briefing" aria-label="Full briefing"></a>',
    )
    assert check_html(html) == []


@pytest.mark.parametrize("marker", ["{{ theme.title }}", "{% endfor %}", "{# note #}", "[[name]]"])
def test_leftover_template_marker_fails(marker):
    html = mutated("<h1>Learning from practice reviews</h1>", f"<h1>{marker}</h1>")
    assert f"template marker {marker!r}" in only_problem(html)


def test_jinja_inside_style_fails_but_css_closing_braces_pass():
    assert "}}" in VALID  # the @media block closes with "}}"
    html = mutated(".lead { font-size: 18px;", ".lead { font-size: {{ size }};")
    assert "template marker '{{ size }}'" in only_problem(html)


def test_placeholders_pass_only_when_allowed():
    html = mutated(
        '<a href="mailto:unsubscribe@briefcast.example.org?subject=unsubscribe">Unsubscribe</a>',
        '<a href="[[unsubscribe_url]]">Unsubscribe</a> Sent to [[recipient_name]].',
    )
    assert check_html(html, allow_placeholders=True) == []
    problems = check_html(html)
    assert any("not an absolute" in problem for problem in problems)
    assert any("template marker '[[recipient_name]]'" in problem for problem in problems)


def test_malformed_placeholder_fails_even_when_placeholders_are_allowed():
    html = mutated("<h1>Learning", "<h1>[[ First Name ]] Learning")
    assert "template marker" in only_problem(html, allow_placeholders=True)


def test_leftover_markers_reads_the_plain_text_part_too():
    assert leftover_markers("Hello [[recipient_name]],", allow_placeholders=True) == []
    variable, tag = leftover_markers("Hello {{ first_name }},\n{% if list %}")
    assert "'{{ first_name }}'" in variable and "'{% if list %}'" in tag


def test_html_over_100_kb_fails_measured_in_utf8_bytes():
    # "–" is three bytes: under the limit in characters, over it in bytes.
    filler = "<p>" + "–" * (MAX_HTML_BYTES // 3) + "</p>"
    html = mutated("</body>", filler + "</body>")
    assert len(html) < MAX_HTML_BYTES < len(html.encode("utf-8"))
    assert "Gmail clips" in only_problem(html)


def test_style_over_16_kb_fails():
    rules = "".join(f".theme-{n} {{ color: #1e3a5f; }}\n" for n in range(MAX_STYLE_BYTES // 20))
    html = mutated("</style>", rules + "</style>")
    assert "<style> CSS totals" in only_problem(html)


# --- Outlook CSS ------------------------------------------------------------------------------


def test_supported_css_passes():
    css = """
    .lead { color: #1e3a5f; font-family: Arial, sans-serif; font-size: 18px; }
    td.figure { padding: 12px 16px; background-color: #f4f1ea; border-left: 4px solid #b5482a; }
    p:first-child { margin-top: 0; }
    """
    assert check_outlook_css(css) == []


@pytest.mark.parametrize(
    ("declaration", "feature"),
    [
        ("display: flex", "css-display-flex"),
        ("position: absolute", "css-position"),
        ("background-image: url(https://x.org/a.png)", "css-background-image"),
        ("background: #fff url(https://x.org/a.png) no-repeat", "css-background-image"),
        ("color: rgba(0, 0, 0, 0.5)", "css-rgba"),
        ("font-size: 1.125rem", "css-unit-rem"),
        ("-webkit-box-shadow: 0 1px 2px #000", "css-box-shadow"),
    ],
)
def test_unsupported_css_fails_naming_the_feature(declaration, feature):
    for css in (f".card {{ {declaration}; }}", declaration):  # a stylesheet and a style attribute
        [problem] = check_outlook_css(css)
        assert feature in problem
        assert declaration.split(":")[0] in problem
        assert "OUTLOOK_ALLOWANCES" in problem


def test_unsupported_selectors_and_at_rules_fail():
    css = "a:hover { color: #b5482a; } @supports (gap: 1px) { .c { gap: 1px; } }"
    hover, supports = check_outlook_css(css)
    assert "css-pseudo-class-hover" in hover and "`a:hover`" in hover
    assert "css-at-supports" in supports and "`@supports (gap: 1px)`" in supports


def test_allow_listed_features_pass_and_fail_without_the_allowance():
    css = ".button { border-radius: 4px; } @media (max-width: 480px) { .c { display: flex; } }"
    assert check_outlook_css(css) == []
    problems = check_outlook_css(css, allowances=())
    assert len(problems) == 2
    assert "css-border-radius" in problems[0] and "css-at-media" in problems[1]


def test_every_allowance_names_an_unsupported_feature_with_fallback_and_reason():
    features = json.loads(CARRIED.read_text(encoding="utf-8"))["features"]
    for allowance in OUTLOOK_ALLOWANCES:
        assert features[allowance.feature]["support"] == "n", allowance.feature
        assert allowance.fallback.strip() and allowance.reason.strip()


def test_partial_support_passes_with_caniemail_notes_as_warnings():
    css = "td { padding: 8px; }"
    assert check_outlook_css(css) == []
    [warning] = outlook_css_warnings(css)
    assert "css-padding" in warning and "Only supported on table cells" in warning


# --- the carried caniemail data -----------------------------------------------------------------


def load_extractor() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "extract_caniemail", DATA_DIR / "extract_caniemail.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_well_formed(carried: dict) -> None:
    assert carried["source"] == "hteumeuleu/caniemail" and len(carried["commit"]) == 40
    assert len(carried["features"]) > 150
    for slug, feature in carried["features"].items():
        assert slug.startswith("css-")
        assert feature["support"] in {"y", "n", "a", "u"}, slug
        assert isinstance(feature["notes"], list) and isinstance(feature["covers"], dict)
    assert carried["features"]["css-display-flex"]["covers"] == {
        "properties": ["display"],
        "values": ["flex", "inline-flex"],
    }


def test_carried_data_has_its_licence_and_source_beside_it():
    carried = json.loads(CARRIED.read_text(encoding="utf-8"))
    assert_well_formed(carried)
    licence = (DATA_DIR / "LICENSE-caniemail").read_text(encoding="utf-8")
    assert "MIT License" in licence and "Rémi Parmentier" in licence
    assert carried["commit"] in (DATA_DIR / "README.md").read_text(encoding="utf-8")


def test_carried_data_is_what_the_extractor_writes():
    carried_text = CARRIED.read_text(encoding="utf-8")
    if not SHARED_FEATURES.exists():
        # A clean clone has no shared copy to regenerate from; the file must still be sound.
        assert_well_formed(json.loads(carried_text))
        return
    extractor = load_extractor()
    document = json.loads(SHARED_FEATURES.read_text(encoding="utf-8"))
    assert extractor.dumps(extractor.extract(document)) == carried_text
