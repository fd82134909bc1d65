"""One Exchange Online mailbox (MAILBOX) as Graph v1.0 shows it, for tests/m365_server.py.

    cloud.mail.deliver(data)                 # a message arrives in the Inbox (unread)
    cloud.mail.folder("briefcast/processed") # the raw messages in a folder, oldest first
    cloud.mail.answers.append(Canned(429, {"Retry-After": "1"}))  # the next mailbox call's answer
    cloud.mail.policy_allows = False         # the application access policy leaves MAILBOX out
    cloud.mail.calls                         # (method, path and query) of every call
    cloud.mail.on_call = lambda method, target: ...  # runs first at each call (races)
    cloud.mail.next_links_to = "https://graph.example.net"  # next links name another host

The documented calls, answered as Graph documents them:
- GET /v1.0/users/{mailbox}/mailFolders (the top level), .../mailFolders/{id or well-known name},
  .../mailFolders/{id}/childFolders; POST to the first and the last makes a folder
  ({"displayName"}: 201, or 409 ErrorFolderExists).
- GET .../mailFolders/{id}/messages with $select, $top, $skip and $orderby (receivedDateTime;
  newest first without it); at most `page_size` items a page, whatever $top asks, and an
  absolute @odata.nextLink counting on with $skip while there are more.
- GET .../messages/{id}/$value: the MIME as delivered, text/plain; reading marks nothing read.
- POST .../messages/{id}/move {"destinationId"}: 201 with the message under a NEW id, as
  Exchange gives a moved item (without immutable ids).
Every call needs a Graph token of the app that is not revoked (else 401), for MAILBOX (else 404
ErrorInvalidUser), inside the access policy and with Mail.ReadWrite (Mail.Read for reading)
among its roles (else 403 ErrorAccessDenied). An unknown $-option is a 400, as in Graph.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

MAILBOX = "learning@example.org"
WELL_KNOWN = {"inbox", "msgfolderroot", "sentitems", "deleteditems", "drafts", "junkemail"}
POLICY_DENIED = "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly " \
    "AccessPolicy settings."  # fmt: skip
ARRIVALS = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def error_body(code: str, message: str) -> dict:
    """Graph's error body."""
    return {"error": {"code": code, "message": message}}


@dataclass
class Folder:
    id: str
    name: str
    parent: str | None  # None for the top of the mailbox (msgfolderroot)
    well_known: str | None = None


@dataclass
class Message:
    id: str
    folder: str
    data: bytes
    received: datetime
    read: bool = False


class MailStore:
    def __init__(self, server) -> None:  # an M365Server: its graph_url and bearer()
        self.server = server
        self.page_size = 10
        self.answers: list = []  # Canned answers for the next mailbox calls
        self.policy_allows = True
        self.calls: list[tuple[str, str]] = []
        self.on_call: Callable[[str, str], None] | None = None
        self.next_links_to: str | None = None
        self.folders: dict[str, Folder] = {}
        self.messages: dict[str, Message] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        root = self._add("Top of Information Store", None, "msgfolderroot")
        for name, well_known in [("Inbox", "inbox"), ("Drafts", "drafts"),
                                 ("Sent Items", "sentitems"), ("Deleted Items", "deleteditems"),
                                 ("Junk Email", "junkemail")]:  # fmt: skip
            self._add(name, root.id, well_known)

    # -- for the tests ------------------------------------------------------------------------

    def deliver(self, data: bytes, folder: str = "inbox") -> str:
        with self._lock:
            number = next(self._ids)
            message = Message(self._new_id("msg"), self._resolve(folder).id, data,
                              ARRIVALS + timedelta(minutes=number))  # fmt: skip
            self.messages[message.id] = message
            return message.id

    def folder(self, path: str) -> list[bytes]:
        """The raw messages in the folder at `path` ("inbox", "briefcast/processed"), oldest first;
        [] when there is no such folder."""
        with self._lock:
            folder = self._find_path(path)
            if folder is None:
                return []
            inside = [m for m in self.messages.values() if m.folder == folder.id]
            return [m.data for m in sorted(inside, key=lambda m: m.received)]

    def unread(self, path: str) -> int:
        with self._lock:
            folder = self._find_path(path)
            return sum(1 for m in self.messages.values() if folder and m.folder == folder.id
                       and not m.read)  # fmt: skip

    def add_folder(self, path: str) -> None:
        """Make the folders of `path` that are missing, as a person would in Outlook."""
        with self._lock:
            parent = self._resolve("msgfolderroot")
            for name in path.split("/"):
                found = self._named(parent.id, name)
                parent = found or self._add(name, parent.id)

    # -- Graph --------------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers, body: bytes):
        parts = urlsplit(target)
        self.calls.append((method, target))
        if self.on_call is not None:
            self.on_call(method, target)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        segments = [unquote(s) for s in parts.path.split("/")]
        if segments[:3] != ["", "v1.0", "users"] or len(segments) < 5:
            return 404, {}, error_body("UnknownError", "no such resource")
        mailbox, route = segments[3], segments[4:]
        claims = self.server.bearer(headers.get("Authorization", ""))
        if claims is None:
            return 401, {}, error_body("InvalidAuthenticationToken", "Access token is invalid.")
        if mailbox.lower() != MAILBOX:
            return (
                404,
                {},
                error_body("ErrorInvalidUser", f"The requested user '{mailbox}' is invalid."),
            )
        if not self.policy_allows:
            return 403, {}, error_body("ErrorAccessDenied", POLICY_DENIED)
        roles = set(claims.get("roles", []))
        needed = {"Mail.ReadWrite"} | ({"Mail.Read"} if method == "GET" else set())
        if not roles & needed:
            return (
                403,
                {},
                error_body(
                    "ErrorAccessDenied", "Access is denied. Check credentials and try again."
                ),
            )
        unknown = [key for key in query if key not in ("$select", "$top", "$skip", "$orderby")]
        if unknown:
            return 400, {}, error_body("BadRequest", f"Query option '{unknown[0]}' is not allowed.")
        with self._lock:
            if self.answers:
                canned = self.answers.pop(0)
                return (
                    canned.status,
                    canned.headers,
                    (error_body(*canned.error) if canned.error else None),
                )
            try:
                payload = json.loads(body) if body else {}
                return self._route(method, route, query, payload, parts.path)
            except LookupError:
                return (
                    404,
                    {},
                    error_body(
                        "ErrorItemNotFound", "The specified object was not found in the store."
                    ),
                )

    def _route(self, method: str, route: list[str], query: dict, payload: dict, path: str):
        match method, route:
            case "GET", ["mailFolders"]:
                return self._page(self._children(self._resolve("msgfolderroot")), query, path)
            case "POST", ["mailFolders"]:
                return self._make(self._resolve("msgfolderroot"), payload)
            case "GET", ["mailFolders", folder]:
                return 200, {}, self._folder_json(self._resolve(folder), query)
            case "GET", ["mailFolders", folder, "childFolders"]:
                return self._page(self._children(self._resolve(folder)), query, path)
            case "POST", ["mailFolders", folder, "childFolders"]:
                return self._make(self._resolve(folder), payload)
            case "GET", ["mailFolders", folder, "messages"]:
                return self._page(self._messages(self._resolve(folder), query), query, path)
            case "GET", ["messages", message_id, "$value"]:
                return 200, {}, self.messages[message_id].data
            case "POST", ["messages", message_id, "move"]:
                message = self.messages.pop(message_id)
                destination = self._resolve(str(payload.get("destinationId", "")))
                message.id, message.folder = self._new_id("msg"), destination.id
                self.messages[message.id] = message
                return 201, {}, self._message_json(message, {})
        return 400, {}, error_body("BadRequest", f"Unsupported request {method} {path}")

    def _page(self, items: list[dict], query: dict, path: str):
        top = min(int(query.get("$top", 10)), self.page_size)
        skip = int(query.get("$skip", 0))
        page: dict = {"@odata.context": f"{self.server.graph_url}/v1.0/$metadata#{path}",
                      "value": items[skip : skip + top]}  # fmt: skip
        if skip + top < len(items):
            following = urlencode({**query, "$skip": str(skip + top)}, quote_via=quote)
            base = self.next_links_to or self.server.graph_url
            page["@odata.nextLink"] = f"{base}{path}?{following}"
        return 200, {}, page

    def _make(self, parent: Folder, payload: dict):
        name = str(payload.get("displayName", "")).strip()
        if not name:
            return 400, {}, error_body("ErrorInvalidParameter", "displayName is required.")
        if self._named(parent.id, name):
            return (
                409,
                {},
                error_body("ErrorFolderExists", "A folder with the specified name already exists."),
            )
        return 201, {}, self._folder_json(self._add(name, parent.id), {})

    def _children(self, parent: Folder) -> list[dict]:
        return [self._folder_json(f, {}) for f in self.folders.values() if f.parent == parent.id]

    def _messages(self, folder: Folder, query: dict) -> list[dict]:
        order = query.get("$orderby", "receivedDateTime desc")
        if order not in ("receivedDateTime asc", "receivedDateTime desc"):
            raise LookupError(order)
        inside = sorted((m for m in self.messages.values() if m.folder == folder.id),
                        key=lambda m: m.received, reverse=order.endswith("desc"))  # fmt: skip
        return [self._message_json(m, query) for m in inside]

    def _folder_json(self, folder: Folder, query: dict) -> dict:
        inside = [m for m in self.messages.values() if m.folder == folder.id]
        full = {"id": folder.id, "displayName": folder.name, "parentFolderId": folder.parent,
                "childFolderCount": sum(1 for f in self.folders.values() if f.parent == folder.id),
                "unreadItemCount": sum(1 for m in inside if not m.read),
                "totalItemCount": len(inside), "isHidden": False}  # fmt: skip
        return _selected(full, query)

    def _message_json(self, message: Message, query: dict) -> dict:
        full = {"@odata.etag": f'W/"{message.id[-8:]}"', "id": message.id,
                "receivedDateTime": message.received.isoformat().replace("+00:00", "Z"),
                "isRead": message.read, "parentFolderId": message.folder}  # fmt: skip
        return _selected(full, query)

    # -- the folder tree ----------------------------------------------------------------------

    def _add(self, name: str, parent: str | None, well_known: str | None = None) -> Folder:
        folder = Folder(self._new_id("folder"), name, parent, well_known)
        self.folders[folder.id] = folder
        return folder

    def _resolve(self, id_or_name: str) -> Folder:
        """A folder by id or well-known name; LookupError (404) if there is none."""
        if id_or_name.lower() in WELL_KNOWN:
            return next(f for f in self.folders.values() if f.well_known == id_or_name.lower())
        return self.folders[id_or_name]

    def _named(self, parent: str, name: str) -> Folder | None:
        return next((f for f in self.folders.values()
                     if f.parent == parent and f.name.lower() == name.lower()), None)  # fmt: skip

    def _find_path(self, path: str) -> Folder | None:
        names = path.split("/")
        folder: Folder | None = self._resolve("msgfolderroot")
        if names[0].lower() == "inbox":
            folder, names = self._resolve("inbox"), names[1:]
        for name in names:
            folder = self._named(folder.id, name) if folder else None
        return folder

    def _new_id(self, kind: str) -> str:
        # Shaped like Exchange's: long, base64 with - and _, ending in "=".
        raw = f"{kind}-{next(self._ids):06d}-{MAILBOX}".encode()
        return "AAMkAG" + base64.urlsafe_b64encode(raw).decode().rstrip("=") + "AAA="


def _selected(full: dict, query: dict) -> dict:
    if "$select" not in query:
        return full
    wanted = {"id", *query["$select"].split(",")}
    return {key: value for key, value in full.items() if key in wanted or key.startswith("@")}
