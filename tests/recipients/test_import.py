"""`lists import` on SQLite and PostgreSQL: merge, sync, dry run, suppression, erasure, rollback."""

import csv
from pathlib import Path

import pytest

from briefcast.recipients import (
    create_list,
    forget,
    import_list,
    import_lists_folder,
    show_list,
    suppress,
)
from briefcast.store import imports as store_imports

EXAMPLES = Path(__file__).parents[2] / "examples" / "national-panel-2020" / "lists"
POLICE = """Email,First name,Surname,Organisation
ann.ash@example.org,Ann,Ash,Police
bo.birch@example.org,Bo,Birch,Police
cy.cedar@example.net,Cy,Cedar,Police
"""


def members(engine, slug):
    return [m.address for m in show_list(engine, slug, limit=None).members]


def counts(report) -> dict:
    return {k: v for k, v in vars(report.counts).items() if v}


def test_first_import_creates_the_list_and_adds_everyone(engine, write_csv):
    report = import_list(engine, write_csv(POLICE), "police")
    assert report.list_created
    assert counts(report) == {"rows": 3, "added": 3}
    assert members(engine, "police") == [
        "ann.ash@example.org", "bo.birch@example.org", "cy.cedar@example.net",
    ]  # fmt: skip
    assert show_list(engine, "police").list.name == "Police"


def test_re_import_is_unchanged(engine, write_csv):
    path = write_csv(POLICE)
    import_list(engine, path, "police")
    assert counts(import_list(engine, path, "police")) == {"rows": 3, "unchanged": 3}


def test_every_row_counted_once(engine, write_csv):
    path = write_csv(POLICE + "ANN.ASH@example.org,Ann,Again,Police\nnot-an-address,X,Y,Z\n")
    suppress(engine, "bo.birch@example.org", "bounced")
    forget(engine, "cy.cedar@example.net")
    c = import_list(engine, path, "police").counts
    assert (c.added, c.suppressed, c.erased, c.duplicates, c.rejected) == (1, 1, 1, 1, 1)
    assert c.rows == c.added + c.unchanged + c.suppressed + c.rejected + c.erased + c.duplicates


def test_duplicates_in_file_and_across_lists_are_one_recipient(engine, write_csv):
    import_list(engine, write_csv(POLICE + "Ann.Ash@Example.org,Annie,Ash,Police\n"), "police")
    import_list(engine, write_csv("E-mail Address\nann.ash@example.org\n", "h.csv"), "health")
    assert members(engine, "police")[0] == members(engine, "health")[0] == "ann.ash@example.org"
    ann = show_list(engine, "health").members[0]
    assert ann.name == "Ann Ash"  # first row in a file wins; a file without names keeps them
    police_ann = show_list(engine, "police").members[0]
    assert police_ann.recipient_id == ann.recipient_id


def test_later_import_updates_names(engine, write_csv):
    import_list(engine, write_csv(POLICE), "police")
    import_list(engine, write_csv("Email,Name,Role\nann.ash@example.org,Ann Ash-Oak,DS\n"), "cid")
    ann = show_list(engine, "police").members[0]
    assert (ann.name, ann.organisation, ann.role) == ("Ann Ash-Oak", "Police", "DS")


def test_sync_removes_missing_members_from_this_list_only(engine, write_csv):
    import_list(engine, write_csv(POLICE), "police")
    import_list(engine, write_csv(POLICE, "copy.csv"), "health")
    smaller = write_csv("Email\nann.ash@example.org\ndee.dale@example.org\n", "new.csv")
    shown = []
    report = import_list(engine, smaller, "police", sync=True, on_diff=shown.append)
    assert shown == [report]
    assert counts(report) == {"rows": 2, "added": 1, "unchanged": 1, "removed": 2}
    assert report.added_sample == ("dee.dale@example.org",)
    assert report.removed_sample == ("bo.birch@example.org", "cy.cedar@example.net")
    assert members(engine, "police") == ["ann.ash@example.org", "dee.dale@example.org"]
    assert len(members(engine, "health")) == 3


def test_without_sync_nobody_is_removed(engine, write_csv):
    import_list(engine, write_csv(POLICE), "police")
    report = import_list(engine, write_csv("Email\nann.ash@example.org\n", "one.csv"), "police")
    assert report.counts.removed == 0
    assert len(members(engine, "police")) == 3


def test_dry_run_reports_the_diff_and_changes_nothing(engine, write_csv):
    import_list(engine, write_csv(POLICE), "police")
    smaller = write_csv("Email\nann.ash@example.org\ndee.dale@example.org\n", "new.csv")
    report = import_list(engine, smaller, "police", sync=True, dry_run=True)
    assert counts(report) == {"rows": 2, "added": 1, "unchanged": 1, "removed": 2}
    assert len(members(engine, "police")) == 3
    dry_new = import_list(engine, smaller, "education", dry_run=True)
    assert dry_new.list_created
    with pytest.raises(Exception, match="no list called 'education'"):
        show_list(engine, "education")


def test_suppressed_addresses_stay_suppressed_and_are_counted(engine, write_csv):
    create_list(engine, "police")
    suppress(engine, "ann.ash@example.org", "unsubscribed", list_slug="police")
    suppress(engine, "bo.birch@example.org", "complained")
    report = import_list(engine, write_csv(POLICE), "police")
    assert counts(report) == {"rows": 3, "added": 1, "suppressed": 2}
    detail = show_list(engine, "police")
    assert (detail.counts.members, detail.counts.suppressed) == (3, 2)
    assert [m.suppressed for m in detail.members] == [True, True, False]


def test_rejected_rows_go_to_a_report_beside_the_input(engine, write_csv):
    path = write_csv(POLICE + 'bad-address,X,Y,Z\n"ed@example.org","Ed\nBcc: x@example.net",E,F\n')
    report = import_list(engine, path, "police")
    assert report.rejected_report == path.with_name("list.rejected.csv")
    with open(report.rejected_report, newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["row", "value", "reason"]
    assert [r[:2] for r in rows[1:]] == [["5", "bad-address"], ["6", "Ed\\r\\nBcc: x@example.net"]]
    assert report.counts.rejected == 2
    # A clean re-import removes the stale report: the file beside the input is the latest truth.
    path.write_text(POLICE)
    assert import_list(engine, path, "police").rejected_report is None
    assert not path.with_name("list.rejected.csv").exists()


def test_erased_people_are_not_re_imported(engine, write_csv):
    import_list(engine, write_csv(POLICE), "police")
    forget(engine, "bo.birch@example.org")
    report = import_list(engine, write_csv(POLICE), "police")
    assert counts(report) == {"rows": 3, "unchanged": 2, "erased": 1}
    assert "bo.birch@example.org" not in members(engine, "police")
    rejected = report.rejected_report.read_text(encoding="utf-8")
    assert "bo.birch@example.org" in rejected and "erased" in rejected


def test_an_error_half_way_through_reading_leaves_the_list_as_it_was(engine, write_csv):
    import_list(engine, write_csv(POLICE), "police")
    big = "Email\n" + "".join(f"p{i}@example.org\n" for i in range(12_000))

    def crash(done, total):
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        import_list(engine, write_csv(big, "big.csv"), "police", sync=True, on_progress=crash)
    assert len(members(engine, "police")) == 3


def test_an_error_half_way_through_applying_leaves_everything_as_it_was(
    engine, write_csv, monkeypatch
):
    import_list(engine, write_csv(POLICE), "police")
    before = show_list(engine, "police", limit=None)
    original = store_imports.ImportStaging.apply

    def apply_then_crash(self, list_id, import_run_id, sync):
        original(self, list_id, import_run_id, sync)  # recipients, memberships, removals done...
        raise RuntimeError("power cut")  # ...and then the process dies before the commit

    monkeypatch.setattr(store_imports.ImportStaging, "apply", apply_then_crash)
    newer = write_csv("Email,Name\nann.ash@example.org,Renamed\nnew@example.org,New\n", "n.csv")
    with pytest.raises(RuntimeError, match="power cut"):
        import_list(engine, newer, "police", sync=True)
    assert show_list(engine, "police", limit=None) == before
    with pytest.raises(RuntimeError, match="power cut"):
        import_list(engine, newer, "health")
    with pytest.raises(Exception, match="no list called 'health'"):
        show_list(engine, "health")  # the list the import created is rolled back too
    monkeypatch.undo()
    show = import_list(engine, newer, "police", sync=True)  # and the import works once fixed
    assert counts(show) == {"rows": 2, "added": 1, "unchanged": 1, "removed": 2}


def test_cp1252_bom_and_semicolon_files_import(engine, write_csv):
    import_list(engine, write_csv("Email;Name\nzoe@example.org;Zoë\n", "a.csv", "cp1252"), "a")
    import_list(engine, write_csv("\ufeffEmail\tName\nyan@example.org\tYan\n", "b.csv"), "b")
    assert show_list(engine, "a").members[0].name == "Zoë"
    assert members(engine, "b") == ["yan@example.org"]


@pytest.mark.slow
def test_many_rows_are_staged_in_batches(engine, write_csv):
    rows = 12_345
    text = "Email,Name\n" + "".join(f"person{i}@example.org,Person {i}\n" for i in range(rows))
    progress = []
    path = write_csv(text)
    report = import_list(engine, path, "big", on_progress=lambda done, _: progress.append(done))
    assert report.counts.added == rows
    assert len(progress) == 3 and progress[-1] == Path(report.file).stat().st_size
    assert show_list(engine, "big", limit=1).counts.members == rows


def test_the_example_lists_import(engine, tmp_path):
    reports = import_lists_folder(engine, EXAMPLES, report_folder=tmp_path)
    assert [r.list_slug for r in reports] == [
        "children-social-care", "early-help", "education", "health", "police", "voluntary-sector",
    ]  # fmt: skip
    assert sum(r.counts.rejected for r in reports) >= 3
    assert {r.encoding for r in reports} >= {"utf-8", "utf-8-sig", "cp1252"}
    assert ";" in {r.delimiter for r in reports}
    people = {m for r in reports for m in members(engine, r.list_slug)}
    assert 250 <= len(people) <= 350
    assert sum(len(members(engine, r.list_slug)) for r in reports) > len(people)  # some on two
    assert all(p.endswith(("@example.org", "@example.net")) for p in people)
