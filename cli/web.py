"""`briefcast serve` (the link pages) and `briefcast report` (the dissemination report)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import click

from briefcast.cli.app import app, console
from briefcast.cli.context import command_context
from briefcast.errors import BriefcastError


@app.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8025, show_default=True, type=int, help="Port to listen on.")
def serve(host: str, port: int) -> None:
    """Serve the pages behind the links in every email: unsubscribe, "I've read this", the web
    view and each campaign's archive. Put it behind BRIEFCAST_BASE_URL (a reverse proxy with
    HTTPS); Ctrl-C stops it.

    Example: briefcast serve --port 8025
    """
    from briefcast.web import create_app
    from briefcast.web import serve as run

    ctx = command_context()
    settings = ctx.settings
    _check_port_free(host, port)
    web = create_app(settings, ctx.engine)
    console.print(f"Serving the link pages on http://{host}:{port}", markup=False)
    console.print(f"  links in emails point to {settings.base_url}", markup=False)
    for name, url in web.state.links.archive_urls().items():
        console.print(f"  archive of {name}: {url}", markup=False, soft_wrap=True)
    run(web, host=host, port=port)


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


def _check_port_free(host: str, port: int) -> None:
    """A port in use is a one-line error before anything starts, not a uvicorn log line."""
    problem = port_problem(host, port)
    if problem:
        raise BriefcastError(
            f"cannot listen on {host}:{port} ({problem}): choose another with --port"
        )


def port_problem(host: str, port: int) -> str | None:
    """Why nothing can listen on host:port ("Address already in use"); None if something can."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            return error.strerror or str(error)
    return None
