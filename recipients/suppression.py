"""Suppressing an address (everywhere or on one list) and lifting it again."""

from __future__ import annotations

from sqlalchemy import Engine

from briefcast.errors import BriefcastError
from briefcast.recipients.addresses import InvalidAddress, normalise_address
from briefcast.recipients.lists import get_list
from briefcast.store import suppressions as store
from briefcast.store.engine import write
from briefcast.store.schema import SuppressionReason
from briefcast.store.suppressions import Suppression

# `erased` is not given by hand: `recipients forget` records it, with the personal data deleted.
MANUAL_REASONS = tuple(r for r in SuppressionReason if r is not SuppressionReason.ERASED)


class SuppressionError(BriefcastError):
    pass


def suppress(
    engine: Engine,
    address: str,
    reason: SuppressionReason | str,
    list_slug: str | None = None,
    actor: str = "briefcast",
) -> tuple[Suppression, bool]:
    """Suppress an address on one list or (list_slug None) on all; returns it and whether it is new.

    The address need not be on any list yet: a suppression recorded first is honoured by every
    later import.
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
        created = store.find_suppression(conn, normalised, list_id)
        assert created is not None
        return created, True


def unsuppress(engine: Engine, address: str, list_slug: str | None = None) -> Suppression:
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
