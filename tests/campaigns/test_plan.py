"""Planning a series: checking a campaign against its briefing, assembling digests, drafting one."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from briefcast.campaigns.briefing import read_briefing
from briefcast.campaigns.draft import draft_campaign
from briefcast.campaigns.model import Briefing, Figure, IssuePlan, Section, Theme, slugify
from briefcast.campaigns.plan import (
    CampaignFileError,
    Problem,
    assemble,
    check_campaign,
    load_campaign,
    unwritten_texts,
)
from briefcast.campaigns.titles import issue_title, sentence_case

EXAMPLE = Path(__file__).parents[2] / "examples" / "national-panel-2020" / "campaign.yaml"
TODAY = date(2026, 11, 26)
LONDON = ZoneInfo("Europe/London")

# The seed briefing's themes and roughly their lengths in words.
SEED_THEMES = {
    "Optimistic thinking": 99,
    "Information sharing, risk assessment and decision making": 107,
    "Children returned home post court proceedings": 70,
    "Adults with a history of offending": 89,
    "Domestic Abuse": 107,
    "Adolescents, Mental Health and Suicide": 118,
    "Including Men": 95,
    "Health Plans for Children": 49,
    "Children educated at home": 71,
    "Written agreements": 145,
    "Resolving professional disputes": 58,
}


def make_theme(title: str, words: int) -> Theme:
    opening = f"this is what the panel found about {title.lower()}."
    filler = " ".join(["practice"] * (words - len(opening.split())))
    return Theme(slug=slugify(title), title=title, paragraphs=(opening, filler))


def make_briefing(themes: dict[str, int] = SEED_THEMES) -> Briefing:
    introduction = Section(
        title="Introduction",
        paragraphs=("There were 538 rapid reviews.",),
        figures=(Figure("538", "There were 538 rapid reviews."),),
    )
    return Briefing(
        title="National Panel Annual report",
        sections=(introduction,),
        themes=tuple(make_theme(title, words) for title, words in themes.items()),
    )


BRIEFING = make_briefing({"Domestic Abuse": 100, "Written agreements": 100, "Including Men": 100})

# Line numbers in the messages below count from the first line of this text.
CAMPAIGN = """\
title: Learning from reviews
partnership: Example Partnership
briefing: briefing.txt
sender: Example Partnership <learning@example.org>
lists: [police, health]
schedule:
  start: 2027-04-13
issues:
  - themes: [including-men]
  - themes:
      - domestic-abuse
      - written-agreements
"""


def write(tmp_path: Path, text: str, name: str = "campaign.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str = CAMPAIGN):
    return load_campaign(write(tmp_path, text))


def problems(tmp_path: Path, text: str = CAMPAIGN, briefing: Briefing = BRIEFING) -> list[str]:
    return [str(p) for p in check_campaign(load(tmp_path, text), briefing, today=TODAY)]


# -- the example ---------------------------------------------------------------------------------


def test_the_example_loads_and_checks_clean():
    campaign = load_campaign(EXAMPLE)
    briefing = read_briefing(campaign.briefing_path)

    assert check_campaign(campaign, briefing, today=TODAY) == []
    assert campaign.name == "national-panel-2020"
    assert len(campaign.lists) == 6


def test_the_example_covers_all_eleven_themes_weekly_on_tuesdays_at_0930():
    campaign = load_campaign(EXAMPLE)
    digests = assemble(campaign, read_briefing(campaign.briefing_path))

    covered = [theme.slug for digest in digests for theme in digest.themes]
    assert sorted(covered) == sorted(slugify(title) for title in SEED_THEMES)
    assert all(digest.send_at.strftime("%A %H:%M") == "Tuesday 09:30" for digest in digests)
    assert all(digest.questions and digest.intro for digest in digests)
    assert digests[1].title == "Domestic abuse and written agreements"


# -- loading -------------------------------------------------------------------------------------


def test_a_campaign_file_becomes_a_campaign(tmp_path):
    campaign = load(tmp_path)

    assert campaign.name == "campaign"
    assert campaign.briefing_path == tmp_path / "briefing.txt"
    assert campaign.lists == ("police", "health")
    assert campaign.schedule.send_time == time(9, 30)
    assert campaign.schedule.timezone == "Europe/London"
    assert [issue.themes for issue in campaign.issues] == [
        ("including-men",),
        ("domestic-abuse", "written-agreements"),
    ]
    assert campaign.source_lines["issues[2].themes[2]"] == 12


def test_an_issue_can_set_everything(tmp_path):
    campaign = load(
        tmp_path,
        CAMPAIGN
        + """\
    title: Agreements
    subject: "Part 2: agreements"
    intro: Written agreements rarely protect.
    questions:
      - Do we use them?
    include_introduction: yes
    extra_lists: [education]
    exclude_lists: [police]
    send_at: 2027-04-21 08:00
""",
    )
    issue = campaign.issues[1]
    assert (issue.title, issue.subject, issue.intro) == (
        "Agreements",
        "Part 2: agreements",
        "Written agreements rarely protect.",
    )
    assert issue.questions == ("Do we use them?",)
    assert issue.include_introduction is True
    assert (issue.extra_lists, issue.exclude_lists) == (("education",), ("police",))
    assert issue.send_at == datetime(2027, 4, 21, 8, 0, tzinfo=LONDON)


def test_a_send_time_written_without_a_leading_zero_is_a_time_not_a_number(tmp_path):
    # Unquoted, YAML 1.1 reads 9:30 as the base-60 number 570.
    campaign = load(
        tmp_path, CAMPAIGN.replace("  start: 2027-04-13\n", "  start: 2027-04-13\n  time: 9:30\n")
    )
    assert campaign.schedule.send_time == time(9, 30)


def test_a_name_in_the_file_wins_over_the_file_name(tmp_path):
    assert load(tmp_path, "name: spring-series\n" + CAMPAIGN).name == "spring-series"


def test_blackouts_and_explicit_dates(tmp_path):
    text = CAMPAIGN.replace(
        "  start: 2027-04-13\n",
        "  dates: [2027-04-13, 2027-04-27]\n"
        "  blackout:\n"
        "    - {from: 2027-04-19, to: 2027-04-23, reason: Easter}\n"
        "    - from: 2027-05-03\n",
    )
    schedule = load(tmp_path, text).schedule
    assert schedule.dates == (date(2027, 4, 13), date(2027, 4, 27))
    assert schedule.start == date(2027, 4, 13)
    assert schedule.blackouts == (
        (date(2027, 4, 19), date(2027, 4, 23)),
        (date(2027, 5, 3), date(2027, 5, 3)),
    )


SCHEDULE = "  start: 2027-04-13\n"


@pytest.mark.parametrize(
    "old,new,expected",
    [
        ("lists:", "colour: blue\nlists:", ":5: the campaign file: unknown key 'colour'"),
        (
            SCHEDULE,
            SCHEDULE + "  skip_weekend: no\n",
            ":8: schedule: unknown key 'skip_weekend' (did you mean 'skip_weekends'?)",
        ),
        (
            "  - themes: [including-men]\n",
            "  - themes: [including-men]\n    subjcet: Men\n",
            ":10: issues[1]: unknown key 'subjcet' (did you mean 'subject'?)",
        ),
        (
            "sender: Example Partnership <learning@example.org>\n",
            "",
            ":1: the campaign file: missing key 'sender'",
        ),
        (
            "title: Learning from reviews",
            "title: [Learning, reviews]",
            ":1: title: expected text, found a list",
        ),
        ("title: Learning from reviews", "title:", ":1: the campaign file: missing key 'title'"),
        (
            "schedule:\n" + SCHEDULE,
            "schedule: 2027-04-13\n",
            ":6: schedule: expected keys such as start, every",
        ),
        (
            SCHEDULE,
            SCHEDULE + "  timezone: Europe/Londn\n",
            ":8: schedule.timezone: 'Europe/Londn' is not a time zone (did you mean 'Europe/London",
        ),
        (
            SCHEDULE,
            "  start: 13/04/2027\n",
            ":7: schedule.start: '13/04/2027' is not a date; write it as YYYY-MM-DD",
        ),
        (
            SCHEDULE,
            SCHEDULE + "  time: half past nine\n",
            ":8: schedule.time: 'half past nine' is not a time of day",
        ),
        (
            SCHEDULE,
            SCHEDULE + "  every: monthly\n",
            ":8: schedule.every: 'monthly' is not a cadence",
        ),
        (
            SCHEDULE,
            SCHEDULE + "  dates: [2027-04-13]\n",
            ":6: schedule: give either start and every, or a list of dates",
        ),
        (SCHEDULE, "  every: 1w\n", ":6: schedule: missing key 'start' (the first send date"),
        (SCHEDULE, "  dates: [2027-04-13]\n", ":7: schedule.dates: 1 date(s) for 2 issue(s)"),
        (
            SCHEDULE,
            "  dates: [2027-04-20, 2027-04-13]\n",
            ":7: schedule.dates: 2027-04-13 is not after 2027-04-20",
        ),
        (
            SCHEDULE,
            SCHEDULE + "  skip_weekends: maybe\n",
            ":8: schedule.skip_weekends: expected true or false, found 'maybe'",
        ),
        (
            SCHEDULE,
            SCHEDULE + "  blackout: [{from: 2027-05-02, to: 2027-05-01}]\n",
            ":8: schedule.blackout[1]: 'to' (2027-05-01) is before 'from' (2027-05-02)",
        ),
        (
            "lists: [police, health]",
            "lists: [police, health]\nlists: [education]",
            ":6: the campaign file: the key 'lists' is given twice",
        ),
        (
            "lists: [police, health]",
            "lists: [Police Team]",
            ":5: lists: 'Police Team' is not a list name",
        ),
        (
            "sender: Example Partnership <learning@example.org>",
            "sender: Example Partnership",
            ":4: sender: 'Example Partnership' is not an email address",
        ),
        (
            "  - themes: [including-men]\n",
            "  - themes: []\n",
            ":9: issues[1].themes: list at least one theme slug",
        ),
        (
            "  - themes: [including-men]\n",
            "  - themes: [including-men]\n    send_at: next tuesday\n",
            ":10: issues[1].send_at: 'next tuesday' is not a date and time",
        ),
        ("title: Learning from reviews", "title: [unclosed", ":2: not valid YAML"),
    ],
)
def test_mistakes_are_reported_with_file_and_line(tmp_path, old, new, expected):
    assert old in CAMPAIGN
    with pytest.raises(CampaignFileError) as raised:
        load(tmp_path, CAMPAIGN.replace(old, new))
    assert str(raised.value).startswith(f"{tmp_path / 'campaign.yaml'}{expected}")


def test_an_empty_issue_list_is_an_error(tmp_path):
    text = CAMPAIGN.split("issues:")[0] + "issues: []\n"
    with pytest.raises(CampaignFileError, match=r":8: issues: the list is empty"):
        load(tmp_path, text)


@pytest.mark.parametrize("text", ["", "# only a comment\n"])
def test_an_empty_file_is_an_error(tmp_path, text):
    with pytest.raises(CampaignFileError, match=r"campaign.yaml:1: the campaign file is empty"):
        load(tmp_path, text)


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(CampaignFileError, match="cannot read the campaign file"):
        load_campaign(tmp_path / "missing.yaml")


# -- checking ------------------------------------------------------------------------------------


def test_a_good_campaign_has_no_problems(tmp_path):
    assert problems(tmp_path) == []


def test_an_unknown_theme_is_an_error_suggesting_the_closest(tmp_path):
    where = tmp_path / "campaign.yaml"
    found = problems(tmp_path, CAMPAIGN.replace("- written-agreements", "- writen-agreements"))
    assert (
        f"{where}:12: error: unknown theme 'writen-agreements' (did you mean 'written-agreements'?)"
        in found
    )


def test_a_theme_used_twice_is_an_error_on_its_second_use(tmp_path):
    where = tmp_path / "campaign.yaml"
    found = problems(tmp_path, CAMPAIGN.replace("- written-agreements", "- including-men"))
    assert f"{where}:12: error: theme 'including-men' is already in issue 1" in found


def test_a_theme_left_out_is_a_warning(tmp_path):
    where = tmp_path / "campaign.yaml"
    found = problems(tmp_path, CAMPAIGN.replace("      - written-agreements\n", ""))
    assert found == [
        f"{where}:8: warning: theme 'written-agreements' (Written agreements) is in no issue"
    ]


def test_dates_in_the_past_are_errors(tmp_path):
    where = tmp_path / "campaign.yaml"
    found = problems(tmp_path, CAMPAIGN.replace("2027-04-13", "2026-11-17"))
    assert found == [
        f"{where}:7: error: issues 1 and 2 would be sent in the past (the first on 2026-11-17); "
        "move the schedule to future dates"
    ]


def test_an_explicit_send_time_in_the_past_or_out_of_hours_is_reported(tmp_path):
    where = tmp_path / "campaign.yaml"
    text = CAMPAIGN.replace(
        "  - themes: [including-men]\n",
        "  - themes: [including-men]\n    send_at: 2026-11-02 21:00\n",
    )
    assert problems(tmp_path, text) == [
        f"{where}:10: error: issue 1 is due on 2026-11-02, in the past",
        f"{where}:10: warning: send time 21:00 is outside 07:00–19:00, when few people read email",
    ]


def test_a_send_time_outside_working_hours_is_a_warning(tmp_path):
    where = tmp_path / "campaign.yaml"
    found = problems(tmp_path, CAMPAIGN.replace(SCHEDULE, SCHEDULE + '  time: "06:45"\n'))
    assert found == [
        f"{where}:8: warning: send time 06:45 is outside 07:00–19:00, when few people read email"
    ]


def test_a_long_issue_is_a_warning(tmp_path):
    briefing = make_briefing(
        {"Domestic Abuse": 400, "Written agreements": 300, "Including Men": 100}
    )
    found = problems(tmp_path, briefing=briefing)
    assert found == [
        f"{tmp_path / 'campaign.yaml'}:10: warning: issue 2 has 700 words of theme text (over 600, "
        "about three minutes' reading); consider moving a theme to another issue"
    ]


def test_an_invalid_time_zone_is_an_error(tmp_path):
    campaign = load(tmp_path)
    broken = dataclasses.replace(
        campaign, schedule=dataclasses.replace(campaign.schedule, timezone="Mars/Olympus")
    )
    (problem,) = check_campaign(broken, BRIEFING, today=TODAY)
    assert problem.level == "error"
    assert problem.where == f"{tmp_path / 'campaign.yaml'}:6"
    assert "Mars/Olympus" in problem.message


def test_excluding_a_list_the_campaign_does_not_use_is_a_warning(tmp_path):
    text = CAMPAIGN.replace(
        "  - themes: [including-men]\n",
        "  - themes: [including-men]\n    exclude_lists: [education]\n",
    )
    where = tmp_path / "campaign.yaml"
    assert problems(tmp_path, text) == [
        f"{where}:10: warning: list 'education' is not one of the campaign's lists"
    ]


def test_problems_read_as_where_level_message():
    assert (
        str(Problem("warning", "c.yaml:3", "theme 'x' is in no issue"))
        == "c.yaml:3: warning: theme 'x' is in no issue"
    )


# -- assembling ----------------------------------------------------------------------------------


def test_each_issue_becomes_a_digest(tmp_path):
    first, second = assemble(load(tmp_path), BRIEFING)

    assert (second.number, second.total) == (2, 2)
    assert second.title == "Domestic abuse and written agreements"
    assert second.subject == "Part 2 of 2: Domestic abuse and written agreements"
    assert second.slug == "02-domestic-abuse-and-written-agreements"
    assert [theme.slug for theme in second.themes] == ["domestic-abuse", "written-agreements"]
    # Its theme text starts mid-sentence ("this is what ..."), which `plan` never drafts as a
    # preview line either, and the issue has no intro: no preview rather than a made-up one.
    assert second.preheader == ""
    assert second.lists == ("police", "health")
    assert second.send_at == datetime(2027, 4, 20, 9, 30, tzinfo=LONDON)
    assert second.next_issue is None
    assert first.title == "Including men"
    assert first.next_issue.title == second.title
    assert first.next_issue.send_at == second.send_at
    assert first.introduction is None
    assert (first.campaign, first.series_title, first.partnership) == (
        "campaign",
        "Learning from reviews",
        "Example Partnership",
    )


def test_what_an_issue_sets_wins(tmp_path):
    text = CAMPAIGN.replace(
        "  - themes: [including-men]\n",
        "  - themes: [including-men]\n"
        "    title: Fathers matter\n"
        "    subject: Where are the men?\n"
        "    intro: Men are too often invisible in our assessments, even as carers.\n"
        "    include_introduction: true\n"
        "    extra_lists: [education, police]\n"
        "    exclude_lists: [health]\n"
        "    send_at: 2027-04-14\n",
    )
    first, second = assemble(load(tmp_path, text), BRIEFING)

    assert (first.title, first.subject) == ("Fathers matter", "Where are the men?")
    assert first.preheader == "Men are too often invisible in our assessments, even as carers."
    assert first.introduction == BRIEFING.introduction
    assert first.lists == ("police", "education")
    assert first.send_at == datetime(2027, 4, 14, 9, 30, tzinfo=LONDON)
    assert first.slug == "01-fathers-matter"
    assert second.send_at == datetime(2027, 4, 20, 9, 30, tzinfo=LONDON)


def test_a_preheader_is_a_whole_sentence_never_one_cut_short():
    long_sentence = "Word " + "word " * 40
    paragraph = long_sentence.strip() + ". Short ones are kept whole."
    campaign_theme = Theme("long", "Long", (paragraph,))
    briefing = Briefing("B", (), (campaign_theme,))
    (digest,) = assemble(load_campaign_from_issue_themes(briefing), briefing)
    assert digest.preheader == "Short ones are kept whole."


def test_no_sentence_that_fits_leaves_the_preheader_empty():
    campaign_theme = Theme("long", "Long", ("Word " + "word " * 40 + "end.",))
    briefing = Briefing("B", (), (campaign_theme,))
    (digest,) = assemble(load_campaign_from_issue_themes(briefing), briefing)
    assert digest.preheader == ""


def test_the_first_intro_sentence_that_fits_is_the_preheader(tmp_path):
    intro = "A very long opening sentence " + "that goes on " * 10 + "and on. Then a short one."
    campaign = dataclasses.replace(
        load_campaign_from_issue_themes(BRIEFING),
        issues=(IssuePlan(number=1, themes=("including-men",), intro=intro),),
    )
    (digest,) = assemble(campaign, BRIEFING)
    assert digest.preheader == "Then a short one."


def load_campaign_from_issue_themes(briefing: Briefing):
    from briefcast.campaigns.model import Campaign, IssuePlan, Schedule

    return Campaign(
        name="hand-built",
        title="T",
        partnership="P",
        briefing_path=Path("b.txt"),
        sender="P <p@example.org>",
        reply_to=None,
        lists=("police",),
        schedule=Schedule(start=date(2027, 4, 13)),
        issues=(IssuePlan(number=1, themes=tuple(t.slug for t in briefing.themes)),),
    )


def test_assembling_an_unknown_theme_raises_with_the_line(tmp_path):
    with pytest.raises(CampaignFileError, match=r"campaign.yaml:9: unknown theme 'including-mne'"):
        assemble(load(tmp_path, CAMPAIGN.replace("[including-men]", "[including-mne]")), BRIEFING)


@pytest.mark.parametrize(
    "titles,expected",
    [
        (["Domestic Abuse"], "Domestic abuse"),
        (["Domestic Abuse", "Written agreements"], "Domestic abuse and written agreements"),
        (
            ["Including Men", "Health Plans for Children", "MAPPA Reviews"],
            "Including men, health plans for children and MAPPA reviews",
        ),
        (
            ["Children educated at home", "Working with Ofsted inspectors"],
            "Children educated at home and working with Ofsted inspectors",
        ),
    ],
)
def test_issue_titles_join_theme_titles_as_a_phrase(titles, expected):
    assert issue_title(titles) == expected


def test_sentence_case_keeps_acronyms_and_names():
    assert (
        sentence_case("Adolescents, Mental Health and Suicide")
        == "adolescents, mental health and suicide"
    )
    assert sentence_case("CP plans and the Panel's view") == "CP plans and the Panel's view"


# -- drafting ------------------------------------------------------------------------------------


@pytest.fixture
def drafted(tmp_path):
    briefing = make_briefing()
    text = draft_campaign(
        briefing, Path("briefing.txt"), start=date(2027, 4, 13), lists=["police", "health"]
    )
    return briefing, text, load_campaign(write(tmp_path, text, "draft.yaml"))


def test_a_draft_checks_clean_once_its_unwritten_lines_are_written(drafted, tmp_path):
    briefing, text, campaign = drafted
    found = check_campaign(campaign, briefing, today=TODAY)
    unwritten = [
        (n, match[1])
        for n, line in enumerate(text.splitlines(), 1)
        if (match := re.search(r'"(TODO: write [^"]*)"', line))
    ]
    assert unwritten  # make_briefing has no questions and no intro: a person writes them

    def expected(n: int, todo: str) -> str:
        issue = _issue_at(text, n)  # 0: the series' own (who it is from), above the issues
        where = f"issue {issue}: " if issue else ""
        return f"{campaign.source}:{n}: error: {where}{todo!r} is still to be written"

    assert [str(p) for p in found] == [expected(n, todo) for n, todo in unwritten]
    sender = '"Northbridge Safeguarding Partnership <learning@example.org>"'
    written = re.sub(r'^sender: "TODO: write [^"]*"', f"sender: {sender}", text, flags=re.M)
    written = re.sub(r'"TODO: write [^"]*"', '"What will your team do next?"', written)
    assert check_campaign(load_campaign(write(tmp_path, written)), briefing, today=TODAY) == []


def test_the_unwritten_texts_are_listed_by_issue_and_key(drafted):
    briefing, text, campaign = drafted
    found = unwritten_texts(campaign)
    markers = re.findall(r'"(TODO: write [^"]*)"', text)
    assert sorted(item.text for item in found) == sorted(markers)
    series = [item for item in found if item.number is None]
    assert [(item.key, item.text) for item in series] == [
        ("partnership", campaign.partnership),  # a draft never makes up who it is from
        ("sender", campaign.sender),
    ]
    for item in found:
        if item.number is None:
            continue
        issue = campaign.issues[item.number - 1]
        key, _, position = item.key.partition("[")
        value = issue.questions[int(position[:-1]) - 1] if position else getattr(issue, key)
        assert value == item.text
    # A page that lists them at their fields asks for the other problems only.
    assert check_campaign(campaign, briefing, today=TODAY, unwritten=False) == []


def _issue_at(text: str, line: int) -> int:
    """The number of the issue a line of a drafted file belongs to."""
    return sum(row.startswith("  - themes:") for row in text.splitlines()[:line])


def test_a_draft_opens_with_the_introduction_and_the_first_theme(drafted):
    briefing, _, campaign = drafted
    opening = campaign.issues[0]
    assert opening.include_introduction
    assert opening.themes == (briefing.themes[0].slug,)
    assert not any(issue.include_introduction for issue in campaign.issues[1:])


def test_a_draft_covers_every_theme_once_in_document_order(drafted):
    briefing, _, campaign = drafted
    placed = [slug for issue in campaign.issues for slug in issue.themes]
    assert placed == [theme.slug for theme in briefing.themes]


def test_a_draft_keeps_each_issue_to_a_few_minutes_reading(drafted):
    briefing, _, campaign = drafted
    for issue in campaign.issues:
        words = sum(briefing.theme(slug).word_count for slug in issue.themes)
        assert words <= 450
    assert len(campaign.issues) == 4  # 99 | 107+70+89+107 | 118+95+49+71 | 145+58


def test_a_draft_has_subjects_questions_and_dates(drafted):
    briefing, text, campaign = drafted
    assert all(
        issue.subject and issue.subject.startswith(f"Part {issue.number} of 4: ")
        for issue in campaign.issues
    )
    assert all(1 <= len(issue.questions) <= 2 for issue in campaign.issues)
    assert "# Part 2: Tuesday 20 April 2027 at 09:30" in text
    assert campaign.lists == ("police", "health")
    assert campaign.schedule == campaign.schedule.__class__(start=date(2027, 4, 13))
    digests = assemble(campaign, briefing)
    assert [d.send_at.date() for d in digests] == [
        date(2027, 4, 13) + timedelta(weeks=n) for n in range(4)
    ]


def test_a_draft_quotes_awkward_text_and_keeps_the_name(tmp_path):
    briefing = dataclasses.replace(make_briefing(), title='Review: "what we learned" #1')
    text = draft_campaign(
        briefing,
        Path("../briefings/review.md"),
        start=date(2027, 4, 13),
        every_days=14,
        name="spring",
    )
    campaign = load_campaign(write(tmp_path, text))

    assert campaign.title == 'Review: "what we learned" #1'
    assert campaign.name == "spring"
    assert campaign.briefing_path == tmp_path / "../briefings/review.md"
    assert campaign.schedule.every_days == 14
    assert yaml.safe_load(text)["title"] == campaign.title  # any YAML reader agrees


def test_a_draft_without_lists_loads_and_warns(tmp_path):
    briefing = make_briefing()
    text = draft_campaign(briefing, Path("briefing.txt"), start=date(2027, 4, 13))
    found = check_campaign(load_campaign(write(tmp_path, text)), briefing, today=TODAY)
    warnings = [problem for problem in found if problem.level == "warning"]
    assert warnings and all("no lists" in problem.message for problem in warnings)
    assert all("still to be written" in p.message for p in found if p.level == "error")


def test_a_theme_longer_than_an_issue_gets_an_issue_of_its_own():
    briefing = make_briefing({"Opening": 50, "Long": 500, "Short": 50, "Shorter": 40})
    text = draft_campaign(briefing, Path("b.txt"), start=date(2027, 4, 13))
    themes = [issue["themes"] for issue in yaml.safe_load(text)["issues"]]
    assert themes == [["opening"], ["long"], ["short", "shorter"]]


def test_the_documented_example_loads_and_only_misses_the_themes_it_leaves_out(tmp_path):
    docs = Path(__file__).parents[2] / "docs" / "campaign-file.md"
    text = docs.read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]
    campaign = load(
        tmp_path, text.replace("briefing: briefing.txt", f"briefing: {EXAMPLE.parent}/briefing.txt")
    )
    found = check_campaign(campaign, read_briefing(campaign.briefing_path), today=TODAY)

    assert {problem.level for problem in found} == {"warning"}
    assert all("is in no issue" in problem.message for problem in found)
    assert campaign.issues[2].send_at == datetime(2027, 4, 28, 10, 0, tzinfo=LONDON)


def test_too_few_explicit_dates_in_a_hand_built_campaign(tmp_path):
    campaign = load(tmp_path)
    one_date = dataclasses.replace(campaign.schedule, dates=(date(2027, 4, 13),))
    broken = dataclasses.replace(campaign, schedule=one_date)

    (problem,) = check_campaign(broken, BRIEFING, today=TODAY)
    assert str(problem) == (
        f"{tmp_path / 'campaign.yaml'}:6: error: cannot work out send dates: "
        "the schedule lists 1 date(s) but 2 are needed"
    )
    with pytest.raises(CampaignFileError, match=r"campaign\.yaml:6: cannot work out send dates"):
        assemble(broken, BRIEFING)
