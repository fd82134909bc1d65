"""One recipient's message from an issue's stored skeleton: fields, signed links, headers, DKIM.

The issue was rendered once when it was scheduled. Here its message is compiled once per send
(delivery.skeleton.MessageSkeleton: headers, MIME structure and quoted-printable encoded once),
then filled in per recipient with their name, list and signed links (briefcast/links.py, as the
web view fills them), and DKIM-signed if a key is configured.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from briefcast.delivery.message import make_list_id, parse_address
from briefcast.delivery.skeleton import MessageSkeleton
from briefcast.delivery.tokens import Signer
from briefcast.links import PersonalFields
from briefcast.settings import Settings
from briefcast.store.ledger import Claimed, IssueToSend


@dataclass(frozen=True)
class Outgoing:
    """A message ready for a transport, with what the ledger records of it."""

    sender: str  # the envelope sender (MAIL FROM)
    recipient: str
    message_id: str
    data: bytes


class IssueMessages:
    """Builds each recipient's message for one issue; made once per send, used per row."""

    def __init__(self, issue: IssueToSend, settings: Settings, signer: Signer) -> None:
        self.issue = issue
        self.settings = settings
        self.signer = signer
        self.sender_address = parse_address(issue.sender, "sender")
        domain = self.sender_address.domain
        self.skeleton = MessageSkeleton.compile(
            sender=issue.sender,
            reply_to=issue.reply_to,
            subject=issue.subject,
            list_id=make_list_id(issue.campaign_title, issue.campaign_name, domain),
            html=issue.html,
            text=issue.text,
            label=f"issue {issue.number} ({issue.title})",
        )
        self.domain = domain
        self.personal = PersonalFields(settings.base_url, signer.make)
        self._sign = _dkim_signer(settings)

    def build(self, row: Claimed, now: datetime) -> Outgoing:
        fields = self.personal.fields(
            row.delivery_id,
            name=row.name,
            list_name=row.list_name,
            campaign_title=self.issue.campaign_title,
        )
        url = fields["unsubscribe_url"] if row.unsubscribe_offered else None
        message_id, data = self.skeleton.fill(
            to=row.address,
            to_name=row.name,
            fields=fields,
            unsubscribe_url=url,
            # No mailto: nothing reads that mailbox yet, and an unread unsubscribe is a broken
            # promise; the https one-click (RFC 8058) is the way out until bounces read it.
            unsubscribe_mailto=None,
            now=now,
        )
        if self._sign is not None:
            data = self._sign(data)
        return Outgoing(
            sender=self.sender_address.addr_spec,
            recipient=row.address,
            message_id=message_id,
            data=data,
        )


def _dkim_signer(settings: Settings):  # type: ignore[no-untyped-def]
    """delivery.dkim.sign bound to the configured key, or None without DKIM settings."""
    if settings.dkim is None:
        return None
    from briefcast.delivery import dkim  # dkimpy is only needed when a key is configured

    config = settings.dkim
    dkim.load_key(config.key_file)  # a bad key is one error at the start, not one per message
    return lambda data: dkim.sign(data, config)
