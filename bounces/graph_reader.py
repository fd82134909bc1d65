"""The sending mailbox through Microsoft Graph: the messages in its folder, and moving one to the
done folder (the contract is bounces/mailbox.py; bounces/reader.py is the IMAP source).

    with open_graph_mailbox(settings.bounces, tokens) as mailbox:
        for message_id, data in mailbox.messages():
            ...
            mailbox.move(message_id)

For tenants that turned IMAP off. The app (delivery/oauth.py, scope GRAPH_SCOPE) needs the
application permission Mail.ReadWrite, kept to this mailbox by RBAC for Applications or an
application access policy (docs/microsoft365.md). The requests, as Graph v1.0 documents them:
- the folders by path, as IMAP on Exchange names them: "inbox" is the well-known Inbox (its
  display name is in the mailbox's language); other levels by displayName among /mailFolders
  (the top of the mailbox) and .../childFolders; a missing done folder is made with a POST.
- GET .../mailFolders/{id}/messages ($select=id, $top, oldest first), following @odata.nextLink:
  every id is listed before any is moved, since a next link counts by position ($skip) and a
  move would shift the messages after it.
- GET .../messages/{id}/$value: the message as received (MIME). Reading through Graph leaves it
  unread, as BODY.PEEK does over IMAP.
- POST .../messages/{id}/move with the done folder's id (the moved message gets a new id).
Answers: throttling (429, 503, 504) is waited out by the graph transport's rule (`throttled`);
a 401 gets one new token; 403 names the permission; a 404 for the mailbox names the setting;
anything else is a MailboxError, one line.
"""

from __future__ import annotations

import json
import logging
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlencode

from briefcast.bounces.mailbox import MailboxError
from briefcast.delivery.https import MAX_ANSWER, Answer, Unreachable, get, post
from briefcast.delivery.oauth import TokenSource
from briefcast.delivery.transports.graph import graph_error, throttled, user_url
from briefcast.settings import GraphBounceSettings

log = logging.getLogger("briefcast.worker")
PAGE = 50  # ids asked for per page of the folder (Graph may send fewer)
# A delivery report quotes at most our own message, tens of KB; a larger message is a person's.
MAX_MESSAGE = 10 * 1024 * 1024
INBOX = "inbox"  # Graph's well-known name, usable wherever a folder id is
SETUP = "see docs/microsoft365.md"


@contextmanager
def open_graph_mailbox(
    settings: GraphBounceSettings,
    tokens: TokenSource | None,
    *,
    ssl_context: ssl.SSLContext | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[GraphMailbox]:
    if tokens is None:
        raise MailboxError(
            f"Graph mailbox {settings.mailbox}: no token source is configured; set the "
            f"BRIEFCAST_OAUTH_* settings ({SETUP})"
        )
    mailbox = GraphMailbox(settings, tokens, ssl_context=ssl_context, sleep=sleep)
    mailbox.prepare()
    yield mailbox  # nothing to close: every call is its own HTTPS request


class GraphMailbox:
    def __init__(
        self,
        settings: GraphBounceSettings,
        tokens: TokenSource,
        *,
        ssl_context: ssl.SSLContext | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.tokens = tokens
        self.where = f"Graph mailbox {settings.mailbox}"
        self.base = user_url(settings.url, settings.mailbox)
        self.folder_id = INBOX
        self.done_id = ""
        self.requests = 0  # requests made, for tests and logs
        self._ssl_context = ssl_context
        self._sleep = sleep
        self._token: str | None = None

    def prepare(self) -> None:
        """Find the folder, and the done folder (made if missing)."""
        self.folder_id = self._folder(self.settings.folder, "FOLDER", make=False)
        self.done_id = self._folder(self.settings.done_folder, "DONE_FOLDER", make=True)

    def messages(self) -> Iterator[tuple[str, bytes]]:
        query = {"$select": "id", "$top": str(PAGE), "$orderby": "receivedDateTime asc"}
        url = f"{self.base}/mailFolders/{_q(self.folder_id)}/messages?{_query(query)}"
        for message_id in [_id(message) for message in self._listed(url)]:
            answer = self._call("GET", f"{self.base}/messages/{_q(message_id)}/$value", (200, 404))
            if answer.status == 404:  # gone meanwhile (another reader moved it): nothing to do
                continue
            if answer.truncated:
                megabytes = MAX_MESSAGE >> 20
                log.warning(
                    "bounces: %s: a message over %d MB left as it is", self.where, megabytes
                )
                continue
            yield message_id, answer.body

    def move(self, message_id: str) -> None:
        url = f"{self.base}/messages/{_q(message_id)}/move"
        # 404: moved meanwhile by another reader, which is where this one was going.
        self._call("POST", url, (200, 201, 404), {"destinationId": self.done_id})

    # -- folders --------------------------------------------------------------------------------

    def _folder(self, path: str, setting: str, *, make: bool) -> str:
        """The id of the folder at `path` (BRIEFCAST_BOUNCE_GRAPH_`setting`), levels made where
        missing if `make`."""
        names = path.split("/")
        parent = None
        if names[0].lower() == INBOX:
            parent, names = INBOX, names[1:]
        for name in names:
            parent = self._child(parent, name, path, setting, make=make)
        assert parent is not None  # the settings refuse an empty path
        return parent

    def _child(self, parent: str | None, name: str, path: str, setting: str, *, make: bool) -> str:
        url = f"{self.base}/mailFolders"
        if parent is not None:
            url += f"/{_q(parent)}/childFolders"
        query = _query({"$select": "id,displayName", "$top": "100"})
        for folder in self._listed(f"{url}?{query}"):
            # Exchange keeps folder names unique regardless of case, as IMAP shows them.
            if str(folder.get("displayName", "")).lower() == name.lower():
                return _id(folder)
        if not make:
            raise MailboxError(
                f"{self.where}: no folder {path!r}; check BRIEFCAST_BOUNCE_GRAPH_{setting}"
            )
        answer = self._call("POST", url, (201, 409), {"displayName": name})
        if answer.status == 409:  # made meanwhile by another reader: find it
            return self._child(parent, name, path, setting, make=False)
        return _id(answer.json())

    def _listed(self, url: str) -> Iterator[dict]:
        """The items of a collection, page after page (@odata.nextLink)."""
        while url:
            page = self._call("GET", url, (200,)).json()
            yield from (item for item in page.get("value", []) if isinstance(item, dict))
            url = page.get("@odata.nextLink") or ""
            # The token goes only where it went before: a next link elsewhere is not followed.
            if url and not url.startswith(self.settings.url + "/"):
                raise MailboxError(f"{self.where}: Graph sent a next link to another host: {url}")

    # -- requests -------------------------------------------------------------------------------

    def _call(
        self, method: str, url: str, expected: tuple[int, ...], payload: dict | None = None
    ) -> Answer:
        """One Graph request: one new token after a 401, throttling waited out, and any
        answer not `expected` made a MailboxError."""
        renewed, attempt = False, 1
        while True:
            answer = self._send(method, url, payload)
            if answer.status in expected and not _no_such_mailbox(answer):
                return answer
            if answer.status == 401 and not renewed:
                self._token, renewed = self.tokens.renew(), True
                continue
            wait, again = throttled(answer, attempt)
            if again:
                assert wait is not None
                self._sleep(wait)
                attempt += 1
                continue
            raise self._failure(answer, wait)

    def _send(self, method: str, url: str, payload: dict | None) -> Answer:
        if self._token is None:
            self._token = self.tokens.token()
        headers = {"Authorization": f"Bearer {self._token}"}
        timeout = self.settings.timeout
        try:
            if method == "GET":
                limit = MAX_MESSAGE if url.endswith("/$value") else MAX_ANSWER
                answer = get(url, headers, timeout=timeout, ssl_context=self._ssl_context,
                             limit=limit)  # fmt: skip
            else:
                headers["Content-Type"] = "application/json"
                body = json.dumps(payload or {}).encode()
                answer = post(url, body, headers, timeout=timeout, ssl_context=self._ssl_context)
        except Unreachable as error:
            raise MailboxError(f"{self.where}: {error}; check BRIEFCAST_GRAPH_URL") from None
        self.requests += 1
        return answer

    def _failure(self, answer: Answer, wait: float | None) -> MailboxError:
        status = answer.status
        said = f"{self.where}: Graph answered {status} {graph_error(answer)}".rstrip()
        if status == 401:
            return MailboxError(
                f"{said}: the token was refused twice (the second one new); check the app's "
                f"Mail.ReadWrite application permission and its admin consent ({SETUP})"
            )
        if status == 403:
            return MailboxError(
                f"{said}: the app may not read this mailbox; it needs the Mail.ReadWrite "
                "application permission, and the mailbox inside its application access policy "
                f"or RBAC for Applications scope ({SETUP})"
            )
        if _no_such_mailbox(answer):
            return MailboxError(f"{said}: check BRIEFCAST_BOUNCE_GRAPH_MAILBOX ({SETUP})")
        if wait is not None:
            return MailboxError(f"{said}; it asked to wait {wait:g} s: the next fetch tries again")
        return MailboxError(said)


def _no_such_mailbox(answer: Answer) -> bool:
    error = answer.json().get("error")
    code = error.get("code") if isinstance(error, dict) else None
    return answer.status == 404 and code in {"ErrorInvalidUser", "MailboxNotEnabledForRESTAPI"}


def _id(item: dict) -> str:
    """A folder's or message's id, which Graph always sends."""
    value = item.get("id")
    if not isinstance(value, str) or not value:
        raise MailboxError(f"Graph sent a folder or message without an id: {str(item)[:200]}")
    return value


def _query(options: dict[str, str]) -> str:
    # As Graph's documentation writes them: $ and commas as they are, a space as %20 (not +).
    return urlencode(options, safe="$,", quote_via=quote)


def _q(folder_or_message_id: str) -> str:
    # Graph's ids are base64 (with - and _): "=" and anything else are percent-encoded.
    return quote(folder_or_message_id, safe="")
