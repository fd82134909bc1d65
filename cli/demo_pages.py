"""The demo's evidence side: the link pages served while it sends, its report, where to find both.

The links in the demo's emails point at BRIEFCAST_BASE_URL (http://localhost:8025 unless set), so
the demo serves the web app there, in a thread, for as long as it runs: a reader of the outbox can
press "I've read this" and see it in a report made afterwards. A busy port or a base URL on
another machine is said in one line and the demo carries on without serving.
"""

from __future__ import annotations

import contextlib
import ipaddress
import shlex
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import click
from sqlalchemy import Engine
from starlette.applications import Starlette

from briefcast.cli.serving import port_problem
from briefcast.settings import Settings
from briefcast.web import BackgroundServer, create_app
from briefcast.web.links import ExampleLinks, Links
from briefcast.web.server import ServerError

DEFAULT_PORT = 8025  # `briefcast serve`'s default: the hint leaves --port out when it matches


@contextlib.contextmanager
def serving(
    settings: Settings,
    engine: Engine,
    *,
    label: str = "Link pages",
    url: str | None = None,
    make_app: Callable[[Settings, Engine], Starlette] = create_app,
) -> Iterator[BackgroundServer | None]:
    """The web app (or, given `make_app` and its `url`, the staff console) on that URL's host and
    port while the block runs; None (and one line saying why) if that is another machine or the
    port cannot be used."""
    url = url or settings.base_url
    address = local_address(url)
    if address is None:
        click.echo(
            f"{label}: not served by the demo: the links point to {url}, not to this machine"
        )
        yield None
        return
    host, port = address
    problem = port_problem(host, port)
    if problem:
        click.echo(f"{label}: not served: cannot listen on {host}:{port} ({problem})")
        yield None
        return
    with contextlib.ExitStack() as stack:
        try:
            app = make_app(settings, engine)
            server = stack.enter_context(BackgroundServer(app, host=host, port=port))
        except ServerError as error:
            click.echo(f"{label}: not served: {error}; carrying on")
            server = None
        else:
            click.echo(f"{label}: served at {url} while the demo runs")
        yield server


def local_address(base_url: str) -> tuple[str, int] | None:
    """(host, port) to listen on for a base URL on this machine; None for any other host."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if host != "localhost":
        try:
            if not ipaddress.IPv4Address(host).is_loopback:
                return None
        except ValueError:  # a name, or IPv6: not something the demo should bind
            return None
    return host, parts.port or (443 if parts.scheme == "https" else 80)


def write_demo_report(engine: Engine, campaign: str, folder: Path) -> Path:
    """The dissemination report of the demo's campaign, as HTML in the demo's folder."""
    from briefcast.reports import build_report, write_report

    return write_report(build_report(engine, campaign), folder / f"report-{campaign}.html")


def example_links(engine: Engine, settings: Settings, campaign: str) -> ExampleLinks | None:
    return Links(engine, settings.base_url, settings.secret_key).example_links(campaign)


def print_evidence(
    folder: Path,
    campaign: str,
    report: Path,
    links: ExampleLinks | None,
    served: bool,
    base_url: str,
) -> None:
    """The summary's lines about the report and the link pages (click: long URLs stay whole)."""
    click.echo(f"Report: {report}")
    # Each hint is a command that works pasted whole: what to vary is said on a line of its own.
    click.echo(
        f"  as CSV: cd {shlex.quote(str(folder))} && briefcast report {shlex.quote(campaign)} "
        "--format csv"
    )
    click.echo("  (--format json for scripts; --detail adds a row per person)")
    if links is not None:
        click.echo(
            # Not the address: even fictional people's addresses stay off the terminal.
            f"Links of part {links.issue_number} as sent to one recipient "
            f"({'served' if served else 'not served'} at {base_url}):"
        )
        click.echo(f"  unsubscribe: {links.unsubscribe}")
        click.echo(f"  I've read this: {links.acknowledge}")
        click.echo(f"  web view: {links.web_view}")
        click.echo(f"  archive: {links.archive}")
    click.echo(f"Serve the link pages later: {serve_command(folder, base_url)}")


def serve_command(folder: Path, base_url: str) -> str:
    """A command that serves the pages the demo's links point to, as printed: in the demo's
    folder (its database), with its base URL (the links the pages make) and that URL's port."""
    address = local_address(base_url)
    port = f" --port {address[1]}" if address and address[1] != DEFAULT_PORT else ""
    return (
        f"cd {shlex.quote(str(folder))} && "
        f"BRIEFCAST_BASE_URL={shlex.quote(base_url)} briefcast serve{port}"
    )


def interactive() -> bool:
    """A person at a terminal (not CI, a test runner or a pipe): worth serving until Ctrl-C."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def serve_until_interrupted(server: BackgroundServer, base_url: str) -> None:
    click.echo(f"Serving the links in these emails at {base_url} — press Ctrl-C to stop")
    try:
        server.wait()
    except KeyboardInterrupt:
        click.echo("\nStopped serving the link pages.")
