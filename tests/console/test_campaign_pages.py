"""The campaign pages through the app: the labels the workflow promises, four eyes on the page
and behind it, forms refused without their token, steering, the report and the audit trail."""

from __future__ import annotations

import re
from dataclasses import replace
from html import escape, unescape
from pathlib import Path

import pytest
from console_helpers import Console, make_settings
from console_helpers import csrf_of as token
from drafting import PARTNERSHIP, SENDER
from seed import SEED, SEED_THEMES

from briefcast.campaigns.briefing import read_briefing
from briefcast.campaigns.plan import unwritten_texts
from briefcast.console.campaign_texts import field_id
from briefcast.store.audit import history
from briefcast.store.engine import read
from briefcast.workflow.drafts import open_draft

DOCUMENTS = Path(__file__).parents[1] / "campaigns" / "documents"


@pytest.fixture
def clients(engine, database_url, tmp_path):
    """Signed-in clients: an author, an approver, and a person who is both."""
    world = Console(engine, make_settings(database_url, tmp_path, console_2fa="optional"))
    people = {
        "author": world.person("ada@example.org", "Ada Author", "author"),
        "approver": world.person("abe@example.org", "Abe Approver", "approver"),
        "both": world.person("eve@example.org", "Eve Both", "author", "approver"),
    }
    signed_in = {}
    for role, person in people.items():
        signed_in[role] = world.client()
        world.sign_in(signed_in[role], person)
    return signed_in


def _create(client, data: bytes | None = None, name: str = "briefing.txt") -> int:
    page = client.get("/campaigns/new")
    response = client.post(
        "/campaigns/new",
        data={"csrf_token": token(page.text), "pasted": ""},
        files={"briefing": (name, SEED.read_bytes() if data is None else data, "text/plain")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return int(re.search(r"/campaigns/(\d+)/briefing", response.headers["location"]).group(1))


def _post(client, path, page, **data):
    html = client.get(page).text
    revision = re.search(r'name="revision" value="(\d+)"', html)
    fields = {"csrf_token": token(html), **({"revision": revision.group(1)} if revision else {})}
    return client.post(path, data={**fields, **data}, follow_redirects=False)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


STILL_TO_WRITE = re.compile(r'<li><a href="#((\w+)-(\d+))">Still to write: ')
SERIES_TO_WRITE = re.compile(r'<li><a href="#(partnership|sender)">Still to write: ')
# What an author types for each kind of text (a preheader is one whole sentence).
WRITTEN = {
    "title": "The author's title",
    "subject": "The author's subject",
    "preheader": "What the panel asks every team to do next.",
    "intro": "The author's opening for this part of the series.",
    "questions": "What will your team do differently?",
}


def _still_to_write(client, draft_id) -> list[tuple[str, str, str]]:
    """(field, kind, issue number) of each text the plan page's error summary says is to write."""
    return STILL_TO_WRITE.findall(client.get(f"/campaigns/{draft_id}/plan").text)


def _write_who_it_is_from(client, draft_id) -> None:
    """The series' partnership and From, which a drafted series leaves to write, written in the
    *Lists and sender* form (the other fields sent back as they are)."""
    page = f"/campaigns/{draft_id}/plan"
    html = client.get(page).text
    if not SERIES_TO_WRITE.search(html):
        return
    shown = dict(re.findall(r'name="(title|reply_to|lists)" value="([^"]*)"', html))
    fields = {key: unescape(value) for key, value in shown.items()}
    saved = _post(
        client, page, page, action="series", partnership=PARTNERSHIP, sender=SENDER, **fields
    )
    assert saved.status_code == 303, saved.text
    assert not SERIES_TO_WRITE.search(client.get(page).text)


def _write_the_texts(client, draft_id) -> None:
    """What an author does on *Plan the series*: write every text still to write, who the series
    is from first, then one issue's form at a time, as the error summary lists them."""
    _write_who_it_is_from(client, draft_id)
    page = f"/campaigns/{draft_id}/plan"
    by_issue: dict[str, dict[str, str]] = {}
    for field, kind, number in _still_to_write(client, draft_id):
        by_issue.setdefault(number, {})[field] = WRITTEN[kind]
    assert by_issue, "a drafted series has texts to write"
    for number, fields in by_issue.items():
        saved = _post(client, page, page, action="issue", number=number, **fields)
        assert saved.status_code == 303, saved.text
    assert _still_to_write(client, draft_id) == []


def test_the_list_page_has_its_h1_and_a_new_campaign_link(clients):
    html = clients["author"].get("/").text
    assert len(re.findall(r"<h1", html)) == 1 and "<h1>Campaigns</h1>" in html
    assert '<a class="button-link" href="/campaigns/new">New campaign</a>' in html


def test_new_campaign_reads_the_briefing_and_shows_its_themes(clients):
    draft_id = _create(clients["author"])
    html = clients["author"].get(f"/campaigns/{draft_id}/briefing").text
    assert "<h1>How we read your briefing</h1>" in html
    assert re.findall(r"<h3>([^<]+)</h3>", html) == [t.replace("'", "&#39;") for t in SEED_THEMES]
    assert '<h2 id="themes-heading">Themes (11)</h2>' in html


def test_a_new_campaign_without_a_briefing_says_so_at_the_field(clients):
    page = clients["author"].get("/campaigns/new")
    response = clients["author"].post("/campaigns/new", data={"csrf_token": token(page.text)})
    assert response.status_code == 400
    assert "Choose a briefing file, or paste the briefing&#39;s text" in response.text
    assert 'href="#briefing"' in response.text


def test_a_file_of_another_kind_is_refused_in_one_line_naming_it(clients):
    page = clients["author"].get("/campaigns/new")
    response = clients["author"].post(
        "/campaigns/new",
        data={"csrf_token": token(page.text)},
        files={"briefing": ("notes.exe", b"MZ\x00", "application/octet-stream")},
    )
    assert response.status_code == 400
    assert "notes.exe: choose a .txt, .md, .docx or .pdf file" in response.text
    assert 'id="briefing-error"' in response.text


@pytest.mark.parametrize("name", ["heading-styles.docx", "tagged.pdf"])
def test_a_word_or_pdf_briefing_is_read_as_the_cli_reads_it(clients, engine, name):
    path = DOCUMENTS / name
    draft_id = _create(clients["author"], path.read_bytes(), name)
    draft = open_draft(engine, draft_id)
    expected = read_briefing(path)
    assert draft.record.briefing_source == name
    assert [theme.title for theme in draft.briefing.themes] == [t.title for t in expected.themes]
    assert replace(draft.briefing, source=None) == replace(expected, source=None)
    html = clients["author"].get(f"/campaigns/{draft_id}/briefing").text
    titles = re.findall(r"<h3>([^<]+)</h3>", html)
    assert titles == [escape(theme.title, quote=True) for theme in expected.themes]


def test_a_damaged_word_file_is_refused_at_the_field_in_one_line(clients, engine):
    page = clients["author"].get("/campaigns/new")
    response = clients["author"].post(
        "/campaigns/new",
        data={"csrf_token": token(page.text)},
        files={"briefing": ("minutes.docx", b"PK not really a document", "application/zip")},
    )
    assert response.status_code == 400
    (message,) = re.findall(r'id="briefing-error">.*?</span> ([^<]+)</p>', response.text)
    assert message.startswith("minutes.docx: ") and "\n" not in message
    assert clients["author"].get("/").text.count("/campaigns/1") == 0


def test_renaming_a_theme_on_the_page(clients, engine):
    draft_id = _create(clients["author"])
    page = f"/campaigns/{draft_id}/briefing"
    response = _post(
        clients["author"],
        page,
        page,
        slug="including-men",
        edit="rename",
        **{"title-including-men": "Including fathers"},
    )
    assert response.status_code == 303
    assert open_draft(engine, draft_id).briefing.theme("including-men").title == "Including fathers"


def test_moving_a_theme_and_editing_a_subject_on_the_plan(clients, engine):
    draft_id = _create(clients["author"])
    page = f"/campaigns/{draft_id}/plan"
    campaign = open_draft(engine, draft_id).campaign
    # A theme of an issue with more than one, so no issue is left empty and renumbered.
    source = next(issue for issue in campaign.issues if len(issue.themes) > 1)
    slug = source.themes[0]
    to = next(issue.number for issue in campaign.issues if issue is not source)
    moved = _post(clients["author"], page, page, action="move", slug=slug, **{f"to-{slug}": to})
    assert moved.status_code == 303
    assert open_draft(engine, draft_id).campaign.issues[to - 1].themes[-1] == slug
    total = len(campaign.issues)
    long = f"Part 1 of {total}: " + "a subject much longer than an inbox would ever show in full"
    saved = _post(clients["author"], page, page, action="issue", number="1", **{"subject-1": long})
    assert saved.status_code == 303
    html = clients["author"].get(page).text
    assert f'{len(long)} characters: <strong class="warning">over 60' in html
    assert open_draft(engine, draft_id).campaign.issues[0].subject == long


def test_the_plan_shows_each_text_still_to_write_empty_and_in_the_error_summary(clients, engine):
    draft_id = _create(clients["author"])
    unwritten = unwritten_texts(open_draft(engine, draft_id).campaign)
    assert unwritten  # the seed briefing has no intro or questions of its own
    html = clients["author"].get(f"/campaigns/{draft_id}/plan").text
    in_issues = [item for item in unwritten if item.number is not None]
    expected = sorted({(f"{i.key.partition('[')[0]}-{i.number}", str(i.number)) for i in in_issues})
    assert sorted((field, number) for field, _, number in STILL_TO_WRITE.findall(html)) == expected
    # Who the series is from: a draft never makes up a partnership or a sender.
    assert sorted(SERIES_TO_WRITE.findall(html)) == ["partnership", "sender"]
    assert "TODO" not in html  # the marks are never shown as if they were content
    for field, _ in [*expected, ("partnership", None), ("sender", None)]:
        assert f'<p class="error-message" id="{field}-error">' in html
        element = re.search(rf'<(input|textarea)[^>]* id="{field}"[^>]*>', html).group(0)
        assert 'aria-invalid="true"' in element
        assert re.search(r'value="([^"]*)"', element) is None or 'value=""' in element
        if element.startswith("<textarea"):
            assert re.search(rf'id="{field}"[^>]*></textarea>', html)


def test_saving_the_plan_writes_them_and_an_empty_field_stays_to_write(clients, engine):
    author = clients["author"]
    draft_id = _create(author)
    page = f"/campaigns/{draft_id}/plan"
    fields = {field: kind for field, kind, number in _still_to_write(author, draft_id)}
    assert {"intro-1", "questions-1"} <= fields.keys()
    # Issue 1's subject saved, its intro and questions left empty: still to write.
    _post(author, page, page, action="issue", number="1", **{"intro-1": "", "questions-1": ""})
    assert {"intro-1", "questions-1"} <= {f for f, _, _ in _still_to_write(author, draft_id)}
    opening = "We open the series with what the panel found."
    saved = _post(author, page, page, action="issue", number="1", **{"intro-1": opening})
    assert saved.status_code == 303
    issue = open_draft(engine, draft_id).campaign.issues[0]
    assert issue.intro == opening
    left = {f for f, _, _ in _still_to_write(author, draft_id)}
    assert "intro-1" not in left and "questions-1" in left
    # The mark asks for a question "or delete this line": ticking Leave out deletes it.
    left_out = {"questions-1": "", "omit-questions-1": "on"}
    _post(author, page, page, action="issue", number="1", **left_out)
    assert open_draft(engine, draft_id).campaign.issues[0].questions == ()
    assert "questions-1" not in {f for f, _, _ in _still_to_write(author, draft_id)}


def test_an_uploaded_campaign_files_unwritten_title_is_a_field_to_write(clients, engine):
    author = clients["author"]
    downloaded = author.get(f"/campaigns/{_create(author)}/campaign.yaml").text
    plan = downloaded.replace("- themes:", '- title: "TODO: write a title"\n  themes:', 1)
    page = author.get("/campaigns/new")
    response = author.post(
        "/campaigns/new",
        data={"csrf_token": token(page.text)},
        files={
            "briefing": ("briefing.txt", SEED.read_bytes(), "text/plain"),
            "campaign_file": ("series.yaml", plan.encode(), "application/yaml"),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    draft_id = int(re.search(r"/campaigns/(\d+)/", response.headers["location"]).group(1))
    assert ("title-1", "title", "1") in _still_to_write(author, draft_id)
    _write_the_texts(author, draft_id)
    assert open_draft(engine, draft_id).campaign.issues[0].title == WRITTEN["title"]


def test_the_preheader_is_an_editable_field_of_at_most_90_characters(clients, engine):
    author = clients["author"]
    draft_id = _create(author)
    page = f"/campaigns/{draft_id}/plan"
    before = open_draft(engine, draft_id).record.revision
    long = "A preview line that goes on and on about what the panel found " * 2 + "in its review."
    assert len(long) > 90
    refused = _post(author, page, page, action="issue", number="2", **{"preheader-2": long})
    assert refused.status_code == 400
    assert f'<a href="#preheader-2">Preheader of issue 2: {len(long)} characters' in refused.text
    assert open_draft(engine, draft_id).record.revision == before
    line = "What the panel asks of every team."
    saved = _post(author, page, page, action="issue", number="2", **{"preheader-2": line})
    assert saved.status_code == 303
    assert open_draft(engine, draft_id).campaign.issues[1].preheader == line
    html = author.get(page).text
    assert f'value="{line}"' in html and f"{len(line)} characters (at most 90)" in html


def test_submitting_is_refused_with_the_list_of_what_is_still_to_write(clients, engine):
    author = clients["author"]
    draft_id = _create(author)
    unwritten = unwritten_texts(open_draft(engine, draft_id).campaign)
    approval = f"/campaigns/{draft_id}/approval"
    refused = _post(author, f"/campaigns/{draft_id}/submit", approval)
    assert refused.status_code == 400
    count = len(unwritten)
    assert f'<a href="#still-to-write">Write the {count} texts still to write' in refused.text
    links = re.findall(rf'<a href="/campaigns/{draft_id}/plan#([\w-]+)">', refused.text)
    assert links == [field_id(item) for item in unwritten]
    assert "TODO" not in refused.text  # the whole series is shown as written so far
    assert open_draft(engine, draft_id).record.state.value == "draft"
    _write_the_texts(author, draft_id)
    assert _post(author, f"/campaigns/{draft_id}/submit", approval).status_code == 303
    assert open_draft(engine, draft_id).record.state.value == "submitted"


def test_the_author_gets_no_approve_button_and_a_forged_approval_is_refused(clients, engine):
    author = clients["both"]  # an author who is an approver too: four eyes still apply
    draft_id = _create(author)
    _write_the_texts(author, draft_id)
    approval = f"/campaigns/{draft_id}/approval"
    assert _post(author, f"/campaigns/{draft_id}/submit", approval).status_code == 303
    html = author.get(approval).text
    assert "Approve and schedule" not in html
    assert "You cannot approve this series: you edited this series" in _text(html)
    forged = _post(author, f"/campaigns/{draft_id}/approve", approval)
    assert forged.status_code == 403
    assert open_draft(engine, draft_id).record.state.value == "submitted"
    assert open_draft(engine, draft_id).record.campaign_id is None


def test_a_post_without_the_csrf_token_is_refused(clients, engine):
    draft_id = _create(clients["author"])
    response = clients["author"].post(f"/campaigns/{draft_id}/submit", data={"revision": "1"})
    assert response.status_code == 403
    assert open_draft(engine, draft_id).record.state.value == "draft"


def test_an_author_without_the_approver_role_cannot_approve(clients, engine):
    draft_id = _create(clients["author"])
    _write_the_texts(clients["author"], draft_id)
    approval = f"/campaigns/{draft_id}/approval"
    assert _post(clients["author"], f"/campaigns/{draft_id}/submit", approval).status_code == 303
    assert _post(clients["author"], f"/campaigns/{draft_id}/approve", approval).status_code == 403
    assert open_draft(engine, draft_id).record.state.value == "submitted"


def test_approve_then_steer_then_audit(clients, engine):
    draft_id = _create(clients["author"])
    _write_the_texts(clients["author"], draft_id)
    approval = f"/campaigns/{draft_id}/approval"
    assert _post(clients["author"], f"/campaigns/{draft_id}/submit", approval).status_code == 303
    html = clients["approver"].get(approval).text
    assert '<button type="submit">Approve and schedule</button>' in html
    approved = _post(clients["approver"], f"/campaigns/{draft_id}/approve", approval)
    assert approved.status_code == 303
    campaign = f"/campaigns/{draft_id}"
    page = clients["approver"].get(campaign).text
    assert "scheduled" in page and 'data-refresh="10"' in page and "refresh.js" in page
    paused = _post(clients["approver"], f"{campaign}/steer", campaign, action="pause")
    assert paused.status_code == 303
    issues = len(open_draft(engine, draft_id).campaign.issues)
    assert _text(clients["approver"].get(campaign).text).count(" paused ") >= issues
    trail = _text(clients["approver"].get(f"{campaign}/audit").text)
    for action, who in [
        ("draft.created", "Ada Author"),
        ("draft.edited", "Ada Author"),
        ("draft.submitted", "Ada Author"),
        ("draft.approved", "Abe Approver"),
    ]:
        assert f"{who} {action}" in trail
    assert "paused" in trail
    assert clients["author"].get(f"{campaign}/report.csv").status_code == 200


def test_the_preview_lists_what_is_still_to_write_instead_of_issues(clients, engine):
    draft_id = _create(clients["author"])
    unwritten = unwritten_texts(open_draft(engine, draft_id).campaign)
    html = clients["author"].get(f"/campaigns/{draft_id}/preview").text
    links = re.findall(rf'<a href="/campaigns/{draft_id}/plan#([\w-]+)">', html)
    assert links == [field_id(item) for item in unwritten]
    assert "<iframe" not in html and "TODO" not in html


def test_the_preview_frames_are_sandboxed_and_their_document_may_be_framed(clients, engine):
    draft_id = _create(clients["author"])
    _write_the_texts(clients["author"], draft_id)  # nothing still to write is previewed
    html = clients["author"].get(f"/campaigns/{draft_id}/preview").text
    frames = re.findall(r"<iframe[^>]*>", html)
    issues = len(open_draft(engine, draft_id).campaign.issues)
    assert len(frames) == 2 * html.count("Plain-text part of issue") == 2 * issues
    assert all(" sandbox" in frame and "title=" in frame for frame in frames)
    document = clients["author"].get(f"/campaigns/{draft_id}/preview/1.html")
    assert "frame-ancestors 'self'" in document.headers["content-security-policy"]
    assert "script-src" not in document.headers["content-security-policy"]
    assert document.headers["x-frame-options"] == "SAMEORIGIN"
    assert "Sam Sample" in document.text


def _uploaded_as_new(author, campaign_file: bytes) -> int:
    """A new campaign from the seed briefing and `campaign_file`, uploaded on the page; its id."""
    page = author.get("/campaigns/new")
    response = author.post(
        "/campaigns/new",
        data={"csrf_token": token(page.text)},
        files={
            "briefing": ("briefing.txt", SEED.read_bytes(), "text/plain"),
            "campaign_file": ("series.yaml", campaign_file, "application/yaml"),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    return int(re.search(r"/campaigns/(\d+)/", response.headers["location"]).group(1))


def test_a_series_from_an_uploaded_campaign_file_and_the_download_round_trip(clients, engine):
    author = clients["author"]
    draft_id = _create(author)
    downloaded = author.get(f"/campaigns/{draft_id}/campaign.yaml")
    assert downloaded.headers["content-disposition"].endswith('.yaml"')
    second = _uploaded_as_new(author, downloaded.content)
    assert (
        open_draft(engine, second).campaign.issues == open_draft(engine, draft_id).campaign.issues
    )
    assert open_draft(engine, second).record.name.endswith("-2")


def test_a_campaign_file_with_a_mistake_is_refused_at_its_field(clients):
    author = clients["author"]
    page = author.get("/campaigns/new")
    response = author.post(
        "/campaigns/new",
        data={"csrf_token": token(page.text)},
        files={
            "briefing": ("briefing.txt", SEED.read_bytes(), "text/plain"),
            "campaign_file": ("series.yaml", b"title: [unclosed", "application/yaml"),
        },
    )
    assert response.status_code == 400
    assert 'id="campaign_file-error"' in response.text
    assert "series.yaml:1: not valid YAML" in response.text


def test_with_four_eyes_off_one_person_approves_and_the_report_says_so(
    engine, database_url, tmp_path
):
    world = Console(
        engine, make_settings(database_url, tmp_path, console_2fa="optional", four_eyes=False)
    )
    person = world.person("eve@example.org", "Eve Both", "author", "approver")
    client = world.client()
    world.sign_in(client, person)
    draft_id = _create(client)
    _write_the_texts(client, draft_id)
    approval = f"/campaigns/{draft_id}/approval"
    assert _post(client, f"/campaigns/{draft_id}/submit", approval).status_code == 303
    assert "Approve and schedule" in client.get(approval).text
    assert _post(client, f"/campaigns/{draft_id}/approve", approval).status_code == 303
    marker = "Approved by Eve Both alone: four eyes are off."
    assert marker in client.get(f"/campaigns/{draft_id}").text
    assert marker in client.get(f"/campaigns/{draft_id}/report").text


def test_a_plan_mistake_is_shown_at_its_field_and_nothing_is_saved(clients, engine):
    author = clients["author"]
    draft_id = _create(author)
    page = f"/campaigns/{draft_id}/plan"
    before = open_draft(engine, draft_id).record.revision
    response = _post(author, page, page, action="issue", number="1", **{"subject-1": " "})
    assert response.status_code == 400
    assert '<a href="#subject-1">Issue 1 needs a subject</a>' in response.text
    assert 'id="subject-1-error"' in response.text
    assert open_draft(engine, draft_id).record.revision == before


def _approved_with_issue_one(clients, engine):
    """A campaign written, submitted and approved on the pages: (draft id, draft, issue 1)."""
    from briefcast.store import campaigns as store

    draft_id = _create(clients["author"])
    _write_the_texts(clients["author"], draft_id)
    approval = f"/campaigns/{draft_id}/approval"
    assert _post(clients["author"], f"/campaigns/{draft_id}/submit", approval).status_code == 303
    assert _post(clients["approver"], f"/campaigns/{draft_id}/approve", approval).status_code == 303
    draft = open_draft(engine, draft_id)
    with engine.connect() as conn:
        return draft_id, draft, store.find_issue(conn, draft.record.campaign_id, 1)


def test_resending_unknown_outcomes_is_shown_confirmed_and_audited(
    clients, engine, database_url, tmp_path
):
    from datetime import UTC, datetime, timedelta

    from click.testing import CliRunner
    from ledger_rows import add_delivery, add_list, add_person
    from scheduling import force_state, outbox_environ, outbox_messages
    from sqlalchemy import select, update

    from briefcast.cli import app
    from briefcast.store import campaigns as store
    from briefcast.store.audit import history
    from briefcast.store.schema import IssueState, deliveries, issues

    draft_id, draft, issue = _approved_with_issue_one(clients, engine)
    # Issue 1 went out: one message sent, one the relay took but never answered.
    list_id = add_list(engine, "police")
    add_delivery(engine, issue.id, add_person(engine, "ann@example.org"), list_id, "sent")
    bob = add_person(engine, "bob@example.org")
    silent = add_delivery(engine, issue.id, bob, list_id, "unknown")
    force_state(engine, issue.id, IssueState.SENT)
    with engine.begin() as conn:  # it went a while ago, its audience resolved: these two rows
        went = datetime.now(UTC) - timedelta(days=1)
        conn.execute(
            update(issues)
            .where(issues.c.id == issue.id)
            .values(audience_size=2, planned_at=went, started_at=went)
        )

    campaign = f"/campaigns/{draft_id}"
    confirm = f"{campaign}/resend-unknown/1"
    shown = _text(clients["approver"].get(campaign).text)
    assert "Issue 1: 1 message(s) with an unknown outcome" in shown and "Resend them" in shown
    as_author = _text(clients["author"].get(campaign).text)
    assert "1 message(s) with an unknown outcome" in as_author and "Resend them" not in as_author
    assert clients["author"].get(confirm).status_code == 403  # only who may steer
    page = clients["approver"].get(confirm)
    assert page.status_code == 200 and "Resend 1 message</button>" in page.text
    assert "second copy" in page.text
    refused = clients["approver"].post(confirm, data={}, follow_redirects=False)
    assert refused.status_code == 403  # no CSRF token

    done = _post(clients["approver"], confirm, confirm)
    assert done.status_code == 303 and done.headers["location"] == campaign
    with engine.connect() as conn:
        status = conn.execute(select(deliveries.c.status).where(deliveries.c.id == silent))
        assert status.scalar_one() == "queued"
        assert store.find_issue(conn, draft.record.campaign_id, 1).state is IssueState.SENDING
        entries = history(conn, issue_id=issue.id)
    assert [(e.action, e.actor.name) for e in entries[-2:]] == [
        ("issue.unknown_resent", "Abe Approver"),
        ("issue.sending", "Abe Approver"),
    ]
    after = clients["approver"].get(confirm).text
    assert "there is nothing to resend" in after
    # The worker sends it (an issue sending again gets its job at the worker's reconcile).
    environ = outbox_environ(database_url, tmp_path)
    worked = CliRunner().invoke(app, ["worker", "--once"], env=environ)
    assert worked.exit_code == 0, worked.output
    assert [m["To"] for m in outbox_messages(tmp_path)] == ["bob@example.org"]
    with engine.connect() as conn:
        status = conn.execute(select(deliveries.c.status).where(deliveries.c.id == silent))
        assert status.scalar_one() == "sent"


def test_resending_a_catch_ups_unknown_outcomes_is_shown_confirmed_and_audited(
    clients, engine, database_url, tmp_path
):
    from datetime import UTC, datetime, timedelta

    from click.testing import CliRunner
    from ledger_rows import add_delivery, add_list, add_person
    from scheduling import force_state, outbox_environ, outbox_messages
    from sqlalchemy import select

    from briefcast.cli import app
    from briefcast.store import campaigns as store
    from briefcast.store import catch_up as catch_ups
    from briefcast.store.audit import history
    from briefcast.store.schema import IssueState, deliveries

    draft_id, draft, issue = _approved_with_issue_one(clients, engine)
    force_state(engine, issue.id, IssueState.SENT)
    # Issue 1 replayed to two new starters, as delivery/catch_up.py writes a replay: one message
    # sent, one the relay took but never answered.
    with engine.begin() as conn:
        content = store.issue_content(conn, issue.id)
        sender, reply_to = catch_ups.envelope(conn, draft.record.campaign_id)
        values = catch_ups.CatchUpValues(
            title=issue.title,
            subject=issue.subject,
            slug=issue.slug,
            covers=(issue.id,),
            planned_at=datetime.now(UTC) - timedelta(hours=1),
            sender=sender,
            reply_to=reply_to,
            html=content.html,
            text=content.text,
            digest=content.digest,
        )
        catch_up = catch_ups.insert_catch_up(conn, draft.record.campaign_id, values, [])
    list_id = add_list(engine, "police")
    add_delivery(engine, catch_up, add_person(engine, "cat@example.org"), list_id, "sent")
    silent = add_delivery(
        engine, catch_up, add_person(engine, "dan@example.org"), list_id, "unknown"
    )
    force_state(engine, catch_up, IssueState.SENT)

    campaign = f"/campaigns/{draft_id}"
    confirm = f"{campaign}/resend-unknown/catch-ups"
    shown = _text(clients["approver"].get(campaign).text)
    assert "Catch-ups: 1 message(s) with an unknown outcome" in shown and "Resend them" in shown
    assert "Issue 1: 1 message(s)" not in shown  # the series' issue has none of its own
    as_author = _text(clients["author"].get(campaign).text)
    assert "Catch-ups: 1 message(s) with an unknown outcome" in as_author
    assert "Resend them" not in as_author
    assert clients["author"].get(confirm).status_code == 403  # only who may steer
    page = clients["approver"].get(confirm)
    assert page.status_code == 200 and "Resend 1 message</button>" in page.text
    assert "second copy of a catch-up" in page.text
    refused = clients["approver"].post(confirm, data={}, follow_redirects=False)
    assert refused.status_code == 403  # no CSRF token
    with engine.connect() as conn:
        status = conn.execute(select(deliveries.c.status).where(deliveries.c.id == silent))
        assert status.scalar_one() == "unknown"

    done = _post(clients["approver"], confirm, confirm)
    assert done.status_code == 303 and done.headers["location"] == campaign
    assert "Catch-ups: 1 message(s) whose outcome was unknown queued again" in _text(
        clients["approver"].get(campaign).text
    )
    with engine.connect() as conn:
        status = conn.execute(select(deliveries.c.status).where(deliveries.c.id == silent))
        assert status.scalar_one() == "queued"
        assert store.issue_by_id(conn, catch_up).state is IssueState.SENDING
        assert store.issue_by_id(conn, issue.id).state is IssueState.SENT  # not its issue
        entries = history(conn, issue_id=catch_up)
    assert [(e.action, e.actor.name) for e in entries[-2:]] == [
        ("issue.unknown_resent", "Abe Approver"),
        ("issue.sending", "Abe Approver"),
    ]
    assert "there is nothing to resend" in clients["approver"].get(confirm).text
    # The worker sends it, to that person only.
    environ = outbox_environ(database_url, tmp_path)
    worked = CliRunner().invoke(app, ["worker", "--once"], env=environ)
    assert worked.exit_code == 0, worked.output
    assert [m["To"] for m in outbox_messages(tmp_path)] == ["dan@example.org"]
    with engine.connect() as conn:
        status = conn.execute(select(deliveries.c.status).where(deliveries.c.id == silent))
        assert status.scalar_one() == "sent"


def test_the_campaign_page_counts_a_message_that_came_back_once(clients, engine):
    """A delivery report read back turns a sent row into a bounced one and is also counted as
    "came back": the page's "sent of everyone" must not count that row twice."""
    from datetime import UTC, datetime

    from ledger_rows import add_delivery, add_list, add_person
    from scheduling import force_state

    from briefcast.store import bounces
    from briefcast.store.schema import DeliveryStatus, IssueState

    draft_id, _, issue = _approved_with_issue_one(clients, engine)
    list_id = add_list(engine, "police")
    add_delivery(engine, issue.id, add_person(engine, "ann@example.org"), list_id, "sent")
    returned = add_delivery(
        engine, issue.id, add_person(engine, "bob@example.org"), list_id, "sent"
    )
    with engine.begin() as conn:
        bounces.mark_returned(
            conn, returned, DeliveryStatus.BOUNCED, "5.1.1", "no such user", datetime.now(UTC)
        )
    force_state(engine, issue.id, IssueState.SENT)

    page = clients["author"].get(f"/campaigns/{draft_id}").text
    sent_cells = re.findall(r"<td>(\d+ of \d+)</td>", page)
    assert sent_cells[0] == "1 of 2", sent_cells  # issue 1: Ann's sent, Bob's came back


# -- People who join a list after the series starts (console/campaign_catch_up.py) ------------

NOTE = "You joined one of our lists after this series began, so here is what you missed."
REPLAY = {
    "catch_up": "replay",
    "catch_up_until": "2031-06-30",
    "replay_every": "3",
    "replay_cap": "2",
    "catch_up_note": NOTE,
}


def _catch_up(client, draft_id, **fields):
    page = f"/campaigns/{draft_id}/plan"
    return _post(client, page, page, action="catch-up", **fields)


def test_the_catch_up_fieldset_is_saved_in_the_draft_and_its_campaign_file(clients, engine):
    author = clients["author"]
    draft_id = _create(author)
    html = author.get(f"/campaigns/{draft_id}/plan").text
    assert "<legend>What they get</legend>" in html
    # A drafted plan has the campaign file's default: one digest, no note yet.
    assert re.search(r'id="catch_up-digest"[^>]* checked', html)
    assert "None is written yet, so nobody gets one." in html
    saved = _catch_up(author, draft_id, **REPLAY)
    assert saved.status_code == 303
    catch_up = open_draft(engine, draft_id).campaign.catch_up
    assert (catch_up.mode, str(catch_up.until)) == ("replay", "2031-06-30")
    assert (catch_up.replay_every_days, catch_up.replay_cap, catch_up.note) == (3, 2, NOTE)
    html = author.get(f"/campaigns/{draft_id}/plan").text
    assert re.search(r'id="catch_up-replay"[^>]* checked', html)
    assert 'value="2031-06-30"' in html and f">{NOTE}</textarea>" in html
    downloaded = author.get(f"/campaigns/{draft_id}/campaign.yaml").text
    assert "catch_up: replay" in downloaded and "replay_cap: '2'" in downloaded
    with read(engine) as conn:
        trail = [e for e in history(conn, action_prefix="draft.edited")]
    assert trail[-1].reason == "saved what people who join late get"


def test_the_catch_up_keys_survive_download_and_upload(clients, engine):
    author = clients["author"]
    draft_id = _create(author)
    assert _catch_up(author, draft_id, **REPLAY).status_code == 303
    downloaded = author.get(f"/campaigns/{draft_id}/campaign.yaml")
    second = _uploaded_as_new(author, downloaded.content)
    assert (
        open_draft(engine, second).campaign.catch_up
        == open_draft(engine, draft_id).campaign.catch_up
    )


@pytest.mark.parametrize(
    ("field", "value", "field_id", "message"),
    [
        (
            "catch_up_until",
            "30 June",
            "catch_up_until",
            "Last day to join and still catch up: &#39;30 June&#39; is not a date; "
            "write it as YYYY-MM-DD",
        ),
        (
            "replay_cap",
            "0",
            "replay_cap",
            "Most issues replayed: expected a whole number of at least 1, found &#39;0&#39;",
        ),
        ("replay_every", "often", "replay_every", "Days between replayed issues: &#39;often&#39;"),
        ("catch_up", "sometimes", "catch_up-off", "What they get: expected one of off, digest"),
    ],
)
def test_a_catch_up_mistake_is_shown_at_its_field_in_the_campaign_files_words(
    clients, engine, field, value, field_id, message
):
    author = clients["author"]
    draft_id = _create(author)
    before = open_draft(engine, draft_id).record.revision
    refused = _catch_up(author, draft_id, **{**REPLAY, field: value})
    assert refused.status_code == 400
    assert f'<li><a href="#{field_id}">{message}' in refused.text  # the error summary
    assert f'<p class="error-message" id="{field_id}-error">' in refused.text  # at the field
    described = re.search(rf'aria-describedby="([^"]*{field_id}-error[^"]*)"', refused.text)
    assert described, "the field (or its fieldset) is described by its error"
    assert open_draft(engine, draft_id).record.revision == before
    # What was typed is shown again, to mend, not to type again.
    assert f">{NOTE}</textarea>" in refused.text
    assert f'value="{escape(value, quote=True)}"' in refused.text or field == "catch_up"


def test_catch_ups_on_without_a_note_are_still_to_write_and_submitting_is_refused(clients, engine):
    author = clients["author"]
    draft_id = _create(author)
    _write_the_texts(author, draft_id)
    saved = _catch_up(author, draft_id, **{**REPLAY, "catch_up_note": ""})
    assert saved.status_code == 303
    html = author.get(f"/campaigns/{draft_id}/plan").text
    summary = (
        '<li><a href="#catch_up_note">Still to write: the note for people who join a list late'
    )
    assert summary in html
    assert re.search(r'id="catch_up_note"[^>]*aria-invalid="true"[^>]*></textarea>', html)
    assert "TODO" not in html  # the mark is never shown as if it were the note
    approval = f"/campaigns/{draft_id}/approval"
    refused = _post(author, f"/campaigns/{draft_id}/submit", approval)
    assert refused.status_code == 400
    assert f'<a href="/campaigns/{draft_id}/plan#catch_up_note">' in refused.text
    assert open_draft(engine, draft_id).record.state.value == "draft"
    # Saving again with the note still empty keeps it to write; writing it lets it through.
    _catch_up(author, draft_id, **{**REPLAY, "catch_up_note": ""})
    assert summary in author.get(f"/campaigns/{draft_id}/plan").text
    assert _catch_up(author, draft_id, **REPLAY).status_code == 303
    assert _post(author, f"/campaigns/{draft_id}/submit", approval).status_code == 303


def test_catch_ups_off_need_no_note(clients, engine):
    author = clients["author"]
    draft_id = _create(author)
    _write_the_texts(author, draft_id)
    assert _catch_up(author, draft_id, catch_up="off", catch_up_note="").status_code == 303
    assert open_draft(engine, draft_id).campaign.catch_up.mode == "off"
    assert "#catch_up_note" not in author.get(f"/campaigns/{draft_id}/plan").text
    approval = f"/campaigns/{draft_id}/approval"
    assert _post(author, f"/campaigns/{draft_id}/submit", approval).status_code == 303


def test_a_catch_up_post_without_the_csrf_token_or_by_an_approver_is_refused(clients, engine):
    draft_id = _create(clients["author"])
    plan = f"/campaigns/{draft_id}/plan"
    forged = clients["author"].post(plan, data={"revision": "1", "action": "catch-up", **REPLAY})
    assert forged.status_code == 403
    by_approver = _catch_up(clients["approver"], draft_id, **REPLAY)
    assert by_approver.status_code == 403
    assert open_draft(engine, draft_id).campaign.catch_up.mode == "digest"
    # The approver reads the settings instead of a form.
    html = clients["approver"].get(plan).text
    assert 'name="catch_up"' not in html and "One email of what they missed" in html


def test_the_preview_shows_the_catch_up_digest_a_new_starter_gets(clients, engine):
    author = clients["author"]
    draft_id = _create(author)
    _write_the_texts(author, draft_id)
    _catch_up(author, draft_id, catch_up="digest", catch_up_note=NOTE)
    html = author.get(f"/campaigns/{draft_id}/preview").text
    frames = re.findall(r'<iframe[^>]*src="[^"]*/preview/catch-up.html"[^>]*>', html)
    assert len(frames) == 2 and all(" sandbox" in frame for frame in frames)
    issues = open_draft(engine, draft_id).campaign.issues
    assert f"Someone who joins just before issue {len(issues)} gets this once" in html
    document = author.get(f"/campaigns/{draft_id}/preview/catch-up.html")
    assert "frame-ancestors 'self'" in document.headers["content-security-policy"]
    assert NOTE in document.text and "Sam Sample" in document.text
    # The missed issues are every one but the last, each in its own words (campaigns/catch_up.py).
    digests = [item.digest for item in open_draft(engine, draft_id).render().issues]
    plain = unescape(re.findall(r'<pre class="plain-text">(.*?)</pre>', html, re.S)[-1])
    assert plain.count("Read part ") == len(digests) - 1
    for digest in digests[:-1]:
        assert f"Read part {digest.number}:" in plain and digest.subject in plain
    assert digests[-1].subject not in plain
    # Replayed, the preview says which issues go and how far apart; no digest is made.
    _catch_up(author, draft_id, **REPLAY)
    html = author.get(f"/campaigns/{draft_id}/preview").text
    assert "gets issues 1 to 2 as previewed above, one every 3 days." in _text(html)
    assert author.get(f"/campaigns/{draft_id}/preview/catch-up.html").status_code == 404


def test_the_approver_sees_the_catch_up_and_its_change_since_the_last_approval(clients, engine):
    draft_id = _create(clients["author"])
    _write_the_texts(clients["author"], draft_id)
    _catch_up(clients["author"], draft_id, catch_up="digest", catch_up_note=NOTE)
    approval = f"/campaigns/{draft_id}/approval"
    assert _post(clients["author"], f"/campaigns/{draft_id}/submit", approval).status_code == 303
    assert NOTE in clients["approver"].get(approval).text
    assert _post(clients["approver"], f"/campaigns/{draft_id}/approve", approval).status_code == 303
    _catch_up(clients["author"], draft_id, **REPLAY)
    changes = re.search(
        r'<pre class="changes">(.*?)</pre>', clients["approver"].get(approval).text, re.S
    )
    assert changes, "the edit is listed for the approver"
    lines = changes.group(1).splitlines()
    assert "+catch_up: replay" in lines and "+catch_up_until: &#39;2031-06-30&#39;" in lines


def test_the_campaign_page_shows_the_catch_ups_status_counts(
    clients, engine, database_url, tmp_path
):
    from datetime import UTC, datetime, timedelta

    from scheduling import import_people
    from sqlalchemy import select, update

    from briefcast.delivery.sender import send_issue
    from briefcast.delivery.transports.memory import MemoryTransport
    from briefcast.recipients.csv_import import import_list
    from briefcast.store import campaigns as campaign_store
    from briefcast.store.engine import write
    from briefcast.store.schema import memberships, recipients

    import_people(engine, tmp_path, per_list=2)
    author, approver = clients["author"], clients["approver"]
    draft_id = _create(author)
    _write_the_texts(author, draft_id)
    campaign = open_draft(engine, draft_id).campaign
    plan = f"/campaigns/{draft_id}/plan"
    series = {"title": campaign.title, "partnership": campaign.partnership}
    _post(author, plan, plan, action="series", sender=campaign.sender, lists="police", **series)
    _catch_up(author, draft_id, catch_up="digest", catch_up_note=NOTE)
    approval = f"/campaigns/{draft_id}/approval"
    assert _post(author, f"/campaigns/{draft_id}/submit", approval).status_code == 303
    assert _post(approver, f"/campaigns/{draft_id}/approve", approval).status_code == 303
    page = f"/campaigns/{draft_id}"
    assert "People who joined a list late: none waiting for a catch-up." in _text(
        approver.get(page).text
    )
    # Issue 1 went three days ago; a new starter joined the list a day later.
    went = datetime.now(UTC) - timedelta(days=3)
    with read(engine) as conn:
        record = campaign_store.find_campaign(conn, open_draft(engine, draft_id).record.name)
        first = campaign_store.find_issue(conn, record.id, 1)
    settings = make_settings(database_url, tmp_path)
    send_issue(engine, first.id, MemoryTransport(), settings, worker_id="w", clock=lambda: went)
    joiner = tmp_path / "joiner.csv"
    joiner.write_text("email,name\nnia.new@example.org,Nia New\n", encoding="utf-8")
    import_list(engine, joiner, "police")
    with write(engine) as conn:
        person = select(recipients.c.id).where(recipients.c.address == "nia.new@example.org")
        conn.execute(
            update(memberships)
            .where(memberships.c.recipient_id.in_(person))
            .values(added_at=went + timedelta(days=1))
        )
    shown = _text(approver.get(page).text)
    assert "People who joined a list late: 1 waiting for a catch-up (the next due " in shown
    assert "0 catch-up messages being sent." in shown


def _changes_tables(html: str) -> dict[str, list[tuple[str, str, str]]]:
    """The approval page's tables of changes: {caption: [(what, as approved, now), ...]}."""
    tables = {}
    for caption, body in re.findall(
        r'<table class="changes">\s*<caption>(.*?)</caption>(.*?)</table>', html, re.S
    ):
        rows = re.findall(
            r'<tr><th scope="row">(.*?)</th><td>(.*?)</td><td>(.*?)</td></tr>', body, re.S
        )
        tables[unescape(caption)] = [
            tuple(unescape(_text(cell).strip()) for cell in row) for row in rows
        ]
    return tables


def test_the_approver_sees_each_change_in_the_plan_pages_words_escaped(clients, engine):
    author, approver = clients["author"], clients["approver"]
    draft_id = _create(author)
    _write_the_texts(author, draft_id)
    approval, plan = f"/campaigns/{draft_id}/approval", f"/campaigns/{draft_id}/plan"
    assert _post(author, f"/campaigns/{draft_id}/submit", approval).status_code == 303
    html = approver.get(approval).text
    assert "It has not been approved before" in html and 'class="changes"' not in html
    assert _post(approver, f"/campaigns/{draft_id}/approve", approval).status_code == 303
    assert "Nothing has changed since the last approval." in approver.get(approval).text

    was = open_draft(engine, draft_id).campaign
    subject = "Part 1 of 4: <b>Bold</b> & “curly”"
    intro = "An opening written by the author, long enough to be shortened. " * 4 + "<script>"
    saved = _post(
        author, plan, plan, action="issue", number="1", **{"subject-1": subject, "intro-1": intro}
    )
    assert saved.status_code == 303, saved.text
    assert _catch_up(author, draft_id, catch_up="digest", catch_up_note=NOTE).status_code == 303
    assert _post(author, f"/campaigns/{draft_id}/submit", approval).status_code == 303

    html = approver.get(approval).text
    assert "<b>Bold</b>" not in html and "<script>" not in html
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; “curly”" in html
    tables = _changes_tables(html)
    assert list(tables) == ["Issue 1", "People who join a list after the series starts"]
    what, before, after = tables["Issue 1"][0]
    assert (what, before, after) == ("Subject", was.issues[0].subject, subject)
    assert tables["Issue 1"][1][0] == "Intro"
    assert ("Why they are getting it", "None", NOTE) in tables[
        "People who join a list after the series starts"
    ]
    # The long intro is shortened in the table, the whole of it a click away.
    shortened = re.search(
        r"<td><span class=\"changed-text\">(An opening.*?)</span>\s*<details>"
        r"<summary>Show the whole text</summary><div class=\"changed-text\">(.*?)</div>",
        html,
        re.S,
    )
    assert shortened and shortened.group(1).endswith("…") and len(shortened.group(1)) < len(intro)
    assert unescape(shortened.group(2)) == intro
    # The campaign file's lines are still there for those who read YAML, folded away.
    files = re.search(
        r"<details class=\"file-changes\">\s*<summary>Show the campaign file's changes</summary>"
        r'\s*<pre class="changes">(.*?)</pre>',
        html,
        re.S,
    )
    assert files and "catch_up_note" in files.group(1)
    # The audit trail's row for the submission names the same changes.
    trail = _text(approver.get(f"/campaigns/{draft_id}/audit").text)
    assert "changed since the last approval: Issue 1: Subject; Issue 1: Intro; People who" in trail
