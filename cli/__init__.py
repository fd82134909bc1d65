"""The `briefcast` command: a thin layer over the library, one module per area of commands."""

from __future__ import annotations

import sys

from briefcast.cli import (  # noqa: F401
    bounces,
    catch_up,
    console,
    content,
    database,
    delivery,
    demo,
    list_files,
    lists,
    recipients,
    sending,
    steering,
    users,
    web,
)
from briefcast.cli.app import app
from briefcast.settings import debug_enabled

__all__ = ["app", "main"]


def main() -> None:
    try:
        app()
    except Exception as error:  # a bug: say so in one line; the traceback only on request
        if debug_enabled():
            raise
        print(
            f"internal error: {type(error).__name__}: {error} "
            "(this is a bug in briefcast; set BRIEFCAST_DEBUG=1 to see the traceback)",
            file=sys.stderr,
        )
        sys.exit(2)
