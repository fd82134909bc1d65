"""The graph transport: each message through Microsoft Graph's sendMail, as MIME, from one mailbox.

`POST {BRIEFCAST_GRAPH_URL}/v1.0/users/{mailbox}/sendMail` with the finished message
base64-encoded and `Content-Type: text/plain` (Microsoft's MIME send), so every header briefcast
wrote arrives as written, List-Unsubscribe and List-Unsubscribe-Post included (the JSON form
takes only X- headers). The token comes from delivery/oauth.py (scope GRAPH_SCOPE).

Graph has no envelope: it sends to the message's own To/Cc/Bcc, from the mailbox, and reports a
failed delivery later, as a report in that mailbox. So a message whose header recipients are not
exactly the envelope's recipient is refused here and nothing is sent (one message per recipient).

Answers, sorted into the contract's failures:
- 202: accepted. 429, 503, 504: throttled; waited out as Retry-After asks (at most MAX_WAIT),
  up to ATTEMPTS tries, then TemporaryFailure; other 5xx: TemporaryFailure. No answer (a timeout
  or a dropped connection) after the whole request was written: OutcomeUnknown, since Graph may
  have taken the message; before that: TemporaryFailure.
- 401: one new token, then TransportUnavailable; 403 (no Mail.Send, outside the access policy,
  a From it may not send as), 404 (no such mailbox): TransportUnavailable, a person must act.
- 400, 413 and the other 4xx: PermanentFailure for this message.
Graph's other limits are the mailbox's Exchange sending limits (30 messages a minute, 10,000
recipients a day): the graph transport gets BRIEFCAST_RELAY_PRESET=microsoft365 by default.
"""

from __future__ import annotations

import base64
import email.policy
import ssl
import time
from collections.abc import Callable
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime
from urllib.parse import quote

from briefcast.delivery.https import Answer, Unreachable, post
from briefcast.delivery.oauth import TokenError, TokenSource, one_line
from briefcast.delivery.transports.base import (
    Envelope,
    OutcomeUnknown,
    PermanentFailure,
    TemporaryFailure,
    TransportBase,
    TransportError,
    TransportUnavailable,
    check_envelope,
)
from briefcast.settings import GraphSettings

THROTTLED = frozenset({429, 503, 504})
ATTEMPTS = 4  # tries of one message while Graph says "wait"
MAX_WAIT = 60.0  # seconds; a longer Retry-After is left to the send loop's own retry
DEFAULT_WAIT = 5.0  # when a throttling answer gives no Retry-After
# Graph refuses a request over 4 MB; the base64 body is a third larger than the message.
MAX_REQUEST = 4 * 1024 * 1024
SETUP = "see docs/microsoft365.md"


class GraphTransport(TransportBase):
    name = "graph"

    def __init__(
        self,
        settings: GraphSettings,
        tokens: TokenSource,
        *,
        ssl_context: ssl.SSLContext | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.tokens = tokens
        self.requests = 0  # sendMail requests made, for tests and logs
        self._ssl_context = ssl_context
        self._sleep = sleep
        self.url = f"{user_url(settings.url, settings.mailbox)}/sendMail"

    def send(
        self,
        envelope: Envelope,
        message: bytes,
        meanwhile: Callable[[], None] | None = None,
        idle: Callable[[], None] | None = None,  # never waits on a relay mid-message
    ) -> None:
        check_envelope(envelope)
        self._check_recipients(envelope, message)
        body = base64.b64encode(message)
        if len(body) > MAX_REQUEST:
            raise PermanentFailure(
                f"{envelope.recipient}: the message is {len(message) // 1024} KB, more than "
                "Graph's sendMail takes (4 MB as base64); nothing was sent"
            )
        token = self._token(renew=False)
        if meanwhile is not None:
            meanwhile()  # its error comes out unchanged, and nothing was handed over
        renewed, attempt = False, 1
        while True:
            answer = self._post(body, token)
            if 200 <= answer.status < 300:
                return
            if answer.status == 401 and not renewed:
                token, renewed = self._token(renew=True), True
                continue
            wait, again = throttled(answer, attempt)
            if again:
                self._sleep(wait)
                attempt += 1
                continue
            raise self._failure(answer, envelope, wait)

    def _check_recipients(self, envelope: Envelope, message: bytes) -> None:
        named = header_recipients(message)
        if named != {envelope.recipient.lower()}:
            raise PermanentFailure(
                f"{envelope.recipient}: Graph sends to the message's own To, Cc and Bcc, which "
                f"name {', '.join(sorted(named)) or 'nobody'}; nothing was sent"
            )

    def _token(self, *, renew: bool) -> str:
        try:
            return self.tokens.renew() if renew else self.tokens.token()
        except TokenError as error:
            failure = TemporaryFailure if error.temporary else TransportUnavailable
            raise failure(str(error)) from None

    def _post(self, body: bytes, token: str) -> Answer:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/plain"}
        try:
            answer = post(
                self.url,
                body,
                headers,
                timeout=self.settings.timeout,
                ssl_context=self._ssl_context,
            )
        except Unreachable as error:
            if error.lasting:
                raise TransportUnavailable(f"Graph: {error}; check BRIEFCAST_GRAPH_URL") from None
            if error.unanswered:
                raise OutcomeUnknown(f"Graph: {error}: the message may have been sent") from None
            raise TemporaryFailure(f"Graph: {error}") from None
        self.requests += 1
        return answer

    def _failure(self, answer: Answer, envelope: Envelope, wait: float | None) -> TransportError:
        status, mailbox = answer.status, self.settings.mailbox
        said = f"Graph answered {status} {graph_error(answer)}"
        if status in THROTTLED or status >= 500:
            later = f"; it asked to wait {wait:g} s" if wait is not None else ""
            return TemporaryFailure(f"{said}{later}")
        if status == 401:
            return TransportUnavailable(
                f"{said}: the token was refused twice (the second one new); check the app's "
                f"Mail.Send application permission and its admin consent ({SETUP})"
            )
        if status == 403:
            return TransportUnavailable(
                f"{said}: check the app's Mail.Send permission, that the access policy lets it "
                f"send as {mailbox}, and that the campaign's sender is that mailbox ({SETUP})"
            )
        if status == 404:
            return TransportUnavailable(
                f"{said}: no mailbox {mailbox}; check BRIEFCAST_GRAPH_MAILBOX ({SETUP})"
            )
        return PermanentFailure(f"{envelope.recipient}: {said}")


def header_recipients(message: bytes) -> set[str]:
    """The addresses in To, Cc and Bcc (lower case): where Graph will send the message."""
    head = message.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
    headers = BytesHeaderParser(policy=email.policy.default).parsebytes(head)
    return {
        address.addr_spec.lower()
        for name in ("To", "Cc", "Bcc")
        for value in headers.get_all(name, [])
        for address in getattr(value, "addresses", ())
    }


def graph_error(answer: Answer) -> str:
    """Graph's error code and message ({"error": {"code", "message"}}), as one line."""
    error = answer.json().get("error")
    if not isinstance(error, dict):
        return ""
    return one_line(f"{error.get('code', '')}: {error.get('message', '')}").strip(": ")


def user_url(graph_url: str, mailbox: str) -> str:
    """Graph's URL of one mailbox (/v1.0/users/{address or id}): briefcast's calls go under it."""
    return f"{graph_url}/v1.0/users/{quote(mailbox, safe='@')}"


def throttled(answer: Answer, attempt: int) -> tuple[float | None, bool]:
    """Graph's throttling rule, for every call briefcast makes to Graph (sendMail, the bounce
    mailbox): (the seconds it asked to wait, None when it did not throttle; whether to wait
    them out and try again: at most MAX_WAIT, and ATTEMPTS tries in all)."""
    if answer.status not in THROTTLED:
        return None, False
    wait = retry_after(answer)
    return wait, wait <= MAX_WAIT and attempt < ATTEMPTS


def retry_after(answer: Answer) -> float:
    """Seconds to wait, from Retry-After (seconds or an HTTP date); DEFAULT_WAIT without it."""
    value = (answer.header("Retry-After") or "").strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return DEFAULT_WAIT
    return max(0.0, moment.timestamp() - time.time())
