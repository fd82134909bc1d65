"""`briefcast console`: the staff app (sign-in, people, campaigns), apart from the link pages."""

from __future__ import annotations

from briefcast.cli.app import app
from briefcast.cli.serving import listen_options, serve_app


@app.command("console")
@listen_options(port=8026)
def console_command(host: str, port: int) -> None:
    """Serve the staff console, where comms staff sign in to plan, preview and approve series.
    Keep it on the internal network or behind a reverse proxy with HTTPS at
    BRIEFCAST_CONSOLE_URL (cookies are then Secure); add people with `briefcast users add`.
    Ctrl-C stops it.

    Example: briefcast console --port 8026
    """
    from briefcast.console import create_app

    serve_app(
        "the staff console",
        host,
        port,
        create_app,
        lambda _app, settings: [f"set-up links point to {settings.console_url}"],
    )
