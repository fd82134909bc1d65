"""The text rules under the briefing reader: clean-up, repairs, figures, quotes, robustness."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefcast.campaigns.briefing import BriefingError, read_briefing
from briefcast.campaigns.briefing_text import find_figures, find_quotes, reflow
from briefcast.campaigns.furniture import clean_lines


@pytest.mark.parametrize(
    "marker",
    ["Page 2", "Page 2 of 4", "page 10 of 12", "2 | Page", "Page | 2", "7", "- 3 -", "2/4"],
)
def test_page_markers_are_dropped(marker):
    lines, *_ = clean_lines(f"Before\n{marker}\nAfter")
    assert [line.text for line in lines] == ["Before", "After"]


def test_line_numbers_survive_clean_up():
    lines, *_ = clean_lines("One\nPage 1 of 2\n\tTwo  words\u00a0here ")
    assert [(line.number, line.text) for line in lines] == [(1, "One"), (3, "Two words here")]


def test_a_repeated_lower_case_line_is_not_a_running_header():
    lines, headers, *_ = clean_lines("children.\n\nchildren.\n\nchildren.\n")
    assert headers == [] and [line.text for line in lines if line.text] == ["children."] * 3


@pytest.mark.parametrize(
    "wrapped, expected",
    [
        (["a history of self -harm"], "a history of self-harm"),
        (["work on non- accidental injury"], "work on non-accidental injury"),
        (["being pro active when"], "being pro active when"),  # two real words: not guessed
        (["a multi-", "agency meeting"], "a multi-agency meeting"),
        (["seriously harmed.. The Panel"], "seriously harmed. The Panel"),
        (["and then…", "wait..."], "and then… wait..."),
        (["risk – and", "‘quotes’ stay"], "risk – and ‘quotes’ stay"),
        (["fathers - and male partners"], "fathers - and male partners"),  # a spaced dash
        # Footnote markers copied out of a PDF, stuck to their word.
        (["seen as neglected1 than", "babies."], "seen as neglected than babies."),
        (["what home was like³. Two"], "what home was like. Two"),
        (["referrals12, and"], "referrals, and"),
        (["Covid19 rules, year9 pupils, mp3 files"], "Covid19 rules, year9 pupils, mp3 files"),
    ],
)
def test_reflow_and_repairs(wrapped, expected):
    assert reflow(wrapped) == expected


@pytest.mark.parametrize(
    "sentence, values",
    [
        ("In 2019 there were 1,200 referrals.", ["1,200"]),
        ("Of these 4.5% were repeat referrals, costing £30 each.", ["4.5%", "£30"]),
        ("Some 12 per cent were missed.", ["12%"]),
        ("The review (page 3) was dated 11.6.20 and covers 2014-17.", []),
        ("A rapid review is due within 15 working days, after 17 months.", []),
        ("A 16-year-old in Tier 4 care during Covid-19.", []),
        ("The 1st and 2nd reviews found 3 children at risk.", ["3"]),
        ("2 Local audit of 40 referrals.", ["40"]),  # a footnote's number is not a figure
        ("12 agencies were involved.", ["12"]),
    ],
)
def test_figures(sentence, values):
    assert [figure.value for figure in find_figures((sentence,))] == values


def test_each_figure_carries_its_own_sentence():
    figures = find_figures(("First 40% agreed. Then 60 children were seen.",))
    assert [(f.value, f.text) for f in figures] == [
        ("40%", "First 40% agreed."),
        ("60", "Then 60 children were seen."),
    ]


def test_quotes_of_five_words_or_more_and_apostrophes_inside():
    paragraph = (
        "The Panel’s view was ‘a child’s safety must come before adult needs’. "
        "Some were ‘very troubled’. “We should have asked the children more often.”"
    )
    assert find_quotes((paragraph,)) == (
        "a child’s safety must come before adult needs",
        "We should have asked the children more often.",
    )


# Reading arbitrary input either works or says why in a BriefingError: never anything else.
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=400),
        st.text(max_size=400).map(lambda text: text.encode("utf-8")),
        st.lists(
            st.sampled_from(
                [
                    "",
                    " ",
                    "Title",
                    "## Theme",
                    "• A-b",
                    "1. One",
                    "o X: y",
                    "Page 2 of 3",
                    "-",
                    "‘q’",
                ]
            ),
            max_size=30,
        ).map(lambda lines: "\n".join(lines).encode("utf-8")),
    ),
    st.sampled_from(["briefing.txt", "briefing.md"]),
)
def test_reading_never_fails_with_anything_but_a_briefing_error(data, name):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            briefing = read_briefing(path)
        except BriefingError as error:
            assert "\n" not in str(error)
        else:
            assert briefing.themes
            assert len({theme.slug for theme in briefing.themes}) == len(briefing.themes)
