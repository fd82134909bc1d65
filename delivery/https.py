"""One HTTPS POST or GET with a timeout (urllib): the token endpoint, Graph and an OpenID
provider's documents, without a new dependency.

    answer = post(url, body, {"Content-Type": "..."}, timeout=30)   # any status: Answer
    answer = get(url, timeout=15)
    answer.status, answer.header("Retry-After"), answer.json()

Every HTTP status comes back as an `Answer` for the caller to judge; only a failure to talk at
all (no such host, refused, reset, timed out, TLS) raises, as `Unreachable` with one line;
`unanswered` when the whole request had been written and only the answer failed (a POST may then
have been acted on: Graph's sendMail).
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import urlsplit

from briefcast.errors import BriefcastError

# An answer larger than this is not one we asked for (a token is a few KB, an error a few hundred).
MAX_ANSWER = 1 << 20


class Unreachable(BriefcastError):
    """No HTTP answer at all. `lasting` when retrying cannot help (unknown host, TLS refused);
    `unanswered` when the request went whole and the server may have acted on it."""

    def __init__(self, message: str, *, lasting: bool = False, unanswered: bool = False) -> None:
        super().__init__(message)
        self.lasting = lasting
        self.unanswered = unanswered


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes = field(repr=False)
    headers: Message = field(repr=False)
    truncated: bool = False  # the body went on past the caller's limit (only its start is here)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def json(self) -> dict:
        """The body as a JSON object; {} when it is not one (an HTML error page, nothing)."""
        try:
            value = json.loads(self.body)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


def post(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeout: float,
    ssl_context: ssl.SSLContext | None = None,
) -> Answer:
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    return _exchange(request, timeout=timeout, ssl_context=ssl_context)


def get(
    url: str,
    headers: Mapping[str, str] | None = None,
    *,
    timeout: float,
    ssl_context: ssl.SSLContext | None = None,
    limit: int = MAX_ANSWER,
) -> Answer:
    """`limit`: the most of the body kept (a whole email message, say); longer is `truncated`."""
    request = urllib.request.Request(url, headers=dict(headers or {}), method="GET")
    return _exchange(request, timeout=timeout, ssl_context=ssl_context, limit=limit)


def _exchange(
    request: urllib.request.Request,
    *,
    timeout: float,
    ssl_context: ssl.SSLContext | None,
    limit: int = MAX_ANSWER,
) -> Answer:
    url = request.full_url
    host = urlsplit(url).netloc
    written: list[bool] = []  # [True] once the whole request was written
    opener = urllib.request.build_opener(
        _HttpHandler(written), _HttpsHandler(written, context=ssl_context)
    )
    try:
        with opener.open(request, timeout=timeout) as response:
            body = response.read(limit + 1)
            return Answer(response.status, body[:limit], response.headers, len(body) > limit)
    except urllib.error.HTTPError as error:  # a 4xx or 5xx: an answer all the same
        with error:
            return Answer(error.code, error.read(MAX_ANSWER), error.headers)
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", error)
        if written:
            how = (
                f"did not answer within {timeout:g} s"
                if isinstance(reason, TimeoutError | socket.timeout)
                else f"gave no answer ({reason or type(reason).__name__})"
            )
            raise Unreachable(f"{host} {how} to the whole request", unanswered=True) from None
        if isinstance(reason, TimeoutError | socket.timeout):
            raise Unreachable(f"{host} did not answer within {timeout:g} s") from None
        if isinstance(reason, socket.gaierror):
            raise Unreachable(f"the host of {url} is unknown", lasting=True) from None
        if isinstance(reason, ssl.SSLError | ssl.CertificateError):
            detail = getattr(reason, "verify_message", None) or getattr(reason, "reason", reason)
            raise Unreachable(f"TLS with {host} failed ({detail})", lasting=True) from None
        if isinstance(reason, ConnectionRefusedError):
            raise Unreachable(f"{host} refused the connection") from None
        raise Unreachable(f"talking to {host} failed ({reason})") from None


def _noting_the_request_written(
    base: type[http.client.HTTPConnection], written: list[bool]
) -> type[http.client.HTTPConnection]:
    """`base` that notes, once the request (headers and body) is written, that only the answer
    is left: urllib calls getresponse() after request() has sent everything."""

    class Connection(base):  # type: ignore[valid-type, misc]
        def getresponse(self) -> http.client.HTTPResponse:
            written.append(True)
            return super().getresponse()

    return Connection


class _HttpHandler(urllib.request.HTTPHandler):
    def __init__(self, written: list[bool]) -> None:
        super().__init__()
        self._connection = _noting_the_request_written(http.client.HTTPConnection, written)

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req)


class _HttpsHandler(urllib.request.HTTPSHandler):
    def __init__(self, written: list[bool], *, context: ssl.SSLContext | None) -> None:
        super().__init__(context=context)
        self._connection = _noting_the_request_written(http.client.HTTPSConnection, written)

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req, context=self._context)
