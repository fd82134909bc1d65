"""Words staff read on the console, as a fresh pair of eyes found them: no internal value shown
as it is stored (a check's level in lower case), no command in backticks on a page."""

from __future__ import annotations

import re

from console_helpers import Console, csrf_of, make_settings
from seed import SEED

from briefcast.store.schema import IssueState


def _author(engine, database_url, tmp_path):  # type: ignore[no-untyped-def]
    world = Console(engine, make_settings(database_url, tmp_path, console_2fa="optional"))
    client = world.client()
    world.sign_in(client, world.person("ada@example.org", "Ada Author", "author"))
    return client


def _new_draft(client) -> int:  # type: ignore[no-untyped-def]
    page = client.get("/campaigns/new")
    answer = client.post(
        "/campaigns/new",
        data={"csrf_token": csrf_of(page.text), "pasted": ""},
        files={"briefing": ("briefing.txt", SEED.read_bytes(), "text/plain")},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return int(re.search(r"/campaigns/(\d+)/briefing", answer.headers["location"]).group(1))


def test_the_plans_checks_name_their_level_as_a_word_not_a_stored_value(
    engine, database_url, tmp_path
):
    client = _author(engine, database_url, tmp_path)
    draft_id = _new_draft(client)  # a new draft names no lists yet: a warning per issue
    html = client.get(f"/campaigns/{draft_id}/plan").text
    assert "<strong>Warning</strong>: issue 1 goes to no lists" in html
    assert "<strong>warning</strong>" not in html


def test_a_set_up_link_that_does_not_work_points_to_the_admins_button_not_a_command(console):
    page = console.client().get("/setup/not-a-real-token")
    assert page.status_code == 404
    assert "they make one on the People page" in page.text
    assert "`" not in page.text  # a command in backticks is for a terminal, not this page


def _approved(engine, database_url, tmp_path):  # type: ignore[no-untyped-def]
    """A series drafted, written and approved: (world, client, draft id, approver)."""
    from drafting import write_everything

    from briefcast.store.audit import Actor
    from briefcast.workflow.approval import approve, submit
    from briefcast.workflow.drafts import open_draft

    world = Console(engine, make_settings(database_url, tmp_path, console_2fa="optional"))
    ada = world.person("ada@example.org", "Ada Author", "author")
    abe = world.person("abe@example.org", "Abe Approver", "approver")
    client = world.client()
    world.sign_in(client, ada)
    draft_id = _new_draft(client)
    author = Actor.person("Ada Author", user_id=ada.user.id)
    write_everything(engine, draft_id, author)
    submit(engine, draft_id, open_draft(engine, draft_id).record.revision, author)
    approver = Actor.person("Abe Approver", user_id=abe.user.id)
    approve(
        engine, world.settings, draft_id, open_draft(engine, draft_id).record.revision, approver
    )
    return world, client, draft_id, approver


def test_an_issue_not_started_says_so_instead_of_0_of_0_sent(engine, database_url, tmp_path):
    _world, client, draft_id, _approver = _approved(engine, database_url, tmp_path)
    rows = re.findall(r"<tr>\s*<td>\d+\. .*?</tr>", client.get(f"/campaigns/{draft_id}").text, re.S)
    assert rows and all("tag-scheduled" in row for row in rows)
    assert all("<td>not started</td>" in row and " of 0</td>" not in row for row in rows)


def test_a_list_imported_on_the_server_shows_its_file_name_not_the_servers_path(console, tmp_path):
    from briefcast.recipients.csv_import import import_list

    folder = tmp_path / "srv" / "briefcast-lists"
    folder.mkdir(parents=True)
    police = folder / "police.csv"
    police.write_text("email,name\nsam.example@example.org,Sam Example\n", encoding="utf-8")
    import_list(console.engine, police, "police")  # as `briefcast lists import` does
    client = console.client()
    console.sign_in(client, console.person("ada.admin@example.org", "Ada Admin", "admin"))

    lists = client.get("/lists").text
    found = client.post("/lists/people", data={"csrf_token": csrf_of(lists), "q": "sam.example"})
    person = client.get(re.search(r'href="(/lists/people/\d+)"', found.text)[1]).text
    for page in (lists, person):
        assert "police.csv" in page
        assert str(folder) not in page


def test_next_send_counts_only_issues_that_will_go_not_a_paused_one(engine, database_url, tmp_path):
    from briefcast.console.campaign_helpers import local
    from briefcast.workflow.drafts import open_draft
    from briefcast.workflow.follow import series_status, steer

    world, client, draft_id, approver = _approved(engine, database_url, tmp_path)
    (outcome,) = steer(engine, world.settings, draft_id, "pause", approver, number=1)
    assert outcome.changed
    status = series_status(engine, world.settings, open_draft(engine, draft_id).record.name)
    first, second = status.issues[:2]
    assert first.state is IssueState.PAUSED and first.planned_at < second.planned_at

    page = client.get("/").text  # the Campaigns page
    (next_send,) = re.findall(r"</span></td>\s*<td>([^<]*)</td>", page)
    assert next_send == local(second.planned_at, status.timezone)  # issue 1 waits for a person


def test_the_people_page_names_a_missing_account_in_its_own_words_not_a_command(console):
    # The People page posts the email of a row; one with no account (a stale or edited form)
    # reaches accounts' "no such person", which the CLI words with `briefcast users ls`.
    client = console.client()
    console.sign_in(client, console.person("ada.admin@example.org", "Ada Admin", "admin"))
    page = client.get("/people")
    for action in ("roles", "disable", "enable", "reset"):
        answer = client.post(
            "/people",
            data={
                "csrf_token": csrf_of(page.text),
                "email": "nobody@example.org",
                "action": action,
                "role-author": "on",
            },
        )
        assert "There is no account for nobody@example.org" in answer.text, action
        assert "`" not in answer.text and "users ls" not in answer.text
