"""The root `briefcast` command and what every subcommand shares: error handling and output."""

from __future__ import annotations

import sys
from typing import Any

import click
from rich.console import Console

from briefcast.errors import BriefcastError
from briefcast.jsondata import document, dumps

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
@click.option(
    "--actor",
    envvar="BRIEFCAST_ACTOR",
    metavar="NAME",
    help="Who is acting, for the audit trail (default: the operating-system user).",
)
@click.pass_context
def app(ctx: click.Context, actor: str | None) -> None:
    """Turn a learning briefing into a scheduled series of themed email digests.

    Example: briefcast --actor "A. Lee" pause national-panel-2020
    """
    from briefcast.cli.context import CommandContext

    ctx.obj = CommandContext(actor_name=actor)


def print_json(data: Any, *, key: str | None = None) -> None:
    """Machine-readable output: one versioned JSON document on stdout, nothing else (a list goes
    under `key`)."""
    sys.stdout.write(dumps(document(data, key=key)))
