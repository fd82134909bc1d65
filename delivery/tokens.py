"""Signed tokens for the links in every email: ids, never addresses, and tamper-evident.

A token names one ledger row (a delivery: issue x recipient x list), so the web endpoints can
unsubscribe, acknowledge or show an issue without an address ever appearing in a URL (URLs end up
in proxy logs and link scanners). Each purpose signs with its own salt, so an acknowledge token
cannot be replayed as an unsubscribe one. Signing is itsdangerous' HMAC-SHA1 over a timestamp,
so a token can be given an age limit where that matters. The purposes and what the links look
like are briefcast/links.py's.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
import time

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.encoding import int_to_bytes
from sqlalchemy import Connection

from briefcast.errors import BriefcastError
from briefcast.links import Purpose
from briefcast.store.meta import get_meta, set_meta

SIGNING_KEY = "link_signing_key"


class TokenError(BriefcastError):
    """A token that is not ours: tampered, truncated, or signed for another purpose or key."""


class ExpiredToken(TokenError):
    """A genuine token past its age limit."""


class Signer:
    def __init__(self, key: str) -> None:
        self._key = key
        self._keys: dict[Purpose, tuple[bytes, str]] = {}

    def make(self, purpose: Purpose, delivery_id: int) -> str:
        """What URLSafeTimedSerializer.dumps(delivery_id) gives, several times faster (the send
        loop makes three per message): the key is derived once per purpose, and the HMAC is
        OpenSSL's one-shot. The payload is the JSON of an int, which never compresses."""
        value = _b64(str(int(delivery_id)).encode()) + b"." + _timestamp()
        key, digest = self._key_for(purpose)
        return (value + b"." + _b64(hmac.digest(key, value, digest))).decode("ascii")

    def read(self, purpose: Purpose, token: str, max_age: int | None = None) -> int:
        """The delivery id a token names; TokenError or ExpiredToken otherwise."""
        try:
            value = self._serializer(purpose).loads(token, max_age=max_age)
        except SignatureExpired:
            raise ExpiredToken("this link has expired") from None
        except BadSignature:
            raise TokenError("this link is not valid") from None
        if not isinstance(value, int) or isinstance(value, bool):
            raise TokenError("this link is not valid")
        return value

    def _serializer(self, purpose: Purpose) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._key, salt=f"briefcast.{purpose.value}")

    def _key_for(self, purpose: Purpose) -> tuple[bytes, str]:
        """itsdangerous' derived key and digest name for this purpose's signer."""
        found = self._keys.get(purpose)
        if found is None:
            signer = self._serializer(purpose).make_signer()
            found = self._keys[purpose] = (signer.derive_key(), signer.digest_method().name)
        return found


def _timestamp() -> bytes:
    """The current second as itsdangerous' TimestampSigner writes it (made once a second)."""
    return _encoded_second(int(time.time()))


@functools.lru_cache(maxsize=1)
def _encoded_second(second: int) -> bytes:
    return _b64(int_to_bytes(second))


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")  # itsdangerous' base64_encode


def signing_key(conn: Connection, secret_key: str | None) -> str:
    """BRIEFCAST_SECRET_KEY when set (needed when the web endpoints run on another database
    connection or machine); otherwise a random key made once and kept in this database."""
    if secret_key:
        return hmac.new(
            secret_key.encode(), b"briefcast link signing v1", hashlib.sha256
        ).hexdigest()
    stored = get_meta(conn, SIGNING_KEY)
    if stored is None:
        stored = secrets.token_hex(32)
        set_meta(conn, SIGNING_KEY, stored)
    return stored
