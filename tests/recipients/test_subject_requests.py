"""Suppression scopes, subject access exports and erasure (then re-import), on both databases."""

import pytest
from ledger_rows import (
    CAMPAIGN,
    add_acknowledgement,
    add_campaign,
    add_delivery,
    add_issue,
    database_contents,
)
from sqlalchemy import select, update

from briefcast.errors import BriefcastError
from briefcast.recipients import (
    export_person,
    forget,
    import_list,
    show_list,
    suppress,
    unsuppress,
)
from briefcast.store.schema import acknowledgements, deliveries, recipients
from briefcast.store.schema import lists as tables

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


REFLECTION = "Ann here: I will ask who else lives in the house"
BOUNCE = "550 5.1.1 <ann.ash@example.org>: Recipient address rejected"


@pytest.fixture
def history(lists):
    """Two issues sent to Ann through the police list (one failed), one acknowledged; one to Bo."""
    with lists.begin() as conn:
        ids = dict(conn.execute(select(recipients.c.address, recipients.c.id)).all())
        police = conn.execute(select(tables.c.id).where(tables.c.slug == "police")).scalar_one()
        campaign = add_campaign(conn)
        first, second = add_issue(conn, campaign, 1), add_issue(conn, campaign, 2)
        read = add_delivery(conn, first, ids["ann.ash@example.org"], police)
        failed = add_delivery(conn, second, ids["ann.ash@example.org"], police, status="failed")
        conn.execute(update(deliveries).where(deliveries.c.id == failed).values(last_error=BOUNCE))
        add_acknowledgement(conn, read, REFLECTION)
        add_delivery(conn, first, ids["bo@example.net"], police)
    return lists


def test_subject_access_export_holds_what_was_sent_and_acknowledged(history):
    data = export_person(history, "ann.ash@example.org")
    sent = [
        (s["campaign"], s["issue_number"], s["subject"], s["list_slug"], s["status"], s["attempts"])
        for s in data["sent"]
    ]
    assert sent == [
        (CAMPAIGN, 1, "Part 1: Domestic abuse and written agreements", "police", "sent", 1),
        (CAMPAIGN, 2, "Part 2: Domestic abuse and written agreements", "police", "failed", 1),
    ]
    assert data["sent"][0]["message_id"].endswith("@example.org>")
    assert data["sent"][1]["last_error"] == BOUNCE
    assert set(data["sent"][0]) >= {"list_name", "sent_at"}
    (acknowledged,) = data["acknowledgements"]
    assert (acknowledged["issue_number"], acknowledged["reflection"]) == (1, REFLECTION)
    assert acknowledged["acknowledged_at"] is not None
    assert [s["issue_number"] for s in export_person(history, "bo@example.net")["sent"]] == [1]


def test_forget_leaves_the_ledger_and_acknowledgements_anonymous(history):
    report = forget(history, "ann.ash@example.org")
    assert (report.deliveries_anonymised, report.acknowledgements_anonymised) == (2, 1)
    with history.connect() as conn:
        ledger = conn.execute(
            select(
                deliveries.c.recipient_id, deliveries.c.status, deliveries.c.last_error
            ).order_by(deliveries.c.id)
        ).all()
        acknowledged = conn.execute(
            select(acknowledgements.c.recipient_id, acknowledgements.c.reflection)
        ).all()
        bo = conn.execute(
            select(recipients.c.id).where(recipients.c.address == "bo@example.net")
        ).scalar_one()
    # The rows stay, so a report still counts them, but nothing leads back to her.
    assert ledger == [(None, "sent", None), (None, "failed", None), (bo, "sent", None)]
    assert acknowledged == [(None, None)]
    everything = repr(database_contents(history))
    for personal in ("ann.ash@example.org", REFLECTION, "Ann"):
        assert personal not in everything
    assert export_person(history, "ann.ash@example.org")["sent"] == []
