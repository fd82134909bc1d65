"""Figure boxes and quotations say nothing twice: over the example series, HTML and plain text."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from briefcast.campaigns.briefing import read_briefing
from briefcast.campaigns.briefing_text import split_sentences
from briefcast.campaigns.callouts import LABEL_WORDS, Block, figure_label, quoted_blocks
from briefcast.campaigns.campaign_file import load_campaign
from briefcast.campaigns.model import Figure
from briefcast.campaigns.plan import assemble
from briefcast.campaigns.render import callouts, render_digest

EXAMPLE = Path(__file__).parents[2] / "examples" / "national-panel-2020" / "campaign.yaml"


@pytest.fixture(scope="module")
def series():
    campaign = load_campaign(EXAMPLE)
    digests = assemble(campaign, read_briefing(campaign.briefing_path))
    return [render_digest(digest) for digest in digests]


def _words(text: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", unescape(text)).split())


def _body_sentences(issue) -> set[str]:
    digest = issue.digest
    sections = [*digest.themes, *([digest.introduction] if digest.introduction else [])]
    return {
        _words(sentence).strip(" .")
        for section in sections
        for paragraph in section.paragraphs
        for sentence in split_sentences(paragraph)
    }


def test_no_figure_box_or_quote_is_a_sentence_of_the_body(series):
    boxes = quotes = 0
    for issue in series:
        sentences = _body_sentences(issue)
        values = re.findall(r'class="figure-value"[^>]*>([^<]*)</p>', issue.html)
        labels = re.findall(r'class="figure-text"[^>]*>([^<]*)</p>', issue.html)
        shown = re.findall(r"<blockquote[^>]*>(.*?)</blockquote>", issue.html, re.S)
        assert len(values) == len(labels)
        for value, label in zip(values, labels, strict=True):
            assert _words(label).strip(" .") not in sentences
            assert _words(f"{value} {label}").strip(" .") not in sentences, label
        for quote in shown:
            assert _words(quote).strip(" .") not in sentences
            # Set apart where it stands: the quotation is in the email once.
            assert _words(issue.html).count(_words(quote)) == 1, quote
        boxes, quotes = boxes + len(values), quotes + len(shown)
    assert boxes >= 8 and quotes >= 5  # the example's figures and quotations are still shown


def test_the_plain_text_shows_labels_and_each_quotation_once(series):
    for issue in series:
        text = " ".join(issue.text.split())
        figures = [f for t in issue.digest.themes for f in callouts(t.figures)[:1]]
        for figure in figures:
            assert f"{figure.value} {figure_label(figure)}" in text
            assert text.count(" ".join(figure.text.split())) <= 1, figure.text
        for theme in issue.digest.themes:
            if theme.quotes:
                assert text.count(" ".join(theme.quotes[0].split())) == 1


@pytest.mark.parametrize(
    ("value", "sentence", "label"),
    [
        ("35%", "This was a recognised feature of life for 35% of children notified to the Panel.",
         "of children notified to the Panel"),
        ("32%", "32% of rapid reviews were identified as appearing overly optimistic in practice.",
         "of rapid reviews"),
        ("13%", "13% (70) children were on a CP plan and in 15% of the cases were looked after.",
         "children were on a CP plan"),
        ("77", "Of these 77 were considered ‘near misses’ i.e. the child could have died.",
         "were considered ‘near misses’"),
        ("4", "A small number were educated at home with 4 having died and 7 suffering harm.",
         "having died"),
        ("12", "The total was 12.", "The total was"),
    ],
)  # fmt: skip
def test_a_label_is_the_phrase_the_figure_belongs_to(value, sentence, label):
    assert figure_label(Figure(value, sentence)) == label


def test_a_label_is_a_short_span_of_its_own_sentence(series):
    for issue in series:
        digest = issue.digest
        sections = [*digest.themes, *([digest.introduction] if digest.introduction else [])]
        for figure in (f for section in sections for f in section.figures):
            label = figure_label(figure)
            assert len(label.split()) <= LABEL_WORDS
            assert label in figure.text  # never a word the sentence lacks
            assert f"{figure.value} {label}".strip(" .") != figure.text.strip(" .")


def test_a_quotation_is_lifted_out_where_it_stands():
    paragraph = "The report says ‘this has caused us great concern to all’. Then more follows."
    blocks = list(quoted_blocks((paragraph, "Next."), "this has caused us great concern to all"))
    assert blocks == [
        Block("paragraph", "The report says"),
        Block("quote", "this has caused us great concern to all"),
        Block("paragraph", "Then more follows."),
        Block("paragraph", "Next."),
    ]


def test_a_quotation_in_no_paragraph_follows_them_as_a_pull_quote():
    blocks = list(quoted_blocks(("One.", "Two."), "A quotation set apart in the briefing"))
    assert blocks[-1] == Block("quote", "A quotation set apart in the briefing")
    assert [b.text for b in blocks[:2]] == ["One.", "Two."]
