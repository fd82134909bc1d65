"""`briefcast lists ...`: the lists themselves (show, create, tidy), and what the list commands
share; the files in and out are in list_files.py, the people on the lists in recipients.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import click
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine

from briefcast import recipients
from briefcast.cli.app import app, console, print_json
from briefcast.cli.context import command_context
from briefcast.jsondata import to_plain
from briefcast.settings import Settings


@dataclass(frozen=True)
class Context:
    settings: Settings
    engine: Engine
    actor: str  # recorded with import runs and suppressions: who did it


@contextmanager
def opened(*, create: bool = False) -> Iterator[Context]:
    """Settings and the database; only commands that write pass `create` (a read-only command
    against a missing database says so instead of making an empty one)."""
    ctx = command_context()
    engine = ctx.open_database(create=create)
    yield Context(ctx.settings, engine, f"{ctx.actor} (briefcast cli)")


def say(message: object) -> None:
    """Print a line; paths and addresses are never broken to fit the terminal's width."""
    console.print(message, soft_wrap=True)


@app.group()
def lists() -> None:
    """Distribution lists: import agency CSV files, show, export and tidy them.

    Example: briefcast lists import police.csv --list police --sync
    """


@lists.command("ls")
@click.option("--json", "as_json", is_flag=True, help="Print the lists as JSON.")
def ls(as_json: bool) -> None:
    """Every list with its member and suppression counts.

    Example: briefcast lists ls
    """
    with opened() as ctx:
        overview = recipients.list_overview(ctx.engine)
    if as_json:
        lines = [
            {**to_plain(o.list), **to_plain(o.counts), "last_import": to_plain(o.last_import)}
            for o in overview
        ]
        print_json(lines, key="lists")
        return
    table = Table("slug", "name", "members", "suppressed", "unsubscribe", box=None)
    for item in overview:
        unsubscribe = "offered" if item.list.unsubscribe_offered else "not offered"
        table.add_row(
            item.list.slug,
            escape(item.list.name),
            str(item.counts.members),
            str(item.counts.suppressed),
            unsubscribe,
        )
    say(table if overview else "no lists yet (briefcast lists import FILE --list SLUG)")


@lists.command("create")
@click.argument("slug")
@click.option("--name", help="Shown to recipients; default: from the slug.")
@click.option("--description", default="", help="What the list is for.")
@click.option("--no-unsubscribe", is_flag=True, help="Statutory list: no unsubscribe link.")
@click.option("--json", "as_json", is_flag=True, help="Print the new list as JSON.")
def create(
    slug: str, name: str | None, description: str, no_unsubscribe: bool, as_json: bool
) -> None:
    """Create an empty list (an import creates a missing one by itself).

    Example: briefcast lists create early-help --name "Early help" --description "Family support"
    """
    with opened(create=True) as ctx:
        created = recipients.create_list(ctx.engine, slug, name, description, not no_unsubscribe)
    if as_json:
        print_json(created)
    else:
        say(f"created the list [bold]{created.slug}[/bold] ({escape(created.name)})")


@lists.command("show")
@click.argument("slug")
@click.option("--limit", default=20, show_default=True, help="Members to show; 0 for all.")
@click.option("--json", "as_json", is_flag=True, help="Print the list and members as JSON.")
def show(slug: str, limit: int, as_json: bool) -> None:
    """A list's details, counts and (the first) members by address.

    Example: briefcast lists show police --limit 50
    """
    with opened() as ctx:
        detail = recipients.show_list(ctx.engine, slug, limit or None)
    if as_json:
        print_json(detail)
        return
    item, counts = detail.list, detail.counts
    say(f"[bold]{item.slug}[/bold]  {escape(item.name)}  {escape(item.description)}")
    say(f"  {counts.members} members, {counts.suppressed} of them suppressed")
    table = Table("address", "name", "organisation", "role", "", box=None)
    for m in detail.members:
        flag = "[yellow]suppressed[/yellow]" if m.suppressed else ""
        cells = (m.address, m.name or "", m.organisation or "", m.role or "")
        table.add_row(*(escape(c) for c in cells), flag)
    say(table)
    if counts.members > len(detail.members):
        say(f"  ... and {counts.members - len(detail.members)} more (--limit 0: all)")


@lists.command("remove-member")
@click.argument("slug")
@click.argument("address")
def remove_member(slug: str, address: str) -> None:
    """Take one person off one list (they stay on any others; a --sync import may re-add them).

    Example: briefcast lists remove-member police jane.doe@example.org
    """
    with opened() as ctx:
        removed = recipients.remove_member(ctx.engine, slug, address)
    say(f"removed {removed} from {slug}")
