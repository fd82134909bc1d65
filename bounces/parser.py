"""A message from the sending mailbox, read: a delivery report, an auto-reply, or neither.

    read_message(data: bytes) -> Reading

Delivery reports are RFC 3464 `multipart/report; report-type=delivery-status` messages, which is
what Exchange Online, Postfix, Exim and most others send: a human part, a `message/delivery-status`
part (one block about the message, then one per recipient with Action, Status and often a
Diagnostic-Code), and the original message or only its headers (`text/rfc822-headers`). The status
code is read from the report itself (Status, else the first code in the Diagnostic-Code), and the
original Message-ID from the returned message or headers, else the report's In-Reply-To or
References (Exchange sets them). Nothing is guessed: a field the report lacks stays None.

A bounce without a delivery-status part (qmail, old Exchange, Exim without DSN) comes from a
mail system (`MAILER-DAEMON`, `postmaster`, an empty Return-Path or X-Failed-Recipients): its
failed recipients are found by flufl.bounce's detectors, the code and the original Message-ID
in its text, when they are there.
"""

from __future__ import annotations

import email
import email.errors
import email.header
import email.policy
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from email.parser import HeaderParser
from email.utils import parseaddr, parsedate_to_datetime
from enum import StrEnum

from flufl.bounce import all_failures

from briefcast.bounces.codes import CODE, find_code, normalise

MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# Out-of-office and other automatic answers (RFC 3834, and what Exchange and others add).
ORIGINAL_ID_LINE = re.compile(r"^message-id:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
MAIL_SYSTEMS = ("mailer-daemon", "postmaster", "mail delivery")
AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto[- ]?reply|out of (the )?office|autoreply)\b", re.IGNORECASE
)


class Kind(StrEnum):
    REPORT = "report"  # a delivery report: acted on, then moved to the done folder
    AUTO_REPLY = "auto_reply"  # out of office and the like: ignored, moved to the done folder
    OTHER = "other"  # anything else (a person writing): left where it is, for a person


@dataclass(frozen=True)
class Recipient:
    """One recipient's block of a delivery report."""

    address: str  # Final-Recipient, lower case
    original: str | None  # Original-Recipient, when the report gives it
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str | None  # "5.1.10": from Status, else from the Diagnostic-Code
    diagnostic: str | None  # the remote server's own words


@dataclass(frozen=True)
class Reading:
    kind: Kind
    key: str  # the report's own Message-ID, else a digest of its bytes
    subject: str
    received_at: datetime | None = None
    reporting_mta: str | None = None
    original_message_id: str | None = None
    recipients: tuple[Recipient, ...] = ()


def read_message(data: bytes) -> Reading:
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    key = _first_id(message.get("Message-ID")) or "sha256:" + hashlib.sha256(data).hexdigest()
    subject = _text(message.get("Subject"))
    base = {"key": key, "subject": subject, "received_at": _date(message.get("Date"))}
    status = _delivery_status(message)
    if status is None:
        recipients = _without_dsn(message)
        if recipients:
            return Reading(
                Kind.REPORT,
                **base,
                original_message_id=_original_message_id(message) or _quoted_id(message),
                recipients=recipients,
            )
        kind = Kind.AUTO_REPLY if _is_auto_reply(message, subject) else Kind.OTHER
        return Reading(kind, **base)
    per_message, per_recipient = status[0], status[1:]
    return Reading(
        Kind.REPORT,
        **base,
        reporting_mta=_address_field(per_message.get("Reporting-MTA")),
        original_message_id=_original_message_id(message),
        recipients=tuple(r for r in map(_recipient, per_recipient) if r is not None),
    )


def _delivery_status(message: Message) -> list[Message] | None:
    """The blocks of the message/delivery-status part, if the message is a delivery report."""
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            blocks = part.get_payload()
            if isinstance(blocks, list) and blocks:
                return blocks
    return None


def _without_dsn(message: Message) -> tuple[Recipient, ...]:
    """The failed recipients of a bounce from a mail system that sends no delivery-status."""
    sender = _text(message.get("From")).lower()
    from_system = any(name in sender for name in MAIL_SYSTEMS)
    if not (
        from_system or message.get("X-Failed-Recipients") or message.get("Return-Path") == "<>"
    ):
        return ()
    temporary, permanent = all_failures(message)
    text = _body_text(message)
    found = []
    for action, addresses in (("failed", permanent), ("delayed", temporary - permanent)):
        for raw in sorted(addresses):
            address = raw.decode("utf-8", "replace").lower()
            line = _line_with_code(text, address)
            found.append(Recipient(address, None, action, find_code(line), line.strip() or None))
    return tuple(found)


def _body_text(message: Message) -> str:
    parts = []
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True) or b""
            parts.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(parts)


def _line_with_code(text: str, address: str) -> str:
    """The first line with a status code after the address is named (else anywhere before the
    returned copy): the far server's words about this recipient."""
    own = text.split("--- Below this line", 1)[0]
    start = max(own.lower().find(address), 0)
    for line in own[start:].splitlines():
        if CODE.search(line):
            return line
    return ""


def _quoted_id(message: Message) -> str | None:
    """The Message-ID of the copy a bounce quotes in its text (qmail's "Below this line")."""
    found = ORIGINAL_ID_LINE.search(_body_text(message))
    return found.group(1) if found else None


def _recipient(block: Message) -> Recipient | None:
    address = _address_field(block.get("Final-Recipient")) or _address_field(
        block.get("Original-Recipient")
    )
    if not address:
        return None
    diagnostic = _text(block.get("Diagnostic-Code")) or None
    if diagnostic and ";" in diagnostic:
        diagnostic = diagnostic.split(";", 1)[1].strip()
    status = normalise(block.get("Status"))
    # A bare "5.0.0" says less than the server's own words often do.
    if status is None or status.endswith(".0.0"):
        status = find_code(diagnostic) or status
    return Recipient(
        address=address,
        original=_address_field(block.get("Original-Recipient")),
        action=(_text(block.get("Action")) or "failed").lower(),
        status=status,
        diagnostic=diagnostic,
    )


def _original_message_id(message: Message) -> str | None:
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                found = _first_id(inner[0].get("Message-ID"))
                if found:
                    return found
        elif kind == "text/rfc822-headers":
            payload = part.get_payload(decode=True) or b""
            headers = HeaderParser().parsestr(payload.decode("utf-8", "replace"))
            found = _first_id(headers.get("Message-ID"))
            if found:
                return found
    return _first_id(message.get("In-Reply-To")) or _last_id(message.get("References"))


def _is_auto_reply(message: Message, subject: str) -> bool:
    auto = _text(message.get("Auto-Submitted")).lower()
    if auto and auto != "no":
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return True
    return bool(AUTO_REPLY_SUBJECT.match(subject))


def _address_field(value: object) -> str | None:
    """ "rfc822; Jo@Example.org" -> "jo@example.org"; the address type is dropped."""
    text = _text(value)
    if ";" in text:
        text = text.split(";", 1)[1]
    address = parseaddr(text.strip())[1] or text.strip()
    return address.lower() or None


def _first_id(value: object) -> str | None:
    found = MESSAGE_ID.findall(_text(value))
    return found[0] if found else None


def _last_id(value: object) -> str | None:
    found = MESSAGE_ID.findall(_text(value))
    return found[-1] if found else None


def _date(value: object) -> datetime | None:
    try:
        return parsedate_to_datetime(_text(value)) if value else None
    except (TypeError, ValueError):
        return None


def _text(value: object) -> str:
    """A header as one line of text (encoded words decoded, folding undone)."""
    if value is None:
        return ""
    try:
        decoded = str(email.header.make_header(email.header.decode_header(str(value))))
    except (ValueError, LookupError, email.errors.HeaderParseError):
        decoded = str(value)
    return " ".join(decoded.split())
