"""Each recipient's message from a skeleton compiled once per issue: bytes joined, not built.

Building a message with the `email` package costs several times what handing it to a relay
does (header objects parsed and folded, quoted-printable encoded in Python, for every person).
Almost all of a message is the same for everyone, so `MessageSkeleton.compile` does that work
once per issue, with the same builder as `delivery.message.compose_message`:

- the header block, folded by the `email` package, except the fields that differ per person
  (To, Date, Message-ID, List-Unsubscribe);
- the MIME structure and each part's headers, with a boundary chosen once: it contains "=_",
  which quoted-printable text can never contain, so no body can end a part early;
- each body's quoted-printable, piece by piece between its [[placeholders]]. Every encoded piece
  that does not end a line ends with a soft line break, so the next piece starts at column 0:
  line lengths never depend on a person's values, and a soft break decodes to nothing, so the
  body decodes to exactly the personalised text.

`fill` then encodes only a person's values (a few dozen bytes each), writes the four headers and
joins the pieces. The result parses back, with the `email` package, to the same headers and
bodies as `compose_message` gives (tests/delivery/test_skeleton.py compares them).
"""

from __future__ import annotations

import binascii
import email.utils
import functools
import html
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage

from briefcast.campaigns.render import PersonalisationError, Skeleton
from briefcast.delivery.message import (
    POLICY,
    Addressing,
    compose_message,
    list_unsubscribe,
    safe,
)
from briefcast.links import unknown_fields

# The headers written per person; every other header is encoded once per issue.
PER_PERSON = frozenset({"to", "date", "message-id", "list-unsubscribe"})
# Present only when the person's list offers unsubscribing.
UNSUBSCRIBE_HEADERS = frozenset({"list-unsubscribe", "list-unsubscribe-post"})

CRLF = b"\r\n"
SOFT_BREAK = b"=\r\n"
_LINE_ENDS = re.compile(rb"\r\n?")
# What the email package writes unchanged in a To header: atoms (RFC 5322 atext) separated by
# single spaces, and a dot-atom address. Anything else (non-ASCII names, quoting) goes through
# the email package itself.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_NAME = re.compile(rf"{_ATEXT}(?: {_ATEXT})*")
_PLAIN_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
# Text quoted-printable leaves as it is, short enough for one line with its soft break: printable
# ASCII but "=", spaces only inside, and not a lone "." (which b2a_qp encodes).
_PLAIN_PIECE = re.compile(rb"[!-<>-~][ !-<>-~]{0,73}[!-<>-~]|[!-\-/-<>-~]")
FOLD_AT = 78  # lines up to this long are written as they are; longer ones the email package folds


@dataclass(frozen=True)
class _Body:
    """One part's body: quoted-printable pieces around the fields, which are filled per person."""

    pieces: tuple[bytes, ...]  # one more than fields
    fields: tuple[str, ...]
    escape: bool  # HTML-escape the values (the html part)

    @classmethod
    def compile(cls, document: str, *, escape: bool) -> _Body:
        skeleton = Skeleton.parse(document)
        chunks = list(skeleton.chunks)
        # The email package ends every body with a line break; so do we, once.
        if not _LINE_ENDS.sub(b"\n", chunks[-1].encode()).endswith(b"\n"):
            chunks[-1] += "\n"
        return cls(tuple(encode_piece(chunk.encode()) for chunk in chunks), skeleton.fields, escape)

    def fill(self, values: Mapping[str, str], out: list[bytes]) -> None:
        out.append(self.pieces[0])
        for name, piece in zip(self.fields, self.pieces[1:], strict=True):
            value = values[name]
            if self.escape:
                value = html.escape(value, quote=True)
            out.append(encode_piece(value.encode()))
            out.append(piece)


def encode_piece(data: bytes) -> bytes:
    """Quoted-printable (RFC 2045: lines of at most 76, CRLF) for text starting at column 0,
    ending with a soft line break unless it ends a line, so the next piece starts at column 0."""
    if _PLAIN_PIECE.fullmatch(data):  # most values (links, names): already quoted-printable
        return data + SOFT_BREAK
    if not data:
        return b""
    if b"\r" in data:
        data = _LINE_ENDS.sub(b"\n", data)
    # binascii is C; given LF line ends it writes LF for hard and soft breaks alike.
    encoded = binascii.b2a_qp(data, istext=True).replace(b"\n", CRLF)
    return encoded if encoded.endswith(CRLF) else encoded + SOFT_BREAK


@dataclass(frozen=True)
class MessageSkeleton:
    """An issue's message, compiled: fill it in per person. See the module docstring."""

    # The header block in order: encoded lines, or the lower-case name of a per-person header;
    # with the List-Unsubscribe headers, and without them (a list that offers no unsubscribing).
    headers: tuple[bytes | str, ...]
    headers_without_unsubscribe: tuple[bytes | str, ...]
    parts: tuple[bytes, ...]  # before the text body, between the bodies, after the html body
    text: _Body
    html: _Body
    domain: str  # Message-IDs are made on it

    @classmethod
    def compile(
        cls,
        *,
        sender: str,
        reply_to: str | None,
        subject: str,
        list_id: str,
        html: str,
        text: str,
        label: str = "the issue",
    ) -> MessageSkeleton:
        """Compile once per issue. Raises MessageError for a header value that cannot be sent
        (a bad sender, a line break in the subject) and PersonalisationError for an unknown
        [[field]]: every message would fail alike, so before anything is sent."""
        prototype = compose_message(
            sender=sender,
            reply_to=reply_to,
            subject=subject,
            html="",
            text="",
            addressing=Addressing(
                to="someone@example.org",
                to_name=None,
                list_id=list_id,
                unsubscribe_url="https://example.org/",
            ),
        )
        boundary = f"=_briefcast_{secrets.token_hex(12)}"
        prototype.set_boundary(boundary)
        headers = tuple(
            name.lower() if name.lower() in PER_PERSON else POLICY.fold_binary(name, value)
            for name, value in prototype.raw_items()
        )
        without = tuple(
            header
            for header, (name, _value) in zip(headers, prototype.raw_items(), strict=True)
            if name.lower() not in UNSUBSCRIBE_HEADERS
        )
        text_part, html_part = prototype.iter_parts()
        delimiter = f"--{boundary}".encode()
        parts = (
            CRLF + delimiter + CRLF + _part_head(text_part) + CRLF,
            CRLF + delimiter + CRLF + _part_head(html_part) + CRLF,
            CRLF + delimiter + b"--" + CRLF,
        )
        text_body = _Body.compile(text, escape=False)
        html_body = _Body.compile(html, escape=True)
        unknown = unknown_fields(text_body.fields + html_body.fields)
        if unknown:
            raise PersonalisationError(
                f"{label} has placeholders no recipient can fill: {', '.join(unknown)}"
            )
        domain = prototype["From"].addresses[0].domain
        return cls(headers, without, parts, text_body, html_body, domain)

    def fill(
        self,
        *,
        to: str,
        to_name: str | None,
        fields: Mapping[str, str],
        unsubscribe_url: str | None,
        unsubscribe_mailto: str | None,
        now: datetime,
    ) -> tuple[str, bytes]:
        """(Message-ID, message bytes) for one person. `fields` fills the [[placeholders]];
        without an `unsubscribe_url` the List-Unsubscribe headers are left out, as
        compose_message leaves them. MessageError for a line break in a header value."""
        message_id = email.utils.make_msgid(domain=self.domain)
        per_person = {
            "to": to_header(to, to_name or ""),
            "date": date_header(int(now.timestamp())),
            "message-id": b"Message-ID: " + message_id.encode() + CRLF,
        }
        if unsubscribe_url:
            value = list_unsubscribe(unsubscribe_url, unsubscribe_mailto)
            per_person["list-unsubscribe"] = header_line("List-Unsubscribe", value)
        headers = self.headers if unsubscribe_url else self.headers_without_unsubscribe
        out = [per_person[h] if isinstance(h, str) else h for h in headers]
        out.append(self.parts[0])
        self.text.fill(fields, out)
        out.append(self.parts[1])
        self.html.fill(fields, out)
        out.append(self.parts[2])
        return message_id, b"".join(out)


def to_header(address: str, name: str) -> bytes:
    """The To line: written directly when the email package would write it unchanged."""
    safe(address, "to")
    safe(name, "recipient name")
    if _PLAIN_ADDRESS.fullmatch(address) and (not name or _PLAIN_NAME.fullmatch(name)):
        line = f"To: {name} <{address}>" if name else f"To: {address}"
        if len(line) <= FOLD_AT:
            return line.encode() + CRLF
    return _folded("To", Address(display_name=name, addr_spec=address))


@functools.lru_cache(maxsize=1)
def date_header(second: int) -> bytes:
    """The Date line, made once a second (the email package's format, RFC 5322)."""
    moment = datetime.fromtimestamp(second, UTC)
    return b"Date: " + email.utils.format_datetime(moment).encode() + CRLF


def header_line(name: str, value: str) -> bytes:
    """An unstructured header: as it is when short and ASCII, else folded by the email package."""
    line = f"{name}: {value}"
    if line.isascii() and len(line) <= POLICY.max_line_length:
        return line.encode() + CRLF
    return _folded(name, value)


def _folded(name: str, value: object) -> bytes:
    message = EmailMessage(policy=POLICY)
    message[name] = value
    return POLICY.fold_binary(name, message[name])


def _part_head(part: EmailMessage) -> bytes:
    return b"".join(part.policy.fold_binary(name, value) for name, value in part.raw_items())
