"""`briefcast migrate`: bring the database's schema up to this version of briefcast."""

from __future__ import annotations

import click

from briefcast.cli.app import app, print_json
from briefcast.cli.context import command_context


@app.command()
@click.option("--json", "as_json", is_flag=True, help="Print the revisions as JSON.")
def migrate(as_json: bool) -> None:
    """Upgrade the database to this briefcast's schema; says from which revision to which.

    Every other command refuses a database that is behind, so run this after installing a new
    version (back the database up first). Running it again changes nothing.

    Example: BRIEFCAST_DATABASE_URL=sqlite:///var/briefcast.db briefcast migrate
    """
    from briefcast.store import migrate_database

    before, after, notes = migrate_database(command_context().settings.database_url)
    if as_json:
        print_json({"from": before, "to": after, "changed": before != after, "notes": notes})
        return
    for note in notes:  # what a migration could not do (e.g. the people search's index)
        click.echo(note, err=True)
    if before == after:
        click.echo(f"the database is already at revision {after}; nothing to do")
    else:
        click.echo(f"migrated the database from revision {before or '(empty)'} to {after}")
