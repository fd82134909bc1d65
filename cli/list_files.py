"""`briefcast lists import` and `briefcast lists export`: a list's people in from a file and out
to one."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeRemainingColumn

from briefcast import recipients
from briefcast.cli.app import print_json
from briefcast.cli.lists import lists, opened, say
from briefcast.recipients.csv_import import Progress as OnProgress
from briefcast.safe_output import private_file

PROGRESS_FROM_BYTES = 1 << 20  # below a megabyte an import is over before a bar would help


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
