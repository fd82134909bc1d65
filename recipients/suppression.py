"""Suppressing an address (everywhere or on one list) and lifting it again."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from briefcast.errors import BriefcastError
from briefcast.recipients.addresses import InvalidAddress, normalise_address
from briefcast.recipients.lists import get_list
from briefcast.store import suppressions as store
from briefcast.store.audit import Actor, record
from briefcast.store.engine import write
from briefcast.store.schema import SuppressionReason
from briefcast.store.suppressions import Suppression

# `erased` is not given by hand: `recipients forget` records it, with the personal data deleted.
MANUAL_REASONS = tuple(r for r in SuppressionReason if r is not SuppressionReason.ERASED)


class SuppressionError(BriefcastError):
    pass


@dataclass(frozen=True)
class Audit:
    """A change made to a person from the console: who, to whom (by id, never the address, so
    the trail names nobody after an erasure) and why, in the person's own words."""

    actor: Actor
    recipient_id: int
    why: str

    def record(self, conn: Connection, action: str, what: str) -> None:
        record(
            conn, self.actor, action, subject=f"recipient {self.recipient_id}", reason=self.why,
            details={"recipient_id": self.recipient_id, "what": what},
        )  # fmt: skip


def suppress(
    engine: Engine,
    address: str,
    reason: SuppressionReason | str,
    list_slug: str | None = None,
    actor: str = "briefcast",
    audit: Audit | None = None,
) -> tuple[Suppression, bool]:
    """Suppress an address on one list or (list_slug None) on all; returns it and whether it is new.

    The address need not be on any list yet: a suppression recorded first is honoured by every
    later import. `audit` (who, the recipient's id, why) also writes it to the audit trail.
    """
    reason = _reason(reason)
    normalised = _address(address)
    with write(engine) as conn:
        list_id = get_list(conn, list_slug).id if list_slug else None
        existing = store.find_suppression(conn, normalised, list_id)
        if existing:
            return existing, False
        store.add_suppression(
            conn, address=normalised, list_id=list_id, reason=reason, created_by=actor
        )
        if audit:
            audit.record(conn, "recipient.suppressed", f"{reason.value}, {_scope(list_slug)}")
        created = store.find_suppression(conn, normalised, list_id)
        assert created is not None
        return created, True


def unsuppress(
    engine: Engine, address: str, list_slug: str | None = None, audit: Audit | None = None
) -> Suppression:
    """Lift the suppression of exactly this scope (all lists, or the one list); returns it."""
    normalised = _address(address)
    with write(engine) as conn:
        list_id = get_list(conn, list_slug).id if list_slug else None
        existing = store.find_suppression(conn, normalised, list_id)
        if existing is None:
            others = ", ".join(_scope(s.list_slug) for s in store.suppressions_of(conn, normalised))
            hint = f"; it is suppressed {others}" if others else ""
            raise SuppressionError(f"{normalised} is not suppressed {_scope(list_slug)}{hint}")
        store.remove_suppression(conn, existing.id)
        if audit:
            audit.record(conn, "recipient.unsuppressed", f"{existing.reason}, {_scope(list_slug)}")
        return existing


def _scope(list_slug: str | None) -> str:
    return f"on {list_slug!r}" if list_slug else "on all lists"


def _reason(reason: SuppressionReason | str) -> SuppressionReason:
    try:
        value = SuppressionReason(reason)
    except ValueError:
        value = None
    if value not in MANUAL_REASONS:
        choices = ", ".join(r.value for r in MANUAL_REASONS)
        hint = " (to erase someone, use: briefcast recipients forget)" if reason == "erased" else ""
        raise SuppressionError(f"unknown reason {reason!r}: use one of {choices}{hint}")
    return value


def _address(address: str) -> str:
    try:
        return normalise_address(address)
    except InvalidAddress as error:
        raise SuppressionError(f"{address!r}: {error}") from None
