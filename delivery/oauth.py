"""OAuth 2.0 access tokens for briefcast's own app (client credentials), kept and renewed early.

    tokens = TokenSource(settings.oauth, SMTP_SCOPE)     # or GRAPH_SCOPE
    tokens.token()          # the kept token while enough of its life is left, else a new one
    tokens.renew()          # a new one now: the relay or Graph refused the last (535, 401)
    xoauth2(mailbox, token) # SASL XOAUTH2's initial response (SMTP AUTH, IMAP AUTHENTICATE)

The one place that talks to the token endpoint, for the smtp transport, the graph transport and
the bounce reader (a TokenSource is a token-provider callable: `tokens()`). The app proves who
it is with a client secret, or with a certificate: a short-lived JWT it signs (RFC 7523), as
Microsoft's identity platform documents ("certificate credentials"). Errors are `TokenError`, one
line; `temporary` when the endpoint could not answer (try later), else a person must act.
"""

from __future__ import annotations

import base64
import hashlib
import re
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from briefcast.delivery.https import Unreachable, post
from briefcast.errors import BriefcastError
from briefcast.settings import OAuthSettings

SMTP_SCOPE = "https://outlook.office365.com/.default"  # Exchange Online: SMTP (and IMAP) AUTH
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
# A token is renewed once less than this is left (or a quarter of its life, if that is less):
# a relay checks it at AUTH, so one renewed a little early never fails mid-connection.
RENEW_MARGIN = 300.0
ASSERTION_LIFETIME = 600  # seconds; Microsoft advises 5-10 minutes
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
FIX = "check BRIEFCAST_OAUTH_TENANT, _CLIENT_ID and the client secret or certificate"
_PEM = re.compile(rb"-----BEGIN ([A-Z ]+)-----.*?-----END \1-----", re.DOTALL)


class TokenError(BriefcastError):
    """No token. `temporary`: the endpoint was unreachable or failing; else the settings are."""

    def __init__(self, message: str, *, temporary: bool = False) -> None:
        super().__init__(message)
        self.temporary = temporary


@dataclass(frozen=True)
class _Token:
    value: str = field(repr=False)
    renew_at: float  # on the monotonic clock


class TokenSource:
    """Access tokens for one scope, kept until shortly before they expire."""

    def __init__(
        self,
        settings: OAuthSettings,
        scope: str,
        *,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.scope = scope
        self.requests = 0  # tokens asked for so far, for tests and logs
        self._timeout = timeout
        self._ssl_context = ssl_context
        self._clock = clock
        # A bad certificate file is found now, at start, not at the first message.
        self._signer = _Signer.load(settings) if settings.certificate_file else None
        self._token: _Token | None = None

    def __call__(self) -> str:
        return self.token()

    def token(self) -> str:
        if self._token is None or self._clock() >= self._token.renew_at:
            self._token = self._request()
        return self._token.value

    def renew(self) -> str:
        self._token = None
        return self.token()

    def _request(self) -> _Token:
        form = {"client_id": self.settings.client_id, "scope": self.scope}
        form["grant_type"] = "client_credentials"
        if self._signer is not None:
            form["client_assertion_type"] = ASSERTION_TYPE
            form["client_assertion"] = self._signer.assertion(self.settings)
        else:
            form["client_secret"] = self.settings.client_secret or ""
        url, started = self.settings.token_url, self._clock()
        try:
            answer = post(
                url,
                urlencode(form).encode(),
                {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
                timeout=self._timeout,
                ssl_context=self._ssl_context,
            )
        except Unreachable as error:
            raise TokenError(
                f"no OAuth token: {error}; check BRIEFCAST_OAUTH_TOKEN_URL or the network",
                temporary=not error.lasting,
            ) from None
        self.requests += 1
        data = answer.json()
        where = urlsplit(url).netloc
        if answer.status != 200:
            # Entra ID's descriptions go on with trace and correlation ids: the first line says it.
            description = str(data.get("error_description", "")).strip().splitlines()[:1]
            said = one_line(f"{data.get('error', '')}: {''.join(description)}")
            said = said.strip(": ") or f"HTTP {answer.status}"
            if answer.status == 429 or answer.status >= 500:
                raise TokenError(f"the token endpoint {where} is failing ({said})", temporary=True)
            raise TokenError(f"the token endpoint {where} refused briefcast's app ({said}); {FIX}")
        value, lifetime = data.get("access_token"), data.get("expires_in", 3600)
        try:
            lifetime = float(lifetime)  # a number, or a string of one (some providers)
        except (TypeError, ValueError):
            lifetime = -1
        if not isinstance(value, str) or not value.isascii() or not value or lifetime <= 0:
            raise TokenError(f"the token endpoint {where} answered without a usable token")
        return _Token(value, started + lifetime - min(RENEW_MARGIN, lifetime / 4))


def xoauth2(user: str, token: str) -> str:
    """SASL XOAUTH2's initial client response, before base64 (smtplib and imaplib encode it)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def one_line(text: str, limit: int = 300) -> str:
    """A remote party's words as one printable line of at most `limit` characters."""
    line = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


@dataclass(frozen=True)
class _Signer:
    """Signs client assertions with the app's certificate key (RFC 7523 JWTs)."""

    key: rsa.RSAPrivateKey = field(repr=False)
    headers: dict[str, str]

    @classmethod
    def load(cls, settings: OAuthSettings) -> _Signer:
        path = settings.certificate_file
        assert path is not None
        where = f"BRIEFCAST_OAUTH_CERTIFICATE_FILE {path}"
        try:
            blocks = {m.group(1).decode(): m.group(0) for m in _PEM.finditer(path.read_bytes())}
        except OSError as error:
            raise TokenError(f"{where}: cannot read it ({error.strerror})") from None
        keys = [text for kind, text in blocks.items() if kind.endswith("PRIVATE KEY")]
        if not keys:
            raise TokenError(f"{where}: holds no PEM private key (BEGIN PRIVATE KEY)")
        try:
            key = serialization.load_pem_private_key(keys[0], password=None)
        except (ValueError, TypeError) as error:
            raise TokenError(f"{where}: the key cannot be read ({one_line(str(error))}); "
                             "it must be an unencrypted PEM key") from None  # fmt: skip
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TokenError(
                f"{where}: the key must be RSA (as Microsoft's identity platform requires)"
            )
        thumbprint = _hex(settings.certificate_thumbprint)
        if "CERTIFICATE" in blocks:
            return cls(key, _certificate_headers(where, blocks["CERTIFICATE"], key, thumbprint))
        if thumbprint is None or len(thumbprint) not in (40, 64):
            raise TokenError(
                f"{where} holds no certificate: add it to the file, or set "
                "BRIEFCAST_OAUTH_CERTIFICATE_THUMBPRINT to its SHA-1 or SHA-256 thumbprint (hex)"
            )
        return cls(key, _thumbprint_headers(bytes.fromhex(thumbprint)))

    def assertion(self, settings: OAuthSettings) -> str:
        now = int(time.time())
        claims = {
            "aud": settings.token_url,
            "iss": settings.client_id,
            "sub": settings.client_id,
            "jti": str(uuid.uuid4()),
            "nbf": now,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME,
        }
        return jwt.encode(claims, self.key, algorithm=self.headers["alg"], headers=self.headers)


def _certificate_headers(
    where: str, pem: bytes, key: rsa.RSAPrivateKey, thumbprint: str | None
) -> dict[str, str]:
    try:
        certificate = x509.load_pem_x509_certificate(pem)
    except ValueError:
        raise TokenError(f"{where}: the certificate cannot be read") from None
    if certificate.public_key() != key.public_key():
        raise TokenError(f"{where}: the certificate and the private key do not belong together")
    der = certificate.public_bytes(serialization.Encoding.DER)
    sha1, sha256 = hashlib.sha1(der).hexdigest().upper(), hashlib.sha256(der).hexdigest().upper()
    if thumbprint is not None and thumbprint not in (sha1, sha256):
        raise TokenError(
            f"{where}: its certificate's thumbprint is {sha1} (SHA-1), not "
            f"BRIEFCAST_OAUTH_CERTIFICATE_THUMBPRINT {thumbprint}; is it the one uploaded?"
        )
    return _thumbprint_headers(bytes.fromhex(sha256))


def _thumbprint_headers(digest: bytes) -> dict[str, str]:
    """Microsoft's documented headers: PS256 with x5t#S256 (a SHA-256 thumbprint) today; RS256
    with x5t when only a SHA-1 thumbprint is known (the form it documented before)."""
    encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    if len(digest) == 32:
        return {"alg": "PS256", "typ": "JWT", "x5t#S256": encoded}
    return {"alg": "RS256", "typ": "JWT", "x5t": encoded}


def _hex(thumbprint: str | None) -> str | None:
    if thumbprint is None:
        return None
    cleaned = re.sub(r"[\s:]", "", thumbprint).upper()
    if not re.fullmatch(r"[0-9A-F]+", cleaned):
        raise TokenError(
            f"BRIEFCAST_OAUTH_CERTIFICATE_THUMBPRINT must be hexadecimal, not {thumbprint!r}"
        )
    return cleaned


def token_source(settings: OAuthSettings | None, scope: str, timeout: float) -> TokenSource:
    """The TokenSource the settings ask for: `scope` unless BRIEFCAST_OAUTH_SCOPE replaces it
    (from_env made sure `settings` is there)."""
    if settings is None:
        raise TokenError("no OAuth settings: set BRIEFCAST_OAUTH_CLIENT_ID and the rest")
    return TokenSource(settings, settings.scope or scope, timeout=timeout)
