"""Optional DKIM signing (dkimpy) of finished messages, covering the list headers.

Mail providers trust one-click unsubscribe only when List-Unsubscribe and List-Unsubscribe-Post
are covered by a DKIM signature (RFC 8058 section 4), so both are signed along with the headers
a reader relies on. Relaxed canonicalisation of header and body survives the re-folding and
trailing-space changes relays (Exchange Online among them) make on the way.

The key is read once per file (and again if the file changes), and checked as it is read, so a
bad key file is one clear line at start, not a failure on every message.
"""

from __future__ import annotations

import functools
from pathlib import Path

import dkim
from dkim.crypto import UnparsableKeyError, parse_pem_private_key

from briefcast.errors import BriefcastError
from briefcast.settings import DkimSettings

# Signed when present, in this order. From is required by DKIM; the rest are what a recipient
# reads or acts on, plus the MIME headers that say how to read the body.
SIGNED_HEADERS = (
    "From",
    "Reply-To",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "MIME-Version",
    "Content-Type",
)


class DkimError(BriefcastError):
    """The DKIM key cannot be used: unreadable, or not a PEM RSA private key."""


def sign(message: bytes, settings: DkimSettings) -> bytes:
    """The message with a DKIM-Signature header put in front; otherwise byte for byte the same."""
    key = load_key(settings.key_file)
    present = _header_names(message)
    headers = [name.encode() for name in SIGNED_HEADERS if name.lower() in present]
    try:
        signature = dkim.sign(
            message,
            settings.selector.encode(),
            settings.domain.encode(),
            key,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=headers,
        )
    except dkim.DKIMException as error:
        raise DkimError(f"cannot DKIM-sign the message: {_one_line(error)}") from None
    return signature + message


def load_key(path: Path) -> bytes:
    """The PEM private key in `path`, checked; DkimError naming the file otherwise."""
    try:
        modified = path.stat().st_mtime_ns
    except OSError as error:
        raise _unreadable(path, error) from None
    return _load_key(path, modified)


@functools.lru_cache(maxsize=4)
def _load_key(path: Path, modified: int) -> bytes:
    try:
        # dkimpy's PEM reader expects LF line endings; a key saved on Windows has CRLF.
        key = path.read_bytes().replace(b"\r\n", b"\n")
    except OSError as error:
        raise _unreadable(path, error) from None
    try:
        parse_pem_private_key(key)
    except (UnparsableKeyError, ValueError):
        raise DkimError(
            f"{path}: not a PEM RSA private key (expected -----BEGIN PRIVATE KEY----- or "
            "-----BEGIN RSA PRIVATE KEY-----); check BRIEFCAST_DKIM_KEY_FILE"
        ) from None
    return key


def _unreadable(path: Path, error: OSError) -> DkimError:
    return DkimError(
        f"{path}: cannot read the DKIM key ({error.strerror}); check BRIEFCAST_DKIM_KEY_FILE"
    )


def _header_names(message: bytes) -> set[str]:
    """Lower-case names of the message's header fields (up to the first empty line)."""
    head = message.split(b"\r\n\r\n", 1)[0]
    names = set()
    for line in head.split(b"\r\n"):
        if line[:1] not in (b" ", b"\t") and b":" in line:
            names.add(line.split(b":", 1)[0].strip().decode("ascii", "replace").lower())
    return names


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())
