"""briefcast/links.py: the link scheme, the fields' fallbacks and the List-Unsubscribe mailto."""

from __future__ import annotations

from briefcast.links import (
    FIELDS,
    NAMELESS,
    PLACEHOLDER,
    SAMPLE_NAME,
    SAMPLE_TOKEN,
    PersonalFields,
    Purpose,
    archive_fields,
    archive_issue_route,
    link,
    route,
    sample_fields,
    unknown_fields,
)

BASE = "https://briefings.example.org/learning/"


def numbered_token(purpose: Purpose, target_id: int) -> str:
    return f"{purpose.value}-{target_id}"


def test_a_readers_fields_carry_their_name_list_and_own_links():
    fields = PersonalFields(BASE, numbered_token).fields(
        7, name="Ann Example", list_name="Health", campaign_title="Learning from reviews"
    )
    assert fields == {
        "recipient_name": "Ann Example",
        "list_name": "Health",
        "unsubscribe_url": "https://briefings.example.org/learning/u/unsubscribe-7",
        "acknowledge_url": "https://briefings.example.org/learning/a/acknowledge-7",
        "web_view_url": "https://briefings.example.org/learning/v/view-7",
    }
    assert set(fields) == set(FIELDS)


def test_no_name_is_colleague_and_a_deleted_list_is_the_campaign_title():
    fields = PersonalFields(BASE, numbered_token).fields(
        7, name=None, list_name=None, campaign_title="Learning from reviews"
    )
    assert fields["recipient_name"] == NAMELESS == "colleague"
    assert fields["list_name"] == "Learning from reviews"
    empty = PersonalFields(BASE, numbered_token).fields(
        7, name="", list_name="", campaign_title="Learning from reviews"
    )
    assert (empty["recipient_name"], empty["list_name"]) == ("colleague", "Learning from reviews")


def test_the_archive_link_names_the_campaign():
    fields = PersonalFields(BASE, numbered_token)
    assert fields.url(Purpose.ARCHIVE, 3) == f"{BASE}archive/archive-3"
    assert link(BASE, Purpose.ARCHIVE, "t") == "https://briefings.example.org/learning/archive/t"


def test_the_sample_reader_is_on_the_first_list_with_links_no_reader_has():
    fields = sample_fields(
        BASE, lists=("children-social-care", "police"), campaign_title="Learning from reviews"
    )
    assert fields["recipient_name"] == SAMPLE_NAME
    assert fields["list_name"] == "children social care"
    assert fields["unsubscribe_url"] == f"{BASE}u/{SAMPLE_TOKEN}"
    named = sample_fields(BASE, lists=(), campaign_title="Learning from reviews", name="Test")
    assert (named["recipient_name"], named["list_name"]) == ("Test", "Learning from reviews")


def test_an_archived_issue_has_nobodys_name_and_links_back_to_the_archive():
    fields = archive_fields(f"{BASE}archive/t", 2)
    assert fields["recipient_name"] == NAMELESS
    assert fields["unsubscribe_url"] == fields["acknowledge_url"] == f"{BASE}archive/t"
    assert fields["web_view_url"] == f"{BASE}archive/t/2"
    assert set(fields) == set(FIELDS)


def test_routes_are_the_links_paths():
    assert route(Purpose.UNSUBSCRIBE) == "/u/{token}"
    assert route(Purpose.ARCHIVE) == "/archive/{token}"
    assert archive_issue_route() == "/archive/{token}/{number:int}"


def test_the_one_placeholder_pattern_and_unknown_names():
    found = [match[1] for match in PLACEHOLDER.finditer("[[list_name]] [[link2]] [[Name]] [[ a ]]")]
    assert found == ["list_name", "link2"]
    assert unknown_fields(["link2", "list_name", "first_name", "link2"]) == ["first_name", "link2"]
