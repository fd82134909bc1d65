"""The console's settings (a wrong value is one line naming its variable) and the command."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from click.testing import CliRunner

from briefcast.cli import app
from briefcast.settings import Settings, SettingsError


def test_defaults_and_values_from_the_environment(tmp_path):
    default = Settings.from_env({}, workdir=tmp_path)
    assert default.console_url == "http://localhost:8026"
    assert default.console_2fa == "required" and default.four_eyes is True
    assert default.session_idle == timedelta(minutes=30)
    assert default.session_absolute == timedelta(hours=12)
    chosen = Settings.from_env(
        {
            "BRIEFCAST_CONSOLE_URL": "https://console.example.org/",
            "BRIEFCAST_CONSOLE_2FA": "Optional",
            "BRIEFCAST_FOUR_EYES": "false",
            "BRIEFCAST_SESSION_IDLE_MINUTES": "15",
            "BRIEFCAST_SESSION_HOURS": "8",
        },
        workdir=tmp_path,
    )
    assert chosen.console_url == "https://console.example.org"
    assert (chosen.console_2fa, chosen.four_eyes) == ("optional", False)
    assert (chosen.session_idle, chosen.session_absolute) == (
        timedelta(minutes=15),
        timedelta(hours=8),
    )


def test_a_settings_file_may_say_four_eyes_false(tmp_path):
    file = tmp_path / "briefcast.toml"
    file.write_text('four_eyes = false\nconsole_2fa = "optional"\n', encoding="utf-8")
    settings = Settings.from_env({"BRIEFCAST_SETTINGS": str(file)}, workdir=tmp_path)
    assert settings.four_eyes is False and settings.console_2fa == "optional"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CONSOLE_URL", "console.example.org", "BRIEFCAST_CONSOLE_URL must start with http"),
        ("CONSOLE_2FA", "sometimes", "BRIEFCAST_CONSOLE_2FA must be one of required, optional"),
        ("FOUR_EYES", "perhaps", "BRIEFCAST_FOUR_EYES must be true or false"),
        ("SESSION_IDLE_MINUTES", "soon", "BRIEFCAST_SESSION_IDLE_MINUTES must be a number"),
    ],
)
def test_a_wrong_value_is_one_line_naming_the_variable(tmp_path, name, value, message):
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({f"BRIEFCAST_{name}": value}, workdir=tmp_path)
    assert str(refused.value).startswith(message) and "\n" not in str(refused.value)


def test_the_console_command_refuses_a_busy_port_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("BRIEFCAST_DATABASE_URL", f"sqlite:///{tmp_path / 'b.db'}")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(app, ["console", "--port", str(port)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and f"cannot listen on 127.0.0.1:{port}" in lines[0]
