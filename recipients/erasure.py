"""The salted hash kept for an erased address: a later import recognises them, nobody can read who.

An address hashed without a secret is not anonymous: anyone can hash a staff directory and compare.
So the hash is an HMAC under a salt that is not in the export of any one person's data:
- BRIEFCAST_SECRET_KEY, when set, derives it: the salt then lives outside the database, and a
  copy of the database alone cannot confirm that anyone was ever on a list (the stronger choice);
- otherwise a random salt is made once per database and kept in its `meta` table, which still
  stops precomputed tables and linking the same person across databases, and needs no set-up.
A fingerprint of the salt is kept too: if the key changes after someone was erased, their hash no
longer matches and an import would silently re-add them, so we refuse instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable

from sqlalchemy import Connection

from briefcast.errors import BriefcastError
from briefcast.store.meta import get_meta, set_meta
from briefcast.store.suppressions import erased_hashes

SALT = "erasure_salt"
FINGERPRINT = "erasure_salt_fingerprint"


class ErasureKeyError(BriefcastError):
    pass


def address_hasher(conn: Connection, secret_key: str | None) -> Callable[[str], str]:
    """A function from a normalised address to its erasure hash (hex), for this database."""
    salt = _salt(conn, secret_key)

    def hash_address(address: str) -> str:
        return hmac.new(salt, address.encode("utf-8"), hashlib.sha256).hexdigest()

    return hash_address


def _salt(conn: Connection, secret_key: str | None) -> bytes:
    if secret_key:
        salt = hmac.new(secret_key.encode(), b"briefcast erasure salt v1", hashlib.sha256).digest()
    else:
        stored = get_meta(conn, SALT)
        if stored is None:
            stored = secrets.token_hex(32)
            set_meta(conn, SALT, stored)
        salt = bytes.fromhex(stored)
    fingerprint = hashlib.sha256(b"fingerprint" + salt).hexdigest()[:16]
    recorded = get_meta(conn, FINGERPRINT)
    if recorded != fingerprint:
        if recorded is not None and erased_hashes(conn):
            raise ErasureKeyError(
                "BRIEFCAST_SECRET_KEY is not the one in use when people were erased from this "
                "database (set or unset it as it was): with another key an import would re-add them"
            )
        set_meta(conn, FINGERPRINT, fingerprint)
    return salt
