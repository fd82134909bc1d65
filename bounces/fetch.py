"""`briefcast bounces fetch` and the worker's look at the mailbox: the stages in order.

    fetch_bounces(engine, settings.bounces, token=mailbox_token(settings)) -> FetchReport

The mailbox is the one BRIEFCAST_BOUNCE_SOURCE names, IMAP or Microsoft Graph, behind one
contract (bounces/mailbox.py). For each message in the folder: read it (parser), act on a
delivery report (actions), then move it to the done folder, so the next fetch does not see it
again. A report is recorded before its message moves, so a fetch cut short between the two
reads it again and changes nothing.
Out-of-office and other automatic replies are moved unread as noise; anything else (a person
writing to the sending mailbox) is left where it is, for a person.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from briefcast.bounces.actions import READER, Outcome, act_on, resume_after_quota
from briefcast.bounces.mailbox import TokenProvider, open_mailbox
from briefcast.bounces.parser import Kind, read_message
from briefcast.errors import BriefcastError
from briefcast.settings import BounceSettings, GraphBounceSettings, Settings
from briefcast.store.audit import Actor

log = logging.getLogger("briefcast.worker")
EVERY_MINUTES = 5  # how often the worker looks at the mailbox


class BouncesNotConfigured(BriefcastError):
    pass


@dataclass(frozen=True)
class FetchReport:
    reports: int = 0  # delivery reports read and acted on (then moved)
    auto_replies: int = 0  # out-of-office and the like (moved, ignored)
    left: int = 0  # other mail, left in the folder for a person
    outcomes: tuple[Outcome, ...] = field(default=())


def fetch_bounces(
    engine: Engine,
    settings: BounceSettings | GraphBounceSettings | None,
    *,
    token: TokenProvider | None = None,
    actor: Actor = READER,
    now: datetime | None = None,
) -> FetchReport:
    if settings is None:
        raise BouncesNotConfigured(
            "no mailbox to read: set BRIEFCAST_BOUNCE_IMAP_HOST, _USERNAME and _PASSWORD, or "
            "BRIEFCAST_BOUNCE_SOURCE=graph (see the README's Settings and docs/microsoft365.md)"
        )
    reports = auto = left = 0
    outcomes: list[Outcome] = []
    with open_mailbox(settings, token) as mailbox:
        for uid, data in mailbox.messages():
            reading = read_message(data)
            if reading.kind is Kind.OTHER:
                left += 1
                continue
            if reading.kind is Kind.REPORT:
                # Another fetch (the worker, a person) may record it at the same moment.
                with suppress(IntegrityError):
                    outcomes.extend(
                        act_on(engine, reading, actor=actor, now=now or datetime.now(UTC))
                    )
                reports += 1
            else:
                auto += 1
            mailbox.move(uid)
    return FetchReport(reports, auto, left, tuple(outcomes))


def mailbox_token(settings: Settings) -> TokenProvider | None:
    """The token source for the bounce mailbox: Graph's scope for the Graph source, Exchange's
    for IMAP with XOAUTH2 (BRIEFCAST_BOUNCE_IMAP_AUTH=oauth2), else none. The same OAuth app and
    token code as SMTP and the graph transport (delivery/oauth.py)."""
    bounces = settings.bounces
    if isinstance(bounces, GraphBounceSettings):
        from briefcast.delivery.oauth import GRAPH_SCOPE, token_source

        return token_source(settings.oauth, GRAPH_SCOPE, timeout=bounces.timeout)
    if bounces is None or bounces.auth != "oauth2":
        return None
    from briefcast.delivery.oauth import SMTP_SCOPE, token_source

    return token_source(settings.oauth, SMTP_SCOPE, timeout=bounces.timeout)


def fetch_in_worker(
    engine: Engine,
    settings: BounceSettings | GraphBounceSettings,
    token: TokenProvider | None = None,
) -> None:
    """The worker's periodic look (scheduler.py): one log line per action, never a crash."""
    try:
        resumed = resume_after_quota(engine)
        if resumed:
            log.info("bounces: %d issue(s) paused for the sending limit are due again", resumed)
        report = fetch_bounces(engine, settings, token=token)
    except BriefcastError as error:
        log.error("bounces: %s", error)
        return
    except Exception as error:  # the next look tries again
        first_line = (str(error).splitlines() or [""])[0]
        log.error("bounces: failed: %s: %s", type(error).__name__, first_line)
        return
    for outcome in report.outcomes:
        where = f" ({outcome.campaign} issue {outcome.issue})" if outcome.campaign else ""
        log.warning("bounces: %s %s%s: %s", outcome.recipient, outcome.code, where, outcome.message)
