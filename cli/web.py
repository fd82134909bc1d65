"""`briefcast serve` (the link pages) and `briefcast report` (the dissemination report)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from starlette.applications import Starlette

from briefcast.cli.app import app, console
from briefcast.cli.context import command_context
from briefcast.cli.serving import listen_options, serve_app
from briefcast.settings import Settings


@app.command()
@listen_options(port=8025)
def serve(host: str, port: int) -> None:
    """Serve the pages behind the links in every email: unsubscribe, "I've read this", the web
    view and each campaign's archive. Put it behind BRIEFCAST_BASE_URL (a reverse proxy with
    HTTPS); Ctrl-C stops it.

    Example: briefcast serve --port 8025
    """
    from briefcast.web import create_app

    serve_app("the link pages", host, port, create_app, _link_notes)


def _link_notes(web: Starlette, settings: Settings) -> list[str]:
    archives = web.state.links.archive_urls().items()
    return [f"links in emails point to {settings.base_url}"] + [
        f"archive of {name}: {url}" for name, url in archives
    ]


@app.command()
@click.argument("campaign")
@click.option(
    "--format",
    "format_",
    type=click.Choice(["html", "csv", "json"]),
    default="html",
    show_default=True,
    help="html: charts and tables, printable; csv: one table; json: for scripts.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="File to write (default: report-CAMPAIGN.html for html, stdout for csv and json).",
)
@click.option(
    "--detail",
    is_flag=True,
    help="Add a row per person (address, name, organisation, status, acknowledged): "
    "personal data, so only when needed.",
)
def report(campaign: str, format_: str, out: Path | None, detail: bool) -> None:
    """Reach and acknowledgement of a campaign by issue, list, agency and theme: counts and
    percentages of the audience, sent, failed, bounced, unsubscribed and acknowledged.

    Example: briefcast report national-panel-2020 --format html
    """
    from briefcast.reports import FORMATS, build_report, write_report

    result = build_report(command_context().engine, campaign, detail=detail)
    if out is None and format_ == "html":
        out = Path(f"report-{campaign}.html")
    if out is None:
        sys.stdout.write(FORMATS[format_](result))
        return
    write_report(result, out, format_)
    console.print(f"Report of {campaign} written to {out}", markup=False, soft_wrap=True)
