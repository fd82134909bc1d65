"""Serving the web app with uvicorn: in the foreground (`briefcast serve`) or in a thread."""

from __future__ import annotations

import contextlib
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn
from starlette.applications import Starlette

from briefcast.errors import BriefcastError

# No access log: every URL holds a token, which is a capability (it can unsubscribe someone).
# No `server: uvicorn` header: what runs the pages is nobody's business.
OPTIONS: dict[str, Any] = {"access_log": False, "log_level": "warning", "server_header": False}


class ServerError(BriefcastError):
    pass


def serve(app: Starlette, host: str = "127.0.0.1", port: int = 8025) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM): requests in flight finish first."""
    # uvicorn raises Ctrl-C again once it has shut down: by then there is nothing left to do.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.run(app, host=host, port=port, **OPTIONS)


class BackgroundServer:
    """The app served on host:port from a thread, for the demo and the browser tests.

    `with BackgroundServer(app, port=0) as server: server.url` (port 0: any free port).
    """

    def __init__(self, app: Starlette, host: str = "127.0.0.1", port: int = 0) -> None:
        config = uvicorn.Config(app, host=host, port=port, **OPTIONS)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="briefcast-web", daemon=True)
        self.host = host

    @property
    def url(self) -> str:
        port = self._server.servers[0].sockets[0].getsockname()[1]
        return f"http://{self.host}:{port}"

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise ServerError(f"the web server did not start on {self.host}")
            time.sleep(0.02)
        return self

    def wait(self) -> None:
        """Block until the server stops; Ctrl-C (KeyboardInterrupt) reaches the caller."""
        while self._thread.is_alive():
            self._thread.join(timeout=0.5)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
