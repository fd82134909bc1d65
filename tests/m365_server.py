"""A stand-in for Microsoft's token endpoint and Graph (sendMail, one mailbox's folders and
messages): HTTP on 127.0.0.1, in a thread. Tests get one as the `cloud` fixture (tests/conftest.py).

    with M365Server() as cloud:
        cloud.token_url                  # http://127.0.0.1:PORT/TENANT/oauth2/v2.0/token
        cloud.graph_url                  # http://127.0.0.1:PORT (BRIEFCAST_GRAPH_URL)
        cloud.oauth()                    # OAuthSettings: the client secret; oauth(certificate=path)
        cloud.tokens                     # claims of every token issued, in order
        cloud.sent                       # [(To address, raw message)] that sendMail accepted
        cloud.answers.append(Canned(429, {"Retry-After": "1"}))   # the next sendMail's answer
        cloud.revoke()                   # every token issued so far is refused from now on
        cloud.graph_roles.append("Mail.ReadWrite")   # what the app was granted in Graph
        cloud.mail.deliver(data)         # a message arrives in MAILBOX's Inbox (tests/m365_mail.py)
        cloud.unanswered.add(address)    # a message to it is taken, then the connection dropped

The token endpoint does the client credentials grant as Microsoft's identity platform documents
it: the client id, a scope ending in /.default, and either the client secret or a client assertion
(RFC 7523) signed by the registered certificate, checked like Entra ID checks it (signature, x5t
or x5t#S256 thumbprint, aud = the token URL, iss = sub = client id, short lifetime, no replay).
It issues JWTs signed with TOKEN_KEY (HS256) carrying the audience and the app's role for that
resource (SMTP.SendAsApp; Mail.Send and the rest of `graph_roles`): the SMTP test server
(tests/smtp_server.py, another process) checks them with the same key, as Exchange Online
checks Entra's tokens.

sendMail takes the documented MIME request (POST /v1.0/users/{MAILBOX}/sendMail, Content-Type
text/plain, the message base64-encoded) and answers 202, or a documented error: 401 for a bad or
revoked token, 404 for another mailbox, 400 for a body that is not base64 MIME. The mailbox's
folders and messages (mailFolders, messages, $value, move) are tests/m365_mail.py's.

`Clock` and `Waits` stand in for the time the token and Graph code would otherwise spend.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self
from urllib.parse import parse_qs, unquote

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from m365_mail import MAILBOX, MailStore, error_body

from briefcast.settings import OAuthSettings

TENANT = "00000000-0000-4000-8000-00000000feed"  # a made-up tenant id
CLIENT_ID = "11111111-2222-4333-8444-555555555555"  # a made-up app (client) id
CLIENT_SECRET = "a-client-secret-for-tests"
TOKEN_KEY = "a key the test servers share to sign and check access tokens"
AUDIENCES = {
    "https://outlook.office365.com/.default": "https://outlook.office365.com",
    "https://graph.microsoft.com/.default": "https://graph.microsoft.com",
}


class Clock:
    """A monotonic clock the test moves on (TokenSource's `clock`)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Waits(list):
    """Records the waits Graph's callers ask for instead of sleeping (their `sleep`)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@dataclass(frozen=True)
class Canned:
    """An answer Graph gives instead of its own (sendMail's: the message is then not sent)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    error: tuple[str, str] | None = None  # Graph's {"error": {"code", "message"}}


class M365Server:
    def __init__(self, *, token_lifetime: int = 3599, certificate: Path | None = None) -> None:
        self.token_lifetime = token_lifetime
        self.certificate = _load_certificate(certificate) if certificate else None
        self.tokens: list[dict] = []
        self.sent: list[tuple[str, bytes]] = []
        self.answers: list[Canned] = []
        # To addresses whose message is taken (in `sent`) but never answered: the connection is
        # dropped instead of the 202, so the sender cannot know it went.
        self.unanswered: set[str] = set()
        self.token_failures: list[tuple[int, dict]] = []  # the token endpoint's next answers
        self.sendmail_requests = 0
        # The app's application permissions in Graph, carried in its tokens' roles.
        self.graph_roles: list[str] = ["Mail.Send"]
        self.mail = MailStore(self)
        self._revoked: set[str] = set()
        self._assertions: set[str] = set()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{TENANT}/oauth2/v2.0/token"

    @property
    def graph_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def oauth(self, **changes: object) -> OAuthSettings:
        values: dict = {"token_url": self.token_url, "client_id": CLIENT_ID}
        values["client_secret"] = None if "certificate_file" in changes else CLIENT_SECRET
        values.update(changes)
        return OAuthSettings(**values)

    def revoke(self) -> None:
        with self._lock:
            self._revoked.update(token["jti"] for token in self.tokens)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- the token endpoint -------------------------------------------------------------------

    def issue(self, form: dict[str, str]) -> tuple[int, dict]:
        with self._lock:
            if self.token_failures:
                return self.token_failures.pop(0)
        if form.get("grant_type") != "client_credentials":
            return 400, _aad("unsupported_grant_type", "AADSTS70003: grant type not supported")
        if form.get("client_id") != CLIENT_ID:
            return 400, _aad("unauthorized_client", f"AADSTS700016: no app {form.get('client_id')}")
        if form.get("scope") not in AUDIENCES:
            return 400, _aad("invalid_scope", f"AADSTS1002012: bad scope {form.get('scope')}")
        if not self._client_proved(form):
            return 401, _aad("invalid_client", "AADSTS7000215: Invalid client secret provided.")
        audience = AUDIENCES[form["scope"]]
        roles = ["SMTP.SendAsApp"] if "outlook" in audience else list(self.graph_roles)
        now = int(time.time())
        claims = {"aud": audience, "appid": CLIENT_ID, "roles": roles, "tid": TENANT, "iat": now}
        claims.update(exp=now + self.token_lifetime, jti=str(uuid.uuid4()))
        with self._lock:
            self.tokens.append(claims)
        token = jwt.encode(claims, TOKEN_KEY, algorithm="HS256")
        return 200, {"token_type": "Bearer", "expires_in": self.token_lifetime,
                     "ext_expires_in": self.token_lifetime, "access_token": token}  # fmt: skip

    def _client_proved(self, form: dict[str, str]) -> bool:
        if "client_secret" in form:
            return form["client_secret"] == CLIENT_SECRET and "client_assertion" not in form
        if form.get("client_assertion_type") != (
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ):
            return False
        if self.certificate is None:
            return False
        assertion = form.get("client_assertion", "")
        try:
            header = jwt.get_unverified_header(assertion)
            public_key, thumbprints = self.certificate
            expected = {"PS256": ("x5t#S256", thumbprints[1]), "RS256": ("x5t", thumbprints[0])}
            name, thumbprint = expected[header["alg"]]
            if header.get(name) != thumbprint:
                return False
            claims = jwt.decode(
                assertion, public_key, algorithms=[header["alg"]], audience=self.token_url,
                issuer=CLIENT_ID, options={"require": ["exp", "nbf", "jti", "sub"]},
            )  # fmt: skip
        except (jwt.InvalidTokenError, KeyError):
            return False
        if claims["sub"] != CLIENT_ID or claims["exp"] - claims["nbf"] > 3600:
            return False
        with self._lock:
            if claims["jti"] in self._assertions:  # a replayed assertion
                return False
            self._assertions.add(claims["jti"])
        return True

    # -- sendMail -----------------------------------------------------------------------------

    def send_mail(self, path: str, headers, body: bytes) -> tuple[int | None, dict, dict | None]:
        with self._lock:
            self.sendmail_requests += 1
        mailbox = unquote(path.removeprefix("/v1.0/users/").removesuffix("/sendMail"))
        if not (path.startswith("/v1.0/users/") and path.endswith("/sendMail")):
            return 404, {}, error_body("UnknownError", "no such resource")
        claims = self.bearer(headers.get("Authorization", ""))
        if claims is None or "Mail.Send" not in claims.get("roles", []):
            return 401, {}, error_body("InvalidAuthenticationToken", "Access token is invalid.")
        if mailbox.lower() != MAILBOX:
            return (
                404,
                {},
                error_body("ErrorInvalidUser", f"The requested user '{mailbox}' is invalid."),
            )
        if headers.get("Content-Type", "").split(";")[0].strip() != "text/plain":
            return 400, {}, error_body("RequestBodyRead", "expected MIME content as text/plain")
        try:
            raw = base64.b64decode(body, validate=True)
        except binascii.Error:
            return (
                400,
                {},
                error_body("ErrorMimeContentInvalidBase64String", "Invalid base64 string"),
            )
        with self._lock:
            canned = self.answers.pop(0) if self.answers else None
        if canned is not None:
            return (
                canned.status,
                canned.headers,
                error_body(*canned.error) if canned.error else None,
            )
        message = BytesParser(policy=policy.default).parsebytes(raw)
        if message["To"] is None or not message["To"].addresses:
            return (
                400,
                {},
                error_body("ErrorInvalidRecipients", "At least one recipient is not valid."),
            )
        to = message["To"].addresses[0].addr_spec
        with self._lock:
            self.sent.append((to, raw))
            if to in self.unanswered:
                return None, {}, None  # taken, never answered
        return 202, {}, None

    def bearer(self, authorization: str) -> dict | None:
        """The claims of a Graph token that is ours, unexpired and not revoked; else None."""
        if not authorization.startswith("Bearer "):
            return None
        try:
            claims = jwt.decode(
                authorization.removeprefix("Bearer "), TOKEN_KEY, algorithms=["HS256"],
                audience="https://graph.microsoft.com",
            )  # fmt: skip
        except jwt.InvalidTokenError:
            return None
        with self._lock:
            revoked = claims.get("jti") in self._revoked
        return None if revoked else claims


def _aad(error: str, description: str) -> dict:
    # Entra ID's error bodies end with trace lines on new lines: the client must keep one line.
    return {"error": error, "error_description": f"{description}\r\nTrace ID: 0000\r\n"}


def _load_certificate(path: Path):
    certificate = x509.load_pem_x509_certificate(path.read_bytes())
    der = certificate.public_bytes(serialization.Encoding.DER)
    encode = lambda digest: base64.urlsafe_b64encode(digest).rstrip(b"=").decode()  # noqa: E731
    sha1, sha256 = encode(hashlib.sha1(der).digest()), encode(hashlib.sha256(der).digest())
    return certificate.public_key(), (sha1, sha256)


def _handler(server: M365Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.answer(*server.mail.handle("GET", self.path, self.headers, b""))

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path == f"/{TENANT}/oauth2/v2.0/token":
                form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
                status, answer = server.issue(form)
                self.answer(status, {}, answer)
            elif self.path.endswith("/sendMail"):
                self.answer(*server.send_mail(self.path, self.headers, body))
            else:
                self.answer(*server.mail.handle("POST", self.path, self.headers, body))

        def answer(self, status: int | None, headers: dict, data: dict | bytes | None) -> None:
            if status is None:  # drop the connection instead of answering
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            raw = isinstance(data, bytes)  # a message's MIME ($value)
            payload = data if raw else json.dumps(data).encode() if data is not None else b""
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if payload:
                self.send_header("Content-Type", "text/plain" if raw else "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:  # quiet: pytest shows failures
            pass

    return Handler
