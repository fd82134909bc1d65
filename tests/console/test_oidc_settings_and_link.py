"""The work account's settings (refused in one line when wrong, the secret from the environment
only) and `briefcast users link`, which is the only way a work account reaches a console account."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from console_helpers import ADMIN

from briefcast.cli import app
from briefcast.console.accounts import AccountError, add_person
from briefcast.console.oidc import link_person
from briefcast.settings import Settings, SettingsError
from briefcast.store import open_database
from briefcast.store.audit import history
from briefcast.store.engine import read
from briefcast.store.staff import user_by_work_account

TENANT = "3f2a6c1e-8b4d-4f7a-9c2e-5d1b7a9e0c34"
OID = "11111111-2222-4333-8444-555555555555"
BASE = {
    "BRIEFCAST_OIDC_TENANT": TENANT,
    "BRIEFCAST_OIDC_CLIENT_ID": "0c5d8e2f-1a3b-4c6d-8e9f-2a4b6c8d0e1f",
    "BRIEFCAST_OIDC_CLIENT_SECRET": "a test client secret",
}


def test_entra_is_the_default_provider_for_the_tenant():
    oidc = Settings.from_env(BASE).oidc
    assert oidc.issuer == f"https://login.microsoftonline.com/{TENANT}/v2.0"
    assert oidc.metadata_url == oidc.issuer + "/.well-known/openid-configuration"
    assert "a test client secret" not in repr(oidc)
    assert Settings.from_env({}).oidc is None and Settings.from_env({}).console_password_sign_in


def test_another_provider_by_its_issuer_http_only_to_this_machine():
    local = Settings.from_env({**BASE, "BRIEFCAST_OIDC_ISSUER": "http://127.0.0.1:9999/t/v2.0"})
    assert (
        local.oidc.metadata_url == "http://127.0.0.1:9999/t/v2.0/.well-known/openid-configuration"
    )
    with pytest.raises(SettingsError, match="BRIEFCAST_OIDC_ISSUER must be an https:// URL"):
        Settings.from_env({**BASE, "BRIEFCAST_OIDC_ISSUER": "http://idp.example.org/t"})
    with pytest.raises(SettingsError, match="BRIEFCAST_OIDC_METADATA_URL must be an https:// URL"):
        Settings.from_env({**BASE, "BRIEFCAST_OIDC_METADATA_URL": "http://idp.example.org/m"})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"BRIEFCAST_OIDC_TENANT": "contoso.example.org"}, "must be the directory (tenant) id"),
        ({"BRIEFCAST_OIDC_CLIENT_SECRET": ""}, "BRIEFCAST_OIDC_CLIENT_SECRET"),
        ({"BRIEFCAST_OIDC_TENANT": ""}, "_CLIENT_ID is set but BRIEFCAST_OIDC_TENANT"),
        (
            {
                "BRIEFCAST_OIDC_TENANT": "",
                "BRIEFCAST_OIDC_CLIENT_ID": "",
                "BRIEFCAST_OIDC_CLIENT_SECRET": "",
                "BRIEFCAST_CONSOLE_PASSWORD_SIGN_IN": "false",
            },
            "nobody could sign in",
        ),
    ],
)
def test_wrong_settings_are_one_line(changes, message):
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({**BASE, **changes})
    assert message in str(refused.value) and "\n" not in str(refused.value)


def test_the_client_secret_is_refused_in_a_settings_file(tmp_path):
    file = tmp_path / "settings.toml"
    file.write_text('oidc_client_secret = "kept in a file"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="oidc_client_secret must not be kept in a file"):
        Settings.from_env({**BASE, "BRIEFCAST_SETTINGS": str(file)})


# -- briefcast users link ----------------------------------------------------------------------


@pytest.fixture
def env(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'briefcast.db'}"
    monkeypatch.setenv("BRIEFCAST_DATABASE_URL", url)
    monkeypatch.setenv("BRIEFCAST_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.delenv("BRIEFCAST_SETTINGS", raising=False)
    for name, value in BASE.items():
        monkeypatch.setenv(name, value)
    engine = open_database(url)
    add_person(engine, Settings.from_env(), "ann@example.org", "Ann Author", ["author"], ADMIN)
    add_person(engine, Settings.from_env(), "bob@example.org", "Bob Admin", ["admin"], ADMIN)
    yield engine
    engine.dispose()


def _users(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["users", *args])


def test_link_then_unlink_with_the_audit_trail(env):
    linked = _users("link", "Ann@example.org", "--oid", OID.upper(), "--actor", "Ada Admin")
    assert linked.exit_code == 0, linked.output
    assert f"ann@example.org can now sign in with the work account {OID}" in linked.output
    with read(env) as conn:
        assert user_by_work_account(conn, TENANT, OID).email == "ann@example.org"
        (entry,) = history(conn, action_prefix="user.work_account")
    assert entry.action == "user.work_account_linked" and entry.actor.name == "Ada Admin"
    assert entry.details == {"tid": TENANT, "oid": OID}
    listed = _users("ls", "--json")
    people = {p["email"]: p["work_account"] for p in json.loads(listed.output)["people"]}
    assert people == {"ann@example.org": OID, "bob@example.org": None}
    unlinked = _users("link", "ann@example.org", "--unlink")
    assert unlinked.exit_code == 0 and "no longer linked" in unlinked.output
    with read(env) as conn:
        assert user_by_work_account(conn, TENANT, OID) is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ann@example.org", "--oid", "ann@example.org"], "--oid must be the person's object id"),
        (["ann@example.org"], "give --oid OBJECT-ID to link, or --unlink"),
        (["nobody@example.org", "--oid", OID], "nobody@example.org: no such person"),
    ],
)
def test_link_refuses_in_one_line(env, args, message):
    result = _users("link", *args)
    assert result.exit_code == 1 and message in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_one_work_account_links_one_person(env):
    assert _users("link", "ann@example.org", "--oid", OID).exit_code == 0
    again = _users("link", "bob@example.org", "--oid", OID)
    assert again.exit_code == 1
    assert f"{OID} is already linked to ann@example.org: unlink it there first" in again.output


def test_link_needs_the_work_account_set_up(env, monkeypatch):
    for name in BASE:
        monkeypatch.delenv(name)
    with pytest.raises(AccountError, match="set BRIEFCAST_OIDC_TENANT"):
        link_person(env, Settings.from_env(), "ann@example.org", OID, ADMIN)
