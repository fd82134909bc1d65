"""`briefcast console`: the staff app (sign-in, people, campaigns), apart from the link pages."""

from __future__ import annotations

import click

from briefcast.cli.app import app, console
from briefcast.cli.web import _check_port_free
from briefcast.settings import Settings


@app.command("console")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8026, show_default=True, type=int, help="Port to listen on.")
def console_command(host: str, port: int) -> None:
    """Serve the staff console, where comms staff sign in to plan, preview and approve series.
    Keep it on the internal network or behind a reverse proxy with HTTPS at
    BRIEFCAST_CONSOLE_URL (cookies are then Secure); add people with `briefcast users add`.
    Ctrl-C stops it.

    Example: briefcast console --port 8026
    """
    from briefcast.console import create_app
    from briefcast.store import connect
    from briefcast.web import serve

    settings = Settings.from_env()
    _check_port_free(host, port)
    engine = connect(settings)
    try:
        staff_app = create_app(settings, engine)
        console.print(f"Serving the staff console on http://{host}:{port}", markup=False)
        console.print(f"  set-up links point to {settings.console_url}", markup=False)
        serve(staff_app, host=host, port=port)
    finally:
        engine.dispose()
