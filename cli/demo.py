"""`briefcast demo`: the whole pipeline on the shipped example, on embedded defaults."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from briefcast.cli.app import app, console
from briefcast.settings import Settings

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "national-panel-2020"


@app.command()
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("briefcast-demo"),
    show_default=True,
    help="Where the demo keeps its database, reports and preview.",
)
def demo(folder: Path) -> None:
    """Run the example series end to end: import the six agency lists, then render every issue.

    Uses SQLite under DIR/var/ unless BRIEFCAST_DATABASE_URL is set; safe to run again (a second
    import changes nothing).

    Example: briefcast demo --dir /tmp/briefcast-demo
    """
    from briefcast.campaigns.preview import preview_campaign
    from briefcast.recipients.csv_import import import_lists_folder
    from briefcast.store import connect

    folder = folder.resolve()
    settings = Settings.from_env(workdir=folder)

    console.print(f"[bold]1. Distribution lists[/bold] from {EXAMPLE / 'lists'}")
    engine = connect(settings)
    try:
        reports = import_lists_folder(
            engine,
            EXAMPLE / "lists",
            secret_key=settings.secret_key,
            report_folder=folder / "reports",
        )
    finally:
        engine.dispose()
    console.print(_imports_table(reports))

    console.print(f"[bold]2. The series[/bold] from {EXAMPLE / 'campaign.yaml'}")
    result = preview_campaign(
        EXAMPLE / "campaign.yaml", folder / "preview", base_url=settings.base_url
    )
    console.print(_issues_table(result))
    for warning in result.warnings:
        console.print(f"  warning: {warning}", markup=False)

    # Paths with click, not rich: rich would wrap a long path across lines.
    click.echo(f"Database: {_safe_url(settings.database_url)}")
    if any(r.rejected_report for r in reports):
        click.echo(f"Rejected rows: {folder / 'reports'}")
    click.echo(f"Preview: {result.index}")
    if not result.ok:
        raise click.ClickException("some issues failed their checks; see the preview index")


def _imports_table(reports) -> Table:
    table = Table("list", "rows", "added", "unchanged", "suppressed", "rejected", box=None)
    for report in reports:
        counts = report.counts
        table.add_row(
            report.list_slug,
            *(str(n) for n in (counts.rows, counts.added, counts.unchanged, counts.suppressed)),
            str(counts.rejected + counts.erased),
        )
    return table


def _issues_table(result) -> Table:
    table = Table("part", "send", "subject", "checks", box=None)
    for issue in result.issues:
        digest = issue.digest
        table.add_row(
            f"{digest.number} of {digest.total}",
            f"{digest.send_at:%a %d %b %Y %H:%M}",
            digest.subject,
            "passed" if issue.ok else f"{len(issue.problems)} problems",
        )
    return table


def _safe_url(url: str) -> str:
    """The database URL without its password, fit to print."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
