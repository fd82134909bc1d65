"""Commands for admins: `briefcast lists ...` (lists and imports) and `briefcast recipients ...`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import Engine

from briefcast import recipients
from briefcast.cli.app import app, console, print_json
from briefcast.cli.context import command_context
from briefcast.jsondata import to_plain
from briefcast.recipients.csv_import import Progress as OnProgress
from briefcast.recipients.suppression import MANUAL_REASONS
from briefcast.safe_output import private_file
from briefcast.settings import Settings
from briefcast.store.audit import Actor

PROGRESS_FROM_BYTES = 1 << 20  # below a megabyte an import is over before a bar would help


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


@app.group("recipients")
def recipients_group() -> None:
    """People on the lists: suppression and data-subject requests (access, erasure).

    Example: briefcast recipients export jane.doe@example.org
    """


@lists.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--list", "slug", required=True, help="The list's slug; created if missing.")
@click.option(
    "--sync", is_flag=True, help="Make the list match the file: also remove members not in it."
)
@click.option("--yes", is_flag=True, help="With --sync: apply without asking.")
@click.option("--sheet", help="A spreadsheet's sheet by name (default: the first).")
@click.option("--dry-run", is_flag=True, help="Show what would change and change nothing.")
@click.option("--check-deliverability", is_flag=True, help="Also check each domain in DNS.")
@click.option(
    "--rejects",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the rejected rows here (default: NAME.rejected.csv in the reports folder).",
)
@click.option(
    "--show-addresses", is_flag=True, help="Also print the first ten addresses added or removed."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def import_(
    file: Path,
    slug: str,
    sync: bool,
    yes: bool,
    sheet: str | None,
    dry_run: bool,
    check_deliverability: bool,
    rejects: Path | None,
    show_addresses: bool,
    as_json: bool,
) -> None:
    """Import a list (Email, First name, Surname, Organisation, Job title...) into a list.

    CSV or TSV (UTF-8, UTF-8 with BOM or Windows-1252; comma, semicolon or tab), or a
    spreadsheet (.xlsx, .ods: the first sheet, or --sheet); a title and blank rows above the
    header are skipped. --sync shows what would change and asks before applying (--yes: does
    not ask; without a terminal to ask on, it refuses). The whole import is one
    transaction. Rejected rows are written, owner-only, to FILE's name with .rejected.csv in the
    reports folder (BRIEFCAST_REPORTS; next to the database by default), also on a dry run.
    Suppressed and erased people are counted and never re-added to a mailing.

    Example: briefcast lists import police.xlsx --list police --sync
    """
    confirm = sync and not yes and not dry_run
    if confirm and not _interactive():
        raise click.UsageError(
            "--sync removes members: confirm in a terminal, or add --yes (--dry-run shows the diff)"
        )
    show = None if as_json else partial(_print_diff, show_addresses=show_addresses)
    on_diff = partial(_confirm_removals, show=show) if confirm else show
    with opened(create=True) as ctx, _progress(file, quiet=as_json) as on_progress:
        report = recipients.import_list(
            ctx.engine,
            file,
            slug,
            sync=sync,
            dry_run=dry_run,
            check_deliverability=check_deliverability,
            secret_key=ctx.settings.secret_key,
            actor=ctx.actor,
            report_path=rejects or ctx.settings.reports / f"{file.stem}.rejected.csv",
            on_progress=on_progress,
            on_diff=on_diff,
            sheet=sheet,
        )
    if as_json:
        print_json(report)
    elif dry_run:
        say("[yellow]dry run[/yellow]: nothing was changed")
    else:
        say(f"[green]imported[/green] into {slug}")


def _interactive() -> bool:
    """Whether someone is there to answer (not a cron job, CI or a pipe)."""
    return sys.stdin.isatty()


def _confirm_removals(
    report: recipients.ImportReport, show: Callable[[recipients.ImportReport], None] | None
) -> None:
    """Inside the import's transaction, before anything is applied: the diff, then the
    question; "no" rolls the whole import back."""
    if show:
        show(report)
    removed = report.counts.removed
    question = f"Apply? {removed} members not in the file will be taken off {report.list_slug}"
    if not click.confirm(question if removed else "Apply?", default=False, err=True):
        raise click.ClickException("nothing was changed")


@contextmanager
def _progress(file: Path, quiet: bool) -> Iterator[OnProgress | None]:
    size = file.stat().st_size if file.is_file() else 0
    if quiet or size < PROGRESS_FROM_BYTES:
        yield None
        return
    columns = ("reading", BarColumn(), TaskProgressColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("import", total=size)
        # bytes of a CSV, rows of a spreadsheet: the reader says which total
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _print_diff(report: recipients.ImportReport, show_addresses: bool) -> None:
    c = report.counts
    if report.list_created:
        verb = "would create" if report.dry_run else "creating"
        say(f"{verb} the list [bold]{report.list_slug}[/bold] (it did not exist)")
    delimiter = {"\t": "tab", ",": "comma", ";": "semicolon"}[report.delimiter]
    how = f"sheet {report.sheet!r}" if report.sheet else f"{report.encoding}, {delimiter}"
    header = f", header on row {report.header_row}" if report.header_row != 1 else ""
    say(
        f"{escape(str(report.file))}: {c.rows} rows ({escape(how)}{header}) "
        f"-> list [bold]{report.list_slug}[/bold]"
    )
    # Addresses are personal data: on a shared screen or in a CI log only when asked for.
    sample = _sample if show_addresses else lambda _addresses, _total: ""
    removed = sample(report.removed_sample, c.removed) if report.sync else "no --sync"
    always = [
        ("added", c.added, sample(report.added_sample, c.added)),
        ("removed", c.removed, removed),
        ("unchanged", c.unchanged, ""),
    ]
    when_any = [
        ("suppressed", c.suppressed, "stay suppressed"),
        ("erased", c.erased, "asked to be forgotten: not re-added"),
        ("duplicates", c.duplicates, "first row kept"),
        ("rejected", c.rejected, f"see {report.rejected_report}"),
    ]
    for label, number, note in always + [line for line in when_any if line[1]]:
        say(f"  {label:<11}{number:>8}  [dim]{escape(note)}[/dim]")


def _sample(addresses: tuple[str, ...], total: int) -> str:
    return ", ".join(addresses) + (", ..." if total > len(addresses) else "")


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


@lists.command("export")
@click.argument("slug")
@click.option("--out", type=click.Path(path_type=Path), help="Write to this file, not stdout.")
def export(slug: str, out: Path | None) -> None:
    """Members as CSV (email, name, organisation, role), readable by `lists import`.

    Example: briefcast lists export police --out police-members.csv
    """
    with opened() as ctx:
        if out is None:
            recipients.export_members(ctx.engine, slug, sys.stdout)
            return
        with private_file(out) as file:  # addresses: owner-only
            count = recipients.export_members(ctx.engine, slug, file)
    say(f"wrote {count} members of {slug} to {escape(str(out))}")


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
