"""`briefcast recipients ...`: the people on the lists: suppression and data-subject requests."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.markup import escape

from briefcast import recipients
from briefcast.cli.app import app, print_json
from briefcast.cli.lists import opened, say
from briefcast.recipients.suppression import MANUAL_REASONS
from briefcast.safe_output import private_file
from briefcast.settings import Settings
from briefcast.store.audit import Actor


@app.group("recipients")
def recipients_group() -> None:
    """People on the lists: suppression and data-subject requests (access, erasure).

    Example: briefcast recipients export jane.doe@example.org
    """


@recipients_group.command("suppress")
@click.argument("address")
@click.option(
    "--reason", required=True, type=click.Choice([r.value for r in MANUAL_REASONS]), help="Why."
)
@click.option("--list", "slug", help="Only this list (default: every list).")
def suppress(address: str, reason: str, slug: str | None) -> None:
    """Never send to ADDRESS again (on every list, or one): imports keep it suppressed.

    Example: briefcast recipients suppress jane.doe@example.org --reason bounced
    """
    with opened(create=True) as ctx:
        item, new = recipients.suppress(ctx.engine, address, reason, slug, ctx.actor)
    scope = f"on {slug}" if slug else "on all lists"
    if new:
        say(f"suppressed {item.address} {scope} ({reason})")
    else:
        say(f"{item.address} was already suppressed {scope} ({item.reason})")


@recipients_group.command("unsuppress")
@click.argument("address")
@click.option("--list", "slug", help="Lift the suppression on this list (default: all lists).")
def unsuppress(address: str, slug: str | None) -> None:
    """Lift a suppression of exactly that scope: the address is sent to again.

    Example: briefcast recipients unsuppress jane.doe@example.org --list police
    """
    with opened() as ctx:
        item = recipients.unsuppress(ctx.engine, address, slug)
    say(f"lifted the suppression of {item.address} ({item.reason}, {item.created_by})")


@recipients_group.command("export")
@click.argument("address")
@click.option("--out", type=click.Path(path_type=Path), help="Write to this file, not stdout.")
@click.option(
    "--why",
    default="subject access request",
    show_default=True,
    help="Recorded in the audit trail with who exported.",
)
def export_person(address: str, out: Path | None, why: str) -> None:
    """Everything held about one person, as JSON (a subject access request). The export is
    written to the audit trail: who, and why.

    Example: briefcast recipients export jane.doe@example.org --out sar-jane-doe.json
    """
    with opened() as ctx:
        data = recipients.export_person(
            ctx.engine, address, ctx.settings.secret_key, exported_by=Actor.person(ctx.actor),
            why=why,
        )  # fmt: skip
    if out is None:
        print_json(data)
        return
    with private_file(out) as file:  # everything held about a person: owner-only
        file.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    say(f"wrote everything held about {data['address']} to {escape(str(out))}")


@recipients_group.command("forget")
@click.argument("address")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--purge-files",
    is_flag=True,
    help="Also delete the files found naming them (outbox messages, reports, reject files).",
)
def forget(address: str, yes: bool, purge_files: bool) -> None:
    """Erase a person (right to erasure): their details, memberships and suppressions are deleted;
    what was sent to them stays counted in reports, anonymous; any other text quoting their
    address (pause reasons, errors, the audit trail) is rewritten.

    A salted hash of the address is kept so that a later import reports them as "erased"
    instead of silently adding them back. This cannot be undone. Files outside the database
    that still name them (the outbox, BRIEFCAST_REPORTS, report-*.html/csv/json here) are
    listed; --purge-files deletes them.

    Example: briefcast recipients forget jane.doe@example.org --yes --purge-files
    """
    if not yes:
        click.confirm(f"Erase everything held about {address}? This cannot be undone", abort=True)
    with opened() as ctx:
        report = recipients.forget(ctx.engine, address, ctx.settings.secret_key, ctx.actor)
    _say_erased(report)
    _files_naming(report.address, ctx.settings, purge_files)


def _say_erased(report: recipients.ErasureReport) -> None:
    if report.already_erased and not report.had_record:
        say(f"{report.address} was already erased; nothing else was held")
    else:
        say(
            f"erased {report.address}: "
            f"{'their details' if report.had_record else 'no details were held'}, "
            f"{report.memberships_removed} list memberships and "
            f"{report.suppressions_removed} suppressions deleted."
        )
    if report.deliveries_anonymised or report.acknowledgements_anonymised:
        say(
            f"{report.deliveries_anonymised} messages sent to them and "
            f"{report.acknowledgements_anonymised} acknowledgements stay counted in reports, "
            "anonymous (no link to them, no error text, no reflection)."
        )
    if report.texts_scrubbed:
        say(f"their address was rewritten out of {report.texts_scrubbed} other records.")
    if report.uploads_deleted:
        say(f"{report.uploads_deleted} uploaded lists not imported yet held it: deleted.")
    if not report.checkpointed:
        say("[yellow]a reader is busy: SQLite's log still holds the old bytes until it ends[/]")
    if not report.already_erased:
        say(
            "Only a salted hash of the address is kept, so that a later import does not "
            "silently re-add them: it will count and report them as 'erased'."
        )


def _files_naming(address: str, settings: Settings, purge: bool) -> None:
    """The files outside the database that still name the person; deleted with `purge`."""
    from briefcast.recipients.traces import files_naming
    from briefcast.recipients.traces import purge as delete

    found = files_naming(address, [settings.outbox, settings.reports], [Path.cwd()])
    if not found:
        say("No file in the outbox or the reports folders names them.")
        return
    if not purge:
        click.echo(f"{len(found)} files outside the database still name them; delete them")
        click.echo("(or run again with --purge-files):")
        for path in found:
            click.echo(f"  {path}")  # click: a long path stays on one line
        return
    deleted, failed = delete(found)
    click.echo(f"deleted {len(deleted)} files that named them")
    for path, why in failed:
        click.echo(f"  not deleted: {path} ({why})")
    if failed:
        raise click.exceptions.Exit(1)
