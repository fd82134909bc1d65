"""What the links in an email do, apart from HTTP: read a token, unsubscribe, acknowledge, show.

The web app (web/app.py) only turns requests into calls here and results into pages, so these
rules can be read (and tested) without a web server in the way. What a link looks like and the
values an issue's fields get are briefcast/links.py's, shared with the email.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from briefcast.campaigns.render import Personaliser
from briefcast.delivery.tokens import Signer, TokenError, signing_key
from briefcast.errors import BriefcastError
from briefcast.links import PersonalFields, Purpose, archive_fields, link
from briefcast.recipients.addresses import one_line
from briefcast.store import web as store
from briefcast.store.engine import read, write
from briefcast.store.web import ArchiveEntry, LinkTarget, ListStanding
from briefcast.web.issue_pages import issue_page

# An acknowledgement is evidence for a report: a link years old is more likely forwarded or
# found than clicked by its reader. Unsubscribe and view links never expire (an unsubscribe link
# must always work).
ACKNOWLEDGE_MAX_AGE = timedelta(days=400)
REFLECTION_LIMIT = 500  # characters: the column's size


class LinkGone(BriefcastError):
    """A genuine link whose delivery no longer exists or whose person has been erased."""


@dataclass(frozen=True)
class Standings:
    """The lists one person is on, as the unsubscribe pages talk about them."""

    lists: tuple[ListStanding, ...]

    @property
    def can_leave(self) -> tuple[str, ...]:
        """Lists with an unsubscribe link that still send to them."""
        return tuple(s.name for s in self.lists if s.unsubscribe_offered and not s.suppressed)

    @property
    def role_lists(self) -> tuple[str, ...]:
        """Lists they are on because of their job, which still send to them."""
        return tuple(s.name for s in self.lists if not s.unsubscribe_offered and not s.suppressed)

    def suppressed_on(self, list_id: int | None) -> bool:
        return any(s.suppressed for s in self.lists if s.list_id == list_id)


@dataclass(frozen=True)
class ExampleLinks:
    """The links in one sent message (the signature differs, the pages are the same)."""

    address: str  # whom the message was for
    issue_number: int
    unsubscribe: str
    acknowledge: str
    web_view: str
    archive: str


@dataclass(frozen=True)
class Archive:
    campaign_title: str
    entries: tuple[ArchiveEntry, ...]


class Links:
    """The link actions for one database and one signing key."""

    def __init__(self, engine: Engine, base_url: str, secret_key: str | None) -> None:
        self.engine = engine
        self.base_url = base_url.rstrip("/")
        # Made (and, without a secret key, stored) here, once, so that no GET ever writes.
        with write(engine) as conn:
            self.signer = Signer(signing_key(conn, secret_key))
        self.personal = PersonalFields(self.base_url, self.signer.make)

    # -- reading links -------------------------------------------------------------------------

    def target(self, purpose: Purpose, token: str) -> LinkTarget:
        """The delivery a token names; TokenError, ExpiredToken or LinkGone otherwise."""
        max_age = ACKNOWLEDGE_MAX_AGE if purpose is Purpose.ACKNOWLEDGE else None
        delivery_id = self.signer.read(
            purpose, token, max_age=int(max_age.total_seconds()) if max_age else None
        )
        with read(self.engine) as conn:
            target = store.link_target(conn, delivery_id)
        if target is None or target.erased:
            raise LinkGone("this link is no longer active")
        return target

    def url(self, purpose: Purpose, delivery_id: int) -> str:
        return self.personal.url(purpose, delivery_id)

    def archive_url(self, campaign_id: int) -> str:
        return self.personal.url(Purpose.ARCHIVE, campaign_id)

    def archive_urls(self) -> dict[str, str]:
        """Each campaign's archive page by campaign name (to print, or to link from an intranet)."""
        with read(self.engine) as conn:
            ids = store.campaign_ids(conn)
        return {name: self.archive_url(campaign_id) for name, campaign_id in ids.items()}

    def example_links(self, campaign: str) -> ExampleLinks | None:
        """The links of one message the campaign sent (None if it sent none yet): for showing
        someone what the pages do, as the demo does."""
        with read(self.engine) as conn:
            campaign_id = store.campaign_ids(conn).get(campaign)
            delivery_id = store.example_delivery(conn, campaign_id) if campaign_id else None
            target = store.link_target(conn, delivery_id) if delivery_id else None
        if campaign_id is None or target is None or target.address is None:
            return None
        return ExampleLinks(
            address=target.address,
            issue_number=target.issue_number,
            unsubscribe=self.url(Purpose.UNSUBSCRIBE, target.delivery_id),
            acknowledge=self.url(Purpose.ACKNOWLEDGE, target.delivery_id),
            web_view=self.url(Purpose.VIEW, target.delivery_id),
            archive=self.archive_url(campaign_id),
        )

    # -- unsubscribe ---------------------------------------------------------------------------

    def standings(self, target: LinkTarget) -> Standings:
        """Where the person stands on each of their lists (read only)."""
        with read(self.engine) as conn:
            return Standings(tuple(store.list_standings(conn, target)))

    def unsubscribe(self, target: LinkTarget) -> bool:
        """Suppress the address on the link's list; False if it already was."""
        with write(self.engine) as conn:
            return store.unsubscribe(conn, target)

    def unsubscribe_everywhere(self, target: LinkTarget) -> tuple[tuple[str, ...], Standings]:
        """Suppress the address on every list it can leave; returns the names of the lists newly
        left (empty: nothing changed) and where the person then stands."""
        with write(self.engine) as conn:
            left = store.unsubscribe_everywhere(conn, target)
            return tuple(left), Standings(tuple(store.list_standings(conn, target)))

    # -- acknowledge ---------------------------------------------------------------------------

    def acknowledged_at(self, target: LinkTarget) -> datetime | None:
        with read(self.engine) as conn:
            return store.acknowledged_at(conn, target.delivery_id)

    def acknowledge(self, target: LinkTarget, reflection: str | None) -> bool:
        """Record the acknowledgement once; False if it was already recorded."""
        try:
            with write(self.engine) as conn:
                return store.record_acknowledgement(conn, target, clean_reflection(reflection))
        except IntegrityError:  # a second POST won the race between check and insert
            return False

    # -- web view and archive ------------------------------------------------------------------

    def web_view(self, target: LinkTarget) -> str:
        """The issue as the recipient received it (the same fields as their email), with a link
        to the campaign's archive."""
        with read(self.engine) as conn:
            document = store.issue_document(conn, target.issue_id)
        fields = self.personal.fields(
            target.delivery_id,
            name=target.name,
            list_name=target.list_name,
            campaign_title=target.campaign_title,
        )
        return issue_page(
            _personalise(document, fields),
            archive_url=self.archive_url(document.campaign_id),
            campaign_title=document.campaign_title,
            anonymous=False,
        )

    def archive(self, token: str) -> Archive:
        campaign_id = self.signer.read(Purpose.ARCHIVE, token)
        with read(self.engine) as conn:
            title = store.campaign_title(conn, campaign_id)
            entries = store.archive_entries(conn, campaign_id)
        if title is None:
            raise LinkGone("this link is no longer active")
        return Archive(title, tuple(entries))

    def archive_issue(self, token: str, number: int) -> str | None:
        """A sent issue for anyone holding the archive link: no name, no personal links."""
        campaign_id = self.signer.read(Purpose.ARCHIVE, token)
        with read(self.engine) as conn:
            issue_id = store.sent_issue_id(conn, campaign_id, number)
            document = store.issue_document(conn, issue_id) if issue_id else None
        if document is None:
            return None
        archive_url = link(self.base_url, Purpose.ARCHIVE, token)
        fields = archive_fields(archive_url, number)
        return issue_page(
            _personalise(document, fields),
            archive_url=archive_url,
            campaign_title=document.campaign_title,
            anonymous=True,
        )


def clean_reflection(text: str | None) -> str | None:
    """One line of plain text (`one_line`: no control or bidirectional characters), cut to fit."""
    if not text:
        return None
    line = one_line(text)[:REFLECTION_LIMIT].strip()
    return line or None


def _address(target: LinkTarget) -> str:
    assert target.address is not None, "an erased person's link is refused before this"
    return target.address


def _personalise(document: store.IssueDocument, fields: dict[str, str]) -> str:
    label = f"issue {document.number} ({document.title})"
    html, _ = Personaliser(document.html, document.text, label=label).personalise(fields)
    return html


__all__ = [
    "ACKNOWLEDGE_MAX_AGE",
    "Archive",
    "ExampleLinks",
    "LinkGone",
    "Links",
    "Standings",
    "TokenError",
    "clean_reflection",
]
