"""Build the MIME message one recipient receives from a rendered issue.

multipart/alternative (plain text first, so clients that prefer the last part show the HTML),
with the list headers mail providers need for one-click unsubscribe (RFC 2369, RFC 8058).
"""

from __future__ import annotations

import email.policy
import email.utils
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart

from briefcast.campaigns.render import RenderedIssue
from briefcast.errors import BriefcastError

# CRLF and RFC 2047 encoded words for non-ASCII names, as SMTP needs. Header lines may run to
# RFC 5322's hard limit of 998: at the default 78 the email package turns an unbreakable
# List-Unsubscribe URI (a signed token is long) into an encoded word no mail client reads as a link.
POLICY = email.policy.SMTP.clone(max_line_length=998)
# The body parts keep quoted-printable's 76-character lines (RFC 2045), which the email package
# takes from the policy in force when a part is encoded.
BODY_POLICY = email.policy.SMTP


class MessageError(BriefcastError):
    """A header value that cannot go into a message as given (a line break, a bad address).
    `what` names the value ("subject", "sender", ...), so planning can point at its line."""

    def __init__(self, message: str, what: str = "") -> None:
        super().__init__(message)
        self.what = what


@dataclass(frozen=True)
class Addressing:
    """Who one message is for and through which list, and how it is stamped: what
    `build_message` and `compose_message` both take."""

    to: str
    to_name: str | None
    list_id: str  # a full List-Id value, see make_list_id()
    unsubscribe_url: str | None  # None: no List-Unsubscribe headers (compose_message says why)
    unsubscribe_mailto: str | None = None
    message_id_domain: str | None = None  # the Message-ID's domain; else the sender's
    now: datetime | None = None  # the Date; else the moment it is composed


def build_message(
    rendered: RenderedIssue, fields: Mapping[str, str], addressing: Addressing
) -> EmailMessage:
    """One recipient's message: personalised HTML and text, addressed, with list headers.

    `fields` fills the issue's [[placeholders]].
    """
    digest = rendered.digest
    html, text = rendered.personalise(fields)
    return compose_message(
        sender=digest.sender,
        reply_to=digest.reply_to,
        subject=digest.subject,
        html=html,
        text=text,
        addressing=addressing,
    )


def compose_message(
    *,
    sender: str,
    reply_to: str | None,
    subject: str,
    html: str,
    text: str,
    addressing: Addressing,
) -> EmailMessage:
    """The message from already personalised parts (the send loop fills a stored issue itself).

    Without an `unsubscribe_url` (a list people are on because of their job) there are no
    List-Unsubscribe headers at all: a one-click header that cannot unsubscribe would mislead.
    """
    from_address = parse_address(sender, "sender")
    message = EmailMessage(policy=POLICY)
    message["From"] = from_address
    if reply_to:
        message["Reply-To"] = parse_address(reply_to, "reply-to")
    message["To"] = Address(
        display_name=safe(addressing.to_name or "", "recipient name"),
        addr_spec=safe(addressing.to, "to"),
    )
    message["Subject"] = safe(subject, "subject")
    message["Date"] = email.utils.format_datetime(addressing.now or datetime.now(UTC))
    message["Message-ID"] = email.utils.make_msgid(
        domain=addressing.message_id_domain or from_address.domain
    )
    message["List-Id"] = safe(addressing.list_id, "list id")
    if addressing.unsubscribe_url:
        message["List-Unsubscribe"] = list_unsubscribe(
            addressing.unsubscribe_url, addressing.unsubscribe_mailto
        )
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"

    message["MIME-Version"] = "1.0"
    message.make_alternative()
    for subtype, content in (("plain", text), ("html", html)):
        # Quoted-printable keeps every body line short whatever the paragraph length.
        part = MIMEPart(policy=BODY_POLICY)
        part.set_content(content, subtype=subtype, charset="utf-8", cte="quoted-printable")
        message.attach(part)
    return message


def make_list_id(name: str, slug: str, domain: str) -> str:
    """A List-Id (RFC 2919): '"Learning from reviews" <national-panel-2020.example.org>'."""
    label = f"{slug}.{domain}".lower()
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}" <{label}>'


def list_unsubscribe(url: str, mailto: str | None) -> str:
    """The https link first (one-click capable), then the mailto fallback."""
    targets = [safe(url, "unsubscribe url")]
    if mailto:
        targets.append(
            safe(mailto if mailto.startswith("mailto:") else f"mailto:{mailto}", "mailto")
        )
    return ", ".join(f"<{target}>" for target in targets)


def parse_address(value: str, what: str) -> Address:
    """'Name <local@domain>' -> Address, refusing anything that would smuggle in a header."""
    name, address = email.utils.parseaddr(safe(value, what))
    if "@" not in address:
        raise MessageError(
            f"the {what} {value!r} is not an email address like 'Name <name@example.org>'", what
        )
    local, _, domain = address.rpartition("@")
    return Address(display_name=name, username=local, domain=domain)


def safe(value: str, what: str) -> str:
    """Refuse CR and LF in anything bound for a header: they would start a new header line."""
    if "\r" in value or "\n" in value:
        raise MessageError(
            f"the {what} contains a line break, which a mail header cannot: {value!r}", what
        )
    return value
