"""The root `briefcast` command and what every subcommand shares: error handling and output."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from rich.console import Console

from briefcast.errors import BriefcastError

console = Console(highlight=False)


class UserError(click.ClickException):
    """A BriefcastError on its way out: one line on stderr, exit code 1, never a traceback."""

    exit_code = 1

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.message}", err=True)


class Group(click.Group):
    """A command group that turns every BriefcastError raised below it into a one-line UserError."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BriefcastError as error:
            raise UserError(str(error)) from None

    group_class = type  # subgroups made with @group.group() are Groups too


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="briefcast")
def app() -> None:
    """Turn a learning briefing into a scheduled series of themed email digests.

    Example: briefcast demo
    """


def print_json(data: Any) -> None:
    """Machine-readable output: one JSON document on stdout, nothing else."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
