"""Passwords: argon2id hashes and the rules a new password must meet.

The rules follow NIST SP 800-63B: a length floor and a refusal of known-common passwords, no
composition rules (they make passwords harder to remember, not to guess). The common passwords
are data/common-passwords.txt.gz (20,000, from Django; see data/SOURCE.md), read once.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 256  # hashing has a cost per character; nobody types more
COMMON = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"

_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 "low memory" profile
# Checked against when an account does not exist or has no password, so a sign-in for an
# unknown address takes as long as one for a real account (timing says nothing either).
_DUMMY = _hasher.hash("not a password anyone has: it keeps the timing even")


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why this password cannot be used, in words for the person choosing it; None if it can."""
    if len(password) < MIN_LENGTH:
        return f"Enter a password of at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"Enter a password of at most {MAX_LENGTH} characters"
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 4:
        return "This password is too common: choose one that is harder to guess"
    personal = {email.lower(), email.split("@")[0].lower(), name.lower().replace(" ", "")}
    if lowered.replace(" ", "") in personal - {""}:
        return "Do not use your name or email address as your password"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; as slow for a missing hash as for a real one."""
    try:
        return _hasher.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())
