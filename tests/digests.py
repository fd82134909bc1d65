"""Hand-built digests for the rendering tests: fixed content, so the expected output is stable."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from briefcast.campaigns.model import Digest, Figure, NextIssue, Section, Theme

LONDON = ZoneInfo("Europe/London")

INTRODUCTION = Section(
    title="Introduction",
    paragraphs=(
        "The Panel received 538 rapid reviews between July 2018 and December 2019.",
        "Of these, 244 children died and 294 suffered serious harm.",
    ),
    figures=(
        Figure("538", "The Panel received 538 rapid reviews."),
        Figure("13%", "13% (70) children were on a child protection plan."),
    ),
)

DOMESTIC_ABUSE = Theme(
    slug="domestic-abuse",
    title="Domestic Abuse",
    paragraphs=(
        "Domestic abuse was a feature in many reviews, often alongside parental mental ill "
        "health & substance misuse <in the same household>.",
        "Practitioners should ask about it directly and record what they hear.",
    ),
    figures=(Figure("54%", "54% of reviews mentioned domestic abuse."),),
    quotes=("“Nobody asked me what was happening at home.”",),
)

WRITTEN_AGREEMENTS = Theme(
    slug="written-agreements",
    title="Written agreements",
    paragraphs=(
        "Written agreements (sometimes called safety plans) were used in place of a robust "
        "plan. Ofsted has found they offer little protection on their own.",
    ),
)


def make_digest(**changes) -> Digest:
    """Issue 2 of 6, with one figure, a quote, questions and a next issue; override any field."""
    values = dict(
        campaign="national-panel-2020",
        series_title="Learning from serious case reviews",
        partnership="Example Safeguarding Children Partnership",
        number=2,
        total=6,
        title="Domestic abuse and written agreements",
        subject="Part 2 of 6: Domestic abuse and written agreements",
        preheader="What the reviews found about domestic abuse, and why agreements fall short.",
        send_at=datetime(2027, 4, 13, 9, 30, tzinfo=LONDON),
        sender="Safeguarding Partnership <learning@example.org>",
        reply_to="Learning Team <learning-team@example.org>",
        lists=("all-practitioners", "schools"),
        intro="This week: two themes that often appear together.\n\nRead it in five minutes.",
        introduction=None,
        themes=(DOMESTIC_ABUSE, WRITTEN_AGREEMENTS),
        questions=(
            "How do we ask about domestic abuse when both parents are present?",
            "When did we last rely on a written agreement, and what else was in place?",
        ),
        next_issue=NextIssue(
            title="Adolescents, mental health and suicide",
            send_at=datetime(2027, 4, 20, 9, 30, tzinfo=LONDON),
        ),
        slug="02-domestic-abuse",
    )
    values.update(changes)
    return Digest(**values)


def opening_digest() -> Digest:
    return make_digest(
        number=1,
        title="Optimistic thinking",
        subject="Part 1 of 6: Optimistic thinking",
        introduction=INTRODUCTION,
        themes=(WRITTEN_AGREEMENTS,),
        slug="01-optimistic-thinking",
    )


SAMPLE_FIELDS = {
    "recipient_name": "Sam Sample",
    "list_name": "All practitioners",
    "unsubscribe_url": "https://briefcast.example.org/u/token-1?a=1&b=2",
    "acknowledge_url": "https://briefcast.example.org/a/token-1",
    "web_view_url": "https://briefcast.example.org/v/token-1",
}
