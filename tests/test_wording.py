"""The plural and list helper that words counts and numbers for people."""

from __future__ import annotations

import pytest

from briefcast.wording import and_list, counted


@pytest.mark.parametrize(
    "items, expected",
    [([1], "1"), ([1, 2], "1 and 2"), ([1, 2, 3], "1, 2 and 3"), (["a", "b"], "a and b")],
)
def test_and_list_joins_the_last_with_and(items, expected):
    assert and_list(items) == expected


@pytest.mark.parametrize(
    "count, expected",
    [(0, "0 new starters"), (1, "1 new starter"), (3, "3 new starters")],
)
def test_counted_says_the_noun_in_the_plural_unless_one(count, expected):
    assert counted(count, "new starter") == expected


def test_counted_takes_an_irregular_plural():
    assert counted(2, "person", "people") == "2 people"
