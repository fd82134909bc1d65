"""The People page: admins change roles, disable, enable and make set-up links, through the same
library calls as `briefcast users`, each recorded with the admin as the actor."""

from __future__ import annotations

import re

from console_helpers import csrf_of, h1_of

from briefcast.console import accounts
from briefcast.store.audit import history
from briefcast.store.engine import read


def _signed_in_admin(console):  # type: ignore[no-untyped-def]
    ada = console.person("ada.admin@example.org", "Ada Admin", "admin")
    client = console.client()
    console.sign_in(client, ada)
    return ada, client


def _press(client, email: str, action: str, **extra: str):  # type: ignore[no-untyped-def]
    page = client.get("/people")
    return client.post(
        "/people",
        data={"email": email, "action": action, "csrf_token": csrf_of(page.text), **extra},
    )


def test_an_admin_changes_roles_disables_and_makes_a_set_up_link(console):
    ada, client = _signed_in_admin(console)
    ann = console.person("ann.author@example.org", "Ann Author", "author")
    page = client.get("/people")
    assert h1_of(page.text) == "People"
    assert "Ann Author" in page.text and "ann.author@example.org" in page.text
    saved = _press(client, ann.user.email, "roles", **{"role-author": "on", "role-approver": "on"})
    assert "Roles of ann.author@example.org saved" in saved.text
    assert accounts.person(console.engine, ann.user.email).roles == ("author", "approver")
    disabled = _press(client, ann.user.email, "disable")
    assert "is disabled and signed out everywhere" in disabled.text
    assert accounts.person(console.engine, ann.user.email).disabled
    _press(client, ann.user.email, "enable")
    reset = _press(client, ann.user.email, "reset")
    link = re.search(r"http://testserver/setup/[\w-]+", reset.text).group(0)
    assert "New set-up link for ann.author@example.org" in reset.text
    assert h1_of(console.client().get(link.removeprefix("http://testserver")).text) == (
        "Set up your account"
    )
    with read(console.engine) as conn:
        trail = history(conn, action_prefix="user.")
    changes = [e for e in trail if e.subject == ann.user.email and e.action != "user.added"]
    assert [e.action for e in changes] == [
        "user.roles_changed",
        "user.disabled",
        "user.enabled",
        "user.reset",
    ]
    assert {(e.actor.name, e.actor.user_id) for e in changes} == {("Ada Admin", ada.user.id)}


def test_an_admin_cannot_lock_themselves_out(console):
    ada, client = _signed_in_admin(console)
    answer = _press(client, ada.user.email, "roles", **{"role-author": "on"})
    assert "You cannot take away your own admin role" in answer.text
    answer = _press(client, ada.user.email, "disable")
    assert "You cannot disable yourself" in answer.text
    assert accounts.person(console.engine, ada.user.email).roles == ("admin",)
    assert h1_of(client.get("/people").text) == "People"


def test_a_non_admin_cannot_post_to_people_either(console):
    ann = console.person("ann.author@example.org", "Ann Author", "author", "approver")
    bob = console.person("bob.approver@example.org", "Bob Approver", "approver")
    client = console.client()
    console.sign_in(client, ann)
    token = csrf_of(client.get("/").text)
    answer = client.post(
        "/people", data={"email": bob.user.email, "action": "disable", "csrf_token": token}
    )
    assert answer.status_code == 403 and h1_of(answer.text) == "You cannot use this page"
    assert not accounts.person(console.engine, bob.user.email).disabled
