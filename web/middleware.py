"""Two small ASGI middlewares: security headers on every response, and a cap on request bodies."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No scripts, no frames, no outside assets: our own stylesheet and forms posting to ourselves.
PAGE_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)

# The web view shows the issue's email HTML, whose CSS is inlined in style attributes (as email
# clients need): those cannot be allowed by hash, so inline styles are allowed there, and still
# no scripts. Images may come from https (an issue could carry a logo).
ISSUE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; form-action 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)

SECURITY_HEADERS = {
    "content-security-policy": PAGE_POLICY,
    # The token in the URL is a capability: never send it on to another site as a Referer.
    # ("same-origin" rather than "no-referrer": under no-referrer browsers send `Origin: null`
    # with our own forms, and the cross-site check could not tell them from a forged post.)
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
    # Every page is about one person's link: no shared cache may keep it.
    "cache-control": "no-store",
    "x-robots-tag": "noindex, nofollow",
}


class SecurityHeaders:
    """Adds SECURITY_HEADERS to each response that has not set its own value."""

    def __init__(self, app: ASGIApp, headers: Mapping[str, str] = SECURITY_HEADERS) -> None:
        self.app = app
        self.headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Refuses request bodies over `limit` bytes: our forms carry one line of text at most."""

    def __init__(self, app: ASGIApp, limit: int = 16_384) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            await _plain(send, 413, b"Request too large.\n")


async def _plain(send: Send, status: int, body: bytes) -> None:
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", b"%d" % len(body)),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
