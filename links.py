"""Links and personal fields: what differs per reader in an email, the one place that decides it.

    fields = PersonalFields(base_url, signer.make).fields(delivery_id, name=..., list_name=...,
                                                          campaign_title=...)

The email (delivery/outgoing.py), the web view and archive (web/links.py), the preview
(delivery/preview.py) and send-test (delivery/send_test.py) all fill an issue's `[[field]]`s from
here, so a reader sees the same values in the email and in the browser; the web app's routes are
made from the same `PREFIXES` the links are. Here: the token purposes, the URL scheme
(`<base>/<prefix>/<token>`), the field names and their one placeholder pattern, the fallbacks
(no name: "colleague"; no list any more: the campaign's title) and the sample reader. There is
no List-Unsubscribe mailto: nothing reads that mailbox yet (the https one-click is the way out).

It sits at the top of the package, below every stage (campaigns/, delivery/, web/ all import it)
and imports none of them: it holds rules and strings, not signing (delivery/tokens.py) or SQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum


class Purpose(StrEnum):
    """What a signed link is for; each purpose signs with its own salt (delivery/tokens.py)."""

    UNSUBSCRIBE = "unsubscribe"
    ACKNOWLEDGE = "acknowledge"
    VIEW = "view"
    ARCHIVE = "archive"  # names a campaign, not a delivery: its archive page of sent issues


UNSUBSCRIBE, ACKNOWLEDGE, VIEW = Purpose.UNSUBSCRIBE, Purpose.ACKNOWLEDGE, Purpose.VIEW

# The first path segment of each purpose's link: short, because links are read and copied by
# people and an unsubscribe URL must fit a header line.
PREFIXES: dict[Purpose, str] = {
    Purpose.UNSUBSCRIBE: "u",
    Purpose.ACKNOWLEDGE: "a",
    Purpose.VIEW: "v",
    Purpose.ARCHIVE: "archive",
}

# The per-reader fields the templates may use, as [[name]]; every sender fills all of them.
FIELDS = ("recipient_name", "list_name", "unsubscribe_url", "acknowledge_url", "web_view_url")
# A well-formed marker: lower-case snake_case. Whether its name is one of FIELDS is a separate
# question (campaigns/checks.py reports an unknown one), so a typo is never left as plain text.
PLACEHOLDER = re.compile(r"\[\[([a-z][a-z0-9_]*)\]\]")

NAMELESS = "colleague"  # "Dear colleague," where a list gave no name for the person
# The sample reader of the preview and of send-test; its links lead nowhere real.
SAMPLE_NAME = "Sam Sample"
SAMPLE_TOKEN = "preview-token"
# An archived issue is read by anyone holding the archive link: no name, no list of theirs.
ARCHIVE_LIST_NAME = "distribution"

# Makes the token of a link: (purpose, id) -> token (delivery.tokens.Signer.make).
TokenMaker = Callable[[Purpose, int], str]


def route(purpose: Purpose) -> str:
    """The web app's path for a purpose's links: "/u/{token}"."""
    return f"/{PREFIXES[purpose]}/{{token}}"


def archive_issue_route() -> str:
    """The web app's path for one issue of an archive: "/archive/{token}/{number:int}"."""
    return archive_issue_link(route(Purpose.ARCHIVE), "{number:int}")


def link(base_url: str, purpose: Purpose, token: str) -> str:
    """The URL of a link: "https://briefings.example.org/u/<token>"."""
    return f"{base_url.rstrip('/')}/{PREFIXES[purpose]}/{token}"


def archive_issue_link(archive_url: str, number: int | str) -> str:
    """One sent issue on a campaign's archive page."""
    return f"{archive_url}/{number}"


def unknown_fields(names: Iterable[str]) -> list[str]:
    """The names among `names` that no sender fills, sorted."""
    return sorted(set(names) - set(FIELDS))


class PersonalFields:
    """The [[field]] values of one reader's copy: their name, their list, their signed links.

    Made once per issue (or per web app) and called per reader: the send loop calls it for
    every message, so each link is a string concatenation and a token.
    """

    def __init__(self, base_url: str, make_token: TokenMaker) -> None:
        self._starts = {purpose: link(base_url, purpose, "") for purpose in Purpose}
        self._make_token = make_token

    def url(self, purpose: Purpose, target_id: int) -> str:
        """A signed link: `target_id` is a delivery's id, or a campaign's for the archive."""
        return self._starts[purpose] + self._make_token(purpose, target_id)

    def fields(
        self, delivery_id: int, *, name: str | None, list_name: str | None, campaign_title: str
    ) -> dict[str, str]:
        """Every field for one delivery. `list_name` is None once the list has been deleted:
        the reader is then told the campaign's title, in the email and in the web view alike."""
        starts, make = self._starts, self._make_token  # `url()` inlined: once per message
        return {
            "recipient_name": name or NAMELESS,
            "list_name": list_name or campaign_title,
            "unsubscribe_url": starts[UNSUBSCRIBE] + make(UNSUBSCRIBE, delivery_id),
            "acknowledge_url": starts[ACKNOWLEDGE] + make(ACKNOWLEDGE, delivery_id),
            "web_view_url": starts[VIEW] + make(VIEW, delivery_id),
        }


def sample_fields(
    base_url: str, *, lists: Sequence[str], campaign_title: str, name: str = SAMPLE_NAME
) -> dict[str, str]:
    """The fields for the sample reader (preview, send-test): on the issue's first list, its
    slug read as words ("children social care"), with links carrying a token no reader has."""
    sample = PersonalFields(base_url, lambda _purpose, _id: SAMPLE_TOKEN)
    list_name = lists[0].replace("-", " ") if lists else None
    return sample.fields(0, name=name, list_name=list_name, campaign_title=campaign_title)


def archive_fields(archive_url: str, number: int) -> dict[str, str]:
    """The fields of an archived issue: nobody's name; acknowledging and unsubscribing need the
    reader's own link from their email, so the archive page leaves those controls out
    (web/issue_pages.py) and says so; these values only fill the fields they would have used."""
    return {
        "recipient_name": NAMELESS,
        "list_name": ARCHIVE_LIST_NAME,
        "unsubscribe_url": archive_url,
        "acknowledge_url": archive_url,
        "web_view_url": archive_issue_link(archive_url, number),
    }
