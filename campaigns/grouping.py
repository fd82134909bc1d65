"""Which themes go together in a drafted issue, and which of the briefing's questions go with them.

Themes stay in the briefing's order (its authors chose it) and fill issues of a two-to-three
minute read. Where the issues could break, they break between the themes that share the least
vocabulary, so related themes ("Domestic abuse", "Written agreements" with its "abusive partner")
stay in one issue, and never inside a part of the briefing ("# Babies" over its "##" themes) when
they can break elsewhere. A question from the briefing's own questions goes to the issue whose
themes share the most words with it; one that matches none goes to the last issue, which closes
the series.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from briefcast.campaigns.headings import INTRODUCES_THEMES
from briefcast.campaigns.model import Briefing, Theme

READING_WORDS = 450  # theme text per drafted issue: two to three minutes at ~200 words a minute

# Words that say nothing about what a theme is about.
_COMMON = frozenset({
    "about", "after", "again", "also", "been", "being", "between", "both", "child", "children",
    "could", "does", "done", "during", "each", "family", "from", "have", "into", "made", "many",
    "more", "most", "must", "need", "other", "over", "practice", "practitioners", "should", "some",
    "such", "than", "that", "their", "them", "then", "there", "these", "they", "this", "those",
    "through", "time", "very", "were", "what", "when", "where", "which", "while", "will", "with",
    "would", "your", "young", "people", "review", "reviews", "panel",
})  # fmt: skip
_STEM_LETTERS = 6  # "assessment", "assessments", "assessed" share "assess"


def group_themes(
    themes: Sequence[Theme], limit: int = READING_WORDS, parts: Sequence[int] = ()
) -> list[list[Theme]]:
    """Consecutive themes in as few issues of at most `limit` words as possible (a longer theme
    stands alone); among the ways to do that, the one whose breaks fall between the least
    related neighbours, and never inside one of the briefing's own parts (`parts`: a number
    per theme, from `briefing_parts`) when a break elsewhere does."""
    words = [theme.word_count for theme in themes]
    vocabularies = [_vocabulary(theme.title, *theme.paragraphs) for theme in themes]
    parts = list(parts) if len(parts) == len(themes) else [0] * len(themes)

    def cut(start: int) -> float:
        """What breaking an issue before themes[start] costs: splitting a part of the
        briefing costs more than splitting any two themes, however related."""
        if parts[start] and parts[start] == parts[start - 1]:
            return 2.0
        return _relatedness(vocabularies[start - 1], vocabularies[start])

    # best[i]: (issues, relatedness cut, where the last issue starts) for the first i themes.
    best: list[tuple[int, float, int]] = [(0, 0.0, 0)]
    for end in range(1, len(themes) + 1):
        options = []
        for start in range(end):
            fits = sum(words[start:end]) <= limit or end - start == 1
            if fits:
                issues, cuts, _ = best[start]
                options.append((issues + 1, cuts + (cut(start) if start else 0.0), start))
        best.append(min(options))
    groups: list[list[Theme]] = []
    end = len(themes)
    while end:
        start = best[end][2]
        groups.insert(0, list(themes[start:end]))
        end = start
    return groups


def briefing_parts(briefing: Briefing) -> list[int]:
    """For each theme, which of the briefing's own parts it is in: the parts are headings over
    themes with no text of their own ("# Babies" over "## Safe sleep"); 0 before any."""
    part, parts = 0, []
    for note in briefing.headings:
        if note.role == "left out" and note.reason == INTRODUCES_THEMES:
            part += 1
        elif note.role == "theme":
            parts.append(part)
    return parts


def briefing_questions(briefing: Briefing) -> list[str]:
    """The briefing's own questions for discussion: each question in a section about questions
    ("Questions to consider", "Reflective questions"), without its bullet or number."""
    questions = []
    for section in briefing.sections:
        if re.search(r"\bquestions?\b", section.title, re.I):
            for paragraph in section.paragraphs:
                text = _LIST_MARK.sub("", paragraph).strip()
                if text.endswith("?"):
                    questions.append(text)
    return questions


_LIST_MARK = re.compile(r"^(?:•|\d{1,2}[.)])\s+")


def assign_questions(
    questions: Sequence[str], groups: Sequence[Sequence[Theme]]
) -> list[list[str]]:
    """Each question with the issue whose themes share the most words with it, else the last."""
    vocabularies = [
        _vocabulary(*(text for theme in group for text in (theme.title, *theme.paragraphs)))
        for group in groups
    ]
    assigned: list[list[str]] = [[] for _ in groups]
    for question in questions:
        words = _vocabulary(question)
        shared = [len(words & vocabulary) for vocabulary in vocabularies]
        best = max(range(len(groups)), key=lambda n: (shared[n], n)) if any(shared) else -1
        assigned[best].append(question)
    return assigned


def _vocabulary(*texts: str) -> set[str]:
    words = re.findall(r"[a-z]{4,}", " ".join(texts).lower())
    return {word[:_STEM_LETTERS] for word in words if word not in _COMMON}


def _relatedness(first: set[str], second: set[str]) -> float:
    """Shared words as a share of the smaller vocabulary: 0 unrelated, 1 the same words."""
    if not first or not second:
        return 0.0
    return len(first & second) / min(len(first), len(second))
