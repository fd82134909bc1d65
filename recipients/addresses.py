"""Email addresses as stored: validated, normalised, free of anything that could reach a header."""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email

from briefcast.errors import BriefcastError

# C0 and C1 control characters (CR and LF among them) and the Unicode line and paragraph
# separators: in a name or an address they would end up inside an email header.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE and friends): invisible, they reorder what
# a reader sees, so a name or a reflection could show text other than the text stored.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class InvalidAddress(BriefcastError):
    pass


def has_control_characters(value: str) -> bool:
    return _CONTROL.search(value) is not None


def one_line(text: str) -> str:
    """Text a person gave (a name, a reflection) as one line of plain text: control characters
    and line breaks become spaces, bidirectional controls are removed, Unicode NFC, runs of
    spaces made one, trimmed."""
    line = unicodedata.normalize("NFC", _BIDI.sub("", _CONTROL.sub(" ", text)))
    return " ".join(line.split())


def escape_control_characters(value: str) -> str:
    """For reports: show a CR as \\r rather than breaking the report's own lines."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), value)


def normalise_address(raw: str, check_deliverability: bool = False) -> str:
    """The stored form of an address, or InvalidAddress saying what is wrong with it.

    Trimmed, Unicode NFC, domain in IDNA-normalised lower case, and (our decision) the local part
    lower-cased too: mailbox exports and HR systems disagree on capitals ("Jane.Smith@" vs
    "jane.smith@"), the same person must be one recipient, and no mail system in use here treats
    the local part as case-sensitive. Role and shared mailboxes (safeguarding@, frontdoor@) are
    ordinary addresses. DNS is only consulted with check_deliverability.
    """
    text = unicodedata.normalize("NFC", raw.strip())
    if not text:
        raise InvalidAddress("no address")
    if has_control_characters(text):
        raise InvalidAddress("control character (CR, LF, ...) in the address")
    try:
        result = validate_email(text, check_deliverability=check_deliverability)
    except EmailNotValidError as error:
        raise InvalidAddress(f"invalid address: {error}") from None
    return result.normalized.lower()
