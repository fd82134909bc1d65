"""One HTTPS POST or GET with a timeout (urllib): the token endpoint, Graph and an OpenID
provider's documents, without a new dependency.

    answer = post(url, body, {"Content-Type": "..."}, timeout=30)   # any status: Answer
    answer = get(url, timeout=15)
    answer.status, answer.header("Retry-After"), answer.json()

Every HTTP status comes back as an `Answer` for the caller to judge; only a failure to talk at
all (no such host, refused, reset, timed out, TLS) raises, as `Unreachable` with one line.
"""

from __future__ import annotations

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
    """No HTTP answer at all. `lasting` when retrying cannot help (unknown host, TLS refused)."""

    def __init__(self, message: str, *, lasting: bool = False) -> None:
        super().__init__(message)
        self.lasting = lasting


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
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=ssl_context) as response:
            body = response.read(limit + 1)
            return Answer(response.status, body[:limit], response.headers, len(body) > limit)
    except urllib.error.HTTPError as error:  # a 4xx or 5xx: an answer all the same
        with error:
            return Answer(error.code, error.read(MAX_ANSWER), error.headers)
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
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
