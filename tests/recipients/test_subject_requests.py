"""Suppression scopes, subject access exports and erasure (then re-import), on both databases."""

import pytest

from briefcast.errors import BriefcastError
from briefcast.recipients import (
    export_person,
    forget,
    import_list,
    show_list,
    suppress,
    unsuppress,
)

PEOPLE = "Email,First name,Surname,Team\nann.ash@example.org,Ann,Ash,North\nbo@example.net,Bo,B,\n"


@pytest.fixture
def lists(engine, write_csv):
    import_list(engine, write_csv(PEOPLE), "police", actor="admin one")
    import_list(engine, write_csv(PEOPLE, "h.csv"), "health", actor="admin two")
    return engine


def suppressed(engine, slug):
    return [m.address for m in show_list(engine, slug).members if m.suppressed]


def test_suppression_on_one_list_or_all(lists):
    suppress(lists, "Ann.Ash@example.org", "unsubscribed", list_slug="police")
    assert suppressed(lists, "police") == ["ann.ash@example.org"]
    assert suppressed(lists, "health") == []
    suppress(lists, "bo@example.net", "bounced")
    assert suppressed(lists, "health") == ["bo@example.net"]


def test_suppressing_twice_is_harmless_and_unsuppress_needs_the_same_scope(lists):
    _, new = suppress(lists, "bo@example.net", "manual")
    again, new_again = suppress(lists, "bo@example.net", "bounced")
    assert (new, new_again, again.reason) == (True, False, "manual")
    with pytest.raises(BriefcastError, match="not suppressed on 'police'; it is suppressed on all"):
        unsuppress(lists, "bo@example.net", "police")
    unsuppress(lists, "bo@example.net")
    assert suppressed(lists, "police") == []


def test_suppression_before_import_is_honoured(engine, write_csv):
    suppress(engine, "bo@example.net", "complained")
    assert import_list(engine, write_csv(PEOPLE), "police").counts.suppressed == 1


@pytest.mark.parametrize("reason", ["erased", "bored"])
def test_unknown_or_reserved_reasons_are_refused(lists, reason):
    with pytest.raises(BriefcastError, match="unknown reason"):
        suppress(lists, "bo@example.net", reason)


def test_subject_access_export_holds_everything(lists):
    suppress(lists, "ann.ash@example.org", "unsubscribed", list_slug="police", actor="the link")
    data = export_person(lists, " ANN.ASH@example.org ")
    assert data["address"] == "ann.ash@example.org"
    assert data["recipient"]["name"] == "Ann Ash"
    assert data["recipient"]["attributes"] == {"Team": "North"}
    assert [(m["list_slug"], m["imported_by"]) for m in data["memberships"]] == [
        ("health", "admin two"), ("police", "admin one"),
    ]  # fmt: skip
    assert data["memberships"][0]["import_file"].endswith("h.csv")
    assert [(s["list_slug"], s["reason"], s["created_by"]) for s in data["suppressions"]] == [
        ("police", "unsubscribed", "the link")
    ]
    assert data["erased_at"] is None and data["sent"] == []


def test_forget_deletes_personal_data_and_keeps_only_a_hash(lists, write_csv):
    suppress(lists, "ann.ash@example.org", "bounced")
    report = forget(lists, "ann.ash@example.org")
    assert (report.had_record, report.memberships_removed, report.suppressions_removed) == (
        True, 2, 1,
    )  # fmt: skip
    data = export_person(lists, "ann.ash@example.org")
    assert data["recipient"] is None and data["memberships"] == data["suppressions"] == []
    assert data["erased_at"] is not None
    assert forget(lists, "ann.ash@example.org").already_erased
    # ...and a later import reports them instead of silently adding them back.
    counts = import_list(lists, write_csv(PEOPLE, "again.csv"), "police").counts
    assert (counts.erased, counts.unchanged, counts.added) == (1, 1, 0)
    assert [m.address for m in show_list(lists, "police").members] == ["bo@example.net"]


def test_hashes_are_salted_per_database_or_by_the_secret_key(lists, write_csv):
    forget(lists, "ann.ash@example.org", secret_key="k1")
    assert import_list(lists, write_csv(PEOPLE), "police", secret_key="k1").counts.erased == 1
    # A different key would no longer recognise the erased: refuse rather than re-add them.
    with pytest.raises(BriefcastError, match="BRIEFCAST_SECRET_KEY is not the one in use"):
        import_list(lists, write_csv(PEOPLE), "police", secret_key="k2")
    with pytest.raises(BriefcastError, match="BRIEFCAST_SECRET_KEY"):
        import_list(lists, write_csv(PEOPLE), "police")
