"""The campaign pages through the app: the labels the workflow promises, four eyes on the page
and behind it, forms refused without their token, steering, the report and the audit trail."""

from __future__ import annotations

import re

import pytest
from console_helpers import Console, make_settings
from console_helpers import csrf_of as token
from seed import SEED, SEED_THEMES

from briefcast.workflow.drafts import open_draft


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


def _create(client) -> int:
    page = client.get("/campaigns/new")
    response = client.post(
        "/campaigns/new",
        data={"csrf_token": token(page.text), "pasted": ""},
        files={"briefing": ("briefing.txt", SEED.read_bytes(), "text/plain")},
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


def test_a_word_file_is_refused_in_one_line_naming_it(clients):
    page = clients["author"].get("/campaigns/new")
    response = clients["author"].post(
        "/campaigns/new",
        data={"csrf_token": token(page.text)},
        files={"briefing": ("notes.exe", b"MZ\x00", "application/octet-stream")},
    )
    assert response.status_code == 400
    assert "notes.exe: choose a .txt or .md or .markdown file" in response.text


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
    slug = open_draft(engine, draft_id).campaign.issues[1].themes[0]
    moved = _post(clients["author"], page, page, action="move", slug=slug, **{f"to-{slug}": "3"})
    assert moved.status_code == 303
    assert slug in open_draft(engine, draft_id).campaign.issues[2].themes
    long = "Part 1 of 4: " + "a subject much longer than an inbox would ever show in full"
    saved = _post(clients["author"], page, page, action="issue", number="1", **{"subject-1": long})
    assert saved.status_code == 303
    html = clients["author"].get(page).text
    assert f'{len(long)} characters: <strong class="warning">over 60' in html


def test_the_author_gets_no_approve_button_and_a_forged_approval_is_refused(clients, engine):
    author = clients["both"]  # an author who is an approver too: four eyes still apply
    draft_id = _create(author)
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
    approval = f"/campaigns/{draft_id}/approval"
    _post(clients["author"], f"/campaigns/{draft_id}/submit", approval)
    assert _post(clients["author"], f"/campaigns/{draft_id}/approve", approval).status_code == 403
    assert open_draft(engine, draft_id).record.state.value == "submitted"


def test_approve_then_steer_then_audit(clients, engine):
    draft_id = _create(clients["author"])
    approval = f"/campaigns/{draft_id}/approval"
    _post(clients["author"], f"/campaigns/{draft_id}/submit", approval)
    html = clients["approver"].get(approval).text
    assert '<button type="submit">Approve and schedule</button>' in html
    approved = _post(clients["approver"], f"/campaigns/{draft_id}/approve", approval)
    assert approved.status_code == 303
    campaign = f"/campaigns/{draft_id}"
    page = clients["approver"].get(campaign).text
    assert "scheduled" in page and 'data-refresh="10"' in page and "refresh.js" in page
    paused = _post(clients["approver"], f"{campaign}/steer", campaign, action="pause")
    assert paused.status_code == 303
    assert _text(clients["approver"].get(campaign).text).count(" paused ") >= 4
    trail = _text(clients["approver"].get(f"{campaign}/audit").text)
    for action, who in [
        ("draft.created", "Ada Author"),
        ("draft.submitted", "Ada Author"),
        ("draft.approved", "Abe Approver"),
    ]:
        assert f"{who} {action}" in trail
    assert "paused" in trail
    assert clients["author"].get(f"{campaign}/report.csv").status_code == 200


def test_the_preview_frames_are_sandboxed_and_their_document_may_be_framed(clients):
    draft_id = _create(clients["author"])
    html = clients["author"].get(f"/campaigns/{draft_id}/preview").text
    frames = re.findall(r"<iframe[^>]*>", html)
    assert len(frames) == 2 * html.count("Plain-text part of issue")
    assert all(" sandbox" in frame and "title=" in frame for frame in frames)
    document = clients["author"].get(f"/campaigns/{draft_id}/preview/1.html")
    assert "frame-ancestors 'self'" in document.headers["content-security-policy"]
    assert "script-src" not in document.headers["content-security-policy"]
    assert document.headers["x-frame-options"] == "SAMEORIGIN"
    assert "Sam Sample" in document.text


def test_a_series_from_an_uploaded_campaign_file_and_the_download_round_trip(clients, engine):
    author = clients["author"]
    draft_id = _create(author)
    downloaded = author.get(f"/campaigns/{draft_id}/campaign.yaml")
    assert downloaded.headers["content-disposition"].endswith('.yaml"')
    page = author.get("/campaigns/new")
    response = author.post(
        "/campaigns/new",
        data={"csrf_token": token(page.text)},
        files={
            "briefing": ("briefing.txt", SEED.read_bytes(), "text/plain"),
            "campaign_file": ("series.yaml", downloaded.content, "application/yaml"),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    second = int(re.search(r"/campaigns/(\d+)/", response.headers["location"]).group(1))
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
    approval = f"/campaigns/{draft_id}/approval"
    _post(client, f"/campaigns/{draft_id}/submit", approval)
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
