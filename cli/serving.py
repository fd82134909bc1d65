"""What `briefcast serve` and `briefcast console` share: --host, --port, the port check, uvicorn."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from typing import TypeVar

import click
from sqlalchemy import Engine
from starlette.applications import Starlette

from briefcast.cli.app import console
from briefcast.cli.context import command_context
from briefcast.errors import BriefcastError
from briefcast.settings import Settings

Command = TypeVar("Command", bound=Callable[..., object])


def listen_options(port: int) -> Callable[[Command], Command]:
    """The --host and --port options of a command that serves pages (its own default port)."""

    def decorate(command: Command) -> Command:
        command = click.option(
            "--port", default=port, show_default=True, type=int, help="Port to listen on."
        )(command)
        return click.option(
            "--host", default="127.0.0.1", show_default=True, help="Address to listen on."
        )(command)

    return decorate


def serve_app(
    what: str,
    host: str,
    port: int,
    create_app: Callable[[Settings, Engine], Starlette],
    notes: Callable[[Starlette, Settings], Iterable[str]],
) -> None:
    """Open settings and the database, refuse a busy port in one line, make the app, say where it
    is served (and the `notes` lines under it), then serve until Ctrl-C or SIGTERM."""
    from briefcast.web import serve

    ctx = command_context()
    settings = ctx.settings
    _check_port_free(host, port)
    served = create_app(settings, ctx.engine)
    console.print(f"Serving {what} on http://{host}:{port}", markup=False)
    for note in notes(served, settings):
        console.print(f"  {note}", markup=False, soft_wrap=True)
    serve(served, host=host, port=port)


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
