"""BRIEFCAST_BOUNCE_IMAP_*: read once, checked at start, the password from the environment only."""

from __future__ import annotations

import pytest

from briefcast.settings import GraphBounceSettings, Settings, SettingsError

BASE = {
    "BRIEFCAST_BOUNCE_IMAP_HOST": "outlook.office365.com",
    "BRIEFCAST_BOUNCE_IMAP_USERNAME": "learning@example.org",
    "BRIEFCAST_BOUNCE_IMAP_PASSWORD": "not-a-real-password",
}


def _settings(tmp_path, **changes: str) -> Settings:
    return Settings.from_env({**BASE, **changes}, workdir=tmp_path)


def test_defaults_are_tls_on_993_inbox_and_a_done_folder(tmp_path):
    bounces = _settings(tmp_path).bounces
    assert bounces is not None
    assert (bounces.port, bounces.security, bounces.auth) == (993, "tls", "password")
    assert (bounces.folder, bounces.done_folder) == ("INBOX", "briefcast/processed")
    assert "not-a-real-password" not in repr(bounces)


def test_without_a_host_nothing_is_read(tmp_path):
    assert Settings.from_env({}, workdir=tmp_path).bounces is None


def test_oauth2_needs_no_password_but_the_oauth_app(tmp_path):
    environ = {**BASE, "BRIEFCAST_BOUNCE_IMAP_AUTH": "oauth2"}
    del environ["BRIEFCAST_BOUNCE_IMAP_PASSWORD"]
    with pytest.raises(
        SettingsError, match="BOUNCE_IMAP_AUTH is oauth2 but BRIEFCAST_OAUTH_CLIENT_ID"
    ):
        Settings.from_env(environ, workdir=tmp_path)
    app = {
        "BRIEFCAST_OAUTH_CLIENT_ID": "00000000-0000-0000-0000-000000000001",
        "BRIEFCAST_OAUTH_TENANT": "example.org",
        "BRIEFCAST_OAUTH_CLIENT_SECRET": "not-a-real-secret",
    }
    settings = Settings.from_env({**environ, **app}, workdir=tmp_path)
    assert settings.bounces.auth == "oauth2" and settings.oauth is not None


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"BRIEFCAST_BOUNCE_IMAP_PASSWORD": ""}, "BRIEFCAST_BOUNCE_IMAP_PASSWORD is not set"),
        ({"BRIEFCAST_BOUNCE_IMAP_USERNAME": ""}, "BRIEFCAST_BOUNCE_IMAP_USERNAME is not"),
        ({"BRIEFCAST_BOUNCE_IMAP_SECURITY": "none"}, "unencrypted"),
        ({"BRIEFCAST_BOUNCE_IMAP_SECURITY": "ssl"}, "must be one of tls, starttls, none"),
        ({"BRIEFCAST_BOUNCE_IMAP_DONE_FOLDER": "INBOX"}, "must differ"),
        ({"BRIEFCAST_BOUNCE_IMAP_PORT": "imap"}, "must be a number"),
    ],
)
def test_a_wrong_value_is_one_line_naming_its_variable(tmp_path, changes, message):
    with pytest.raises(SettingsError) as refused:
        _settings(tmp_path, **changes)
    assert message in str(refused.value) and "\n" not in str(refused.value)


def test_the_password_is_refused_in_a_settings_file(tmp_path):
    path = tmp_path / "briefcast.toml"
    path.write_text('bounce_imap_password = "not-a-real-password"\n')
    with pytest.raises(SettingsError, match="must not be kept in a file"):
        Settings.from_env({"BRIEFCAST_SETTINGS": str(path)}, workdir=tmp_path)


# -- BRIEFCAST_BOUNCE_SOURCE=graph ------------------------------------------------------------

APP = {
    "BRIEFCAST_OAUTH_CLIENT_ID": "00000000-0000-0000-0000-000000000001",
    "BRIEFCAST_OAUTH_TENANT": "example.org",
    "BRIEFCAST_OAUTH_CLIENT_SECRET": "not-a-real-secret",
}
GRAPH = {
    "BRIEFCAST_BOUNCE_SOURCE": "graph",
    "BRIEFCAST_BOUNCE_GRAPH_MAILBOX": "learning@example.org",
}


def test_graph_reads_the_inbox_into_the_same_done_folder_with_the_oauth_app(tmp_path):
    settings = Settings.from_env({**GRAPH, **APP}, workdir=tmp_path)
    bounces = settings.bounces
    assert isinstance(bounces, GraphBounceSettings) and bounces.source == "graph"
    assert (bounces.mailbox, bounces.folder) == ("learning@example.org", "inbox")
    assert bounces.done_folder == _settings(tmp_path).bounces.done_folder  # as over IMAP
    assert bounces.url == "https://graph.microsoft.com" and settings.oauth is not None


def test_graph_takes_the_sending_mailbox_a_user_id_and_graphs_own_url(tmp_path):
    sending = {"BRIEFCAST_TRANSPORT": "graph", "BRIEFCAST_GRAPH_MAILBOX": "learning@example.org"}
    environ = {**APP, **sending, "BRIEFCAST_BOUNCE_SOURCE": "graph"}
    environ["BRIEFCAST_GRAPH_URL"] = "https://graph.microsoft.us"
    bounces = Settings.from_env(environ, workdir=tmp_path).bounces
    assert (bounces.mailbox, bounces.url) == ("learning@example.org", "https://graph.microsoft.us")
    user_id = "6f1e0b6a-2c4d-4e8f-9a1b-3c5d7e9f1a2b"
    environ = {**GRAPH, **APP, "BRIEFCAST_BOUNCE_GRAPH_MAILBOX": user_id}
    assert Settings.from_env(environ, workdir=tmp_path).bounces.mailbox == user_id


def test_graph_folders_are_paths(tmp_path):
    environ = {**GRAPH, **APP, "BRIEFCAST_BOUNCE_GRAPH_FOLDER": "Inbox/Reports/"}
    environ["BRIEFCAST_BOUNCE_GRAPH_DONE_FOLDER"] = "/briefcast/read"
    bounces = Settings.from_env(environ, workdir=tmp_path).bounces
    assert (bounces.folder, bounces.done_folder) == ("Inbox/Reports", "briefcast/read")


@pytest.mark.parametrize(
    "environ,message",
    [
        (GRAPH, "BRIEFCAST_BOUNCE_SOURCE is graph but BRIEFCAST_OAUTH_CLIENT_ID"),
        (
            {**GRAPH, **APP, "BRIEFCAST_BOUNCE_GRAPH_MAILBOX": ""},
            "set BRIEFCAST_BOUNCE_GRAPH_MAILBOX to the sending mailbox's address or user id",
        ),
        (
            {**GRAPH, **APP, "BRIEFCAST_BOUNCE_GRAPH_MAILBOX": "learning"},
            "address or user id, not 'learning'",
        ),
        (
            {**GRAPH, **APP, **BASE},
            "BRIEFCAST_BOUNCE_IMAP_HOST is set but BRIEFCAST_BOUNCE_SOURCE is graph: unset it, "
            "or set BRIEFCAST_BOUNCE_SOURCE=imap",
        ),
        (
            {**BASE, "BRIEFCAST_BOUNCE_GRAPH_MAILBOX": "learning@example.org"},
            "BRIEFCAST_BOUNCE_GRAPH_MAILBOX is set but BRIEFCAST_BOUNCE_SOURCE is imap",
        ),
        (
            {"BRIEFCAST_BOUNCE_GRAPH_MAILBOX": "learning@example.org"},
            "BRIEFCAST_BOUNCE_GRAPH_MAILBOX is set but BRIEFCAST_BOUNCE_SOURCE is not: set "
            "BRIEFCAST_BOUNCE_SOURCE=graph",
        ),
        (
            {"BRIEFCAST_BOUNCE_SOURCE": "imap"},
            "BRIEFCAST_BOUNCE_SOURCE is imap but BRIEFCAST_BOUNCE_IMAP_HOST is not set",
        ),
        ({"BRIEFCAST_BOUNCE_SOURCE": "pop3"}, "BRIEFCAST_BOUNCE_SOURCE must be one of imap, graph"),
        (
            {**GRAPH, **APP, "BRIEFCAST_BOUNCE_GRAPH_DONE_FOLDER": "Inbox/"},
            "BRIEFCAST_BOUNCE_GRAPH_DONE_FOLDER must differ from BRIEFCAST_BOUNCE_GRAPH_FOLDER",
        ),
        (
            {**GRAPH, **APP, "BRIEFCAST_BOUNCE_GRAPH_FOLDER": "Inbox//Reports"},
            "BRIEFCAST_BOUNCE_GRAPH_FOLDER must be folder names with / between levels",
        ),
        (
            {**GRAPH, **APP, "BRIEFCAST_GRAPH_URL": "http://graph.example.net"},
            "BRIEFCAST_GRAPH_URL must be an https:// URL",
        ),
    ],
)
def test_a_bad_graph_combination_is_one_line(tmp_path, environ, message):
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(environ, workdir=tmp_path)
    assert message in str(refused.value) and "\n" not in str(refused.value)
