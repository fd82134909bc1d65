"""`briefcast users ...`: the people who may sign in to the console, and their roles."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine

from briefcast.cli.app import app, console, print_json
from briefcast.cli.context import command_context
from briefcast.settings import Settings
from briefcast.store.audit import Actor
from briefcast.store.staff import ROLES, StaffUser

ACTOR_HELP = "Who is doing this, for the audit trail (default: your login name)."


@app.group()
def users() -> None:
    """People who may sign in to the staff console: add, list, change roles, disable, reset.

    Example: briefcast users add a.lee@example.org --name "A. Lee" --role author
    """


@contextmanager
def _opened() -> Iterator[tuple[Settings, Engine]]:
    ctx = command_context()
    yield ctx.settings, ctx.engine


def _actor(name: str | None) -> Actor:
    """This command's `--actor`, else `briefcast --actor`, else the OS user."""
    if name and name.strip():
        return Actor.person(name.strip())
    return command_context().actor


def _role_option(required: bool):  # type: ignore[no-untyped-def]
    return click.option(
        "--role",
        "roles",
        type=click.Choice(ROLES),
        multiple=True,
        required=required,
        help="author, approver or admin; repeat for several.",
    )


@users.command("add")
@click.argument("email")
@click.option("--name", required=True, help="The person's name, as colleagues know it.")
@_role_option(required=True)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read a password from standard input instead of printing a set-up link.",
)
@click.option("--actor", "actor_name", help=ACTOR_HELP)
def add(
    email: str, name: str, roles: tuple[str, ...], password_stdin: bool, actor_name: str | None
) -> None:
    """Add a person. Without --password-stdin it prints a set-up link (valid 24 hours, usable
    once) where they choose a password and add the console to their authenticator app.

    Example: briefcast users add a.lee@example.org --name "A. Lee" --role author --role approver
    """
    from briefcast.console.accounts import add_person

    password = _read_password() if password_stdin else None
    with _opened() as (settings, engine):
        added = add_person(
            engine, settings, email, name, roles, _actor(actor_name), password=password
        )
    user = added.user
    click.echo(f"added {user.email} ({user.name}) as {', '.join(user.roles)}")
    if added.setup_link:
        click.echo(f"set-up link (works once, for 24 hours): {added.setup_link}")
    if added.totp_secret:
        from briefcast.console.second_factor import app_link, spaced

        click.echo(f"authenticator app key: {spaced(added.totp_secret)}")
        click.echo(f"  or as a link: {app_link(added.totp_secret, user.email)}")


@users.command("ls")
@click.option("--json", "as_json", is_flag=True, help="Print the people as JSON.")
def list_users(as_json: bool) -> None:
    """List the people who may sign in, with their roles and whether they are set up.

    Example: briefcast users ls --json
    """
    from briefcast.console.accounts import people

    with _opened() as (_settings, engine):
        everyone = people(engine)
    if as_json:
        print_json(
            [
                {
                    "email": u.email,
                    "name": u.name,
                    "roles": list(u.roles),
                    "status": _status(u),
                    "second_factor": u.has_second_factor,
                    "work_account": u.work_account,
                }
                for u in everyone
            ],
            key="people",
        )
        return
    if not everyone:
        click.echo("no people yet: add one with `briefcast users add`")
        return
    # The work account's column only once someone is linked (`--json` gives the object ids).
    linked = any(u.work_account for u in everyone)
    table = Table("email", "name", "roles", "status", "second factor", *(["work account"] * linked))
    for u in everyone:
        table.add_row(
            escape(u.email),
            escape(u.name),
            ", ".join(u.roles),
            _status(u),
            "yes" if u.has_second_factor else "no",
            *(["linked" if u.work_account else ""] * linked),
        )
    console.print(table)


@users.command("roles")
@click.argument("email")
@_role_option(required=True)
@click.option("--actor", "actor_name", help=ACTOR_HELP)
def roles_command(email: str, roles: tuple[str, ...], actor_name: str | None) -> None:
    """Replace a person's roles with the ones given.

    Example: briefcast users roles a.lee@example.org --role author --role approver
    """
    from briefcast.console.accounts import set_roles

    with _opened() as (_settings, engine):
        user = set_roles(engine, email, roles, _actor(actor_name))
    click.echo(f"{user.email} now has the roles {', '.join(user.roles)}")


@users.command("disable")
@click.argument("email")
@click.option("--actor", "actor_name", help=ACTOR_HELP)
def disable(email: str, actor_name: str | None) -> None:
    """Stop a person signing in; their open sessions end at once.

    Example: briefcast users disable a.lee@example.org
    """
    from briefcast.console.accounts import disable_person

    with _opened() as (_settings, engine):
        ended = disable_person(engine, email, _actor(actor_name))
    click.echo(f"{email} is disabled; {ended} open session{'s' if ended != 1 else ''} ended")


@users.command("reset")
@click.argument("email")
@click.option("--actor", "actor_name", help=ACTOR_HELP)
def reset(email: str, actor_name: str | None) -> None:
    """Give a person a new set-up link (a forgotten password, a lost phone): their old password
    and authenticator code stop working now, and their sessions end.

    Example: briefcast users reset a.lee@example.org
    """
    from briefcast.console.accounts import reset_person

    with _opened() as (settings, engine):
        link = reset_person(engine, settings, email, _actor(actor_name))
    click.echo(f"set-up link for {email} (works once, for 24 hours): {link}")


@users.command("link")
@click.argument("email")
@click.option("--oid", help="The person's object id in Entra ID (Users > the person > Object ID).")
@click.option("--unlink", is_flag=True, help="Take the link away instead.")
@click.option("--actor", "actor_name", help=ACTOR_HELP)
def link(email: str, oid: str | None, unlink: bool, actor_name: str | None) -> None:
    """Link a person to their work account, so they can sign in with it (BRIEFCAST_OIDC_TENANT):
    the account is found by its object id in your tenant, never by its email address. The
    object id is on the person's page in Entra ID, and on the console's refusal if they try
    before being linked. Their roles stay as given here.

    Example: briefcast users link a.lee@example.org --oid 6f1e0b6a-2c4d-4e8f-9a1b-3c5d7e9f1a2b
    """
    from briefcast.console.accounts import AccountError
    from briefcast.console.oidc import link_person

    if bool(oid) == unlink:
        raise AccountError("give --oid OBJECT-ID to link, or --unlink, not both or neither")
    with _opened() as (settings, engine):
        user = link_person(engine, settings, email, None if unlink else oid, _actor(actor_name))
    if unlink:
        click.echo(f"{user.email} is no longer linked to a work account")
    else:
        click.echo(f"{user.email} can now sign in with the work account {user.work_account}")


def _read_password() -> str:
    from briefcast.console.accounts import AccountError

    line = sys.stdin.readline()
    password = line.rstrip("\r\n")
    if not password:
        raise AccountError("--password-stdin: no password on standard input")
    return password


def _status(user: StaffUser) -> str:
    if user.disabled:
        return "disabled"
    return "active" if user.set_up else "not set up"
