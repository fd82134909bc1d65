"""Every command explains itself: help text that ends with an example."""

import click
import pytest
from click.testing import CliRunner

from briefcast.cli import app


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


@pytest.mark.parametrize(
    "path,command", list(_commands(app)), ids=lambda p: " ".join(p) if isinstance(p, tuple) else ""
)
def test_every_command_has_help_with_an_example(path, command):
    assert command.help, f"briefcast {' '.join(path)} has no help text"
    assert "Example:" in command.help, f"briefcast {' '.join(path)} help has no example"
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
