"""Data-subject requests: everything held about one person (access); forgetting them (erasure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from briefcast.errors import BriefcastError
from briefcast.recipients import pending_uploads
from briefcast.recipients.addresses import InvalidAddress, normalise_address
from briefcast.recipients.erasure import address_hasher
from briefcast.store import audit, bounces, list_uploads, people, people_search, suppressions
from briefcast.store.audit import Actor
from briefcast.store.engine import checkpoint, read, write
from briefcast.store.schema import SuppressionReason

FORMAT_VERSION = 1  # of the subject access export


@dataclass(frozen=True)
class ErasureReport:
    address: str
    had_record: bool  # False: we held nothing but (perhaps) suppressions
    memberships_removed: int
    suppressions_removed: int
    already_erased: bool
    # Kept for the report's counts, with nothing left that leads back to the person.
    deliveries_anonymised: int = 0
    acknowledgements_anonymised: int = 0
    # Other rows whose free text quoted the address (pause reasons, errors, the audit trail).
    texts_scrubbed: int = 0
    # False when SQLite's WAL could not be emptied at once (a reader was busy): it will be soon.
    checkpointed: bool = True
    # Lists uploaded in the console, not imported yet, whose file held the address: deleted.
    uploads_deleted: int = 0


def export_person(
    engine: Engine,
    address: str,
    secret_key: str | None = None,
    *,
    exported_by: Actor | None = None,
    why: str | None = None,
    recipient_id: int | None = None,
) -> dict[str, Any]:
    """A subject access export, as JSON-ready data: the recipient row, every list they are on and
    which import put them there, every suppression of their address, whether they were erased,
    what was sent to them (each ledger row: campaign, issue, list, status, attempts, when, the
    Message-ID, the last error), their acknowledgements with the reflections they wrote, and the
    lists uploaded in the console, not imported yet, whose file holds the address.
    With `exported_by` the export is written to the audit trail with `why` (by recipient id:
    the trail never holds the address).
    """
    normalised = _address(address)
    with read(engine) as conn:  # files are read cell by cell: not while holding the write lock
        uploads = pending_uploads.naming(conn, normalised)
    with write(engine) as conn:
        recipient = people.find_recipient(conn, normalised)
        history = people.membership_history(conn, recipient.id) if recipient else []
        sent = people.sent_to(conn, recipient.id) if recipient else []
        acknowledged = people.acknowledgements_of(conn, recipient.id) if recipient else []
        held_suppressions = suppressions.suppressions_of(conn, normalised)
        hashed = address_hasher(conn, secret_key)(normalised)
        erased_at = suppressions.erasure_recorded(conn, hashed)
        if exported_by:
            who = recipient_id or (recipient.id if recipient else None)
            audit.record(
                conn, exported_by, "recipient.exported", subject=f"recipient {who}",
                details={"why": why or "", "recipient_id": who},
            )  # fmt: skip
    return {
        "format_version": FORMAT_VERSION,
        "address": normalised,
        "recipient": _without(vars(recipient), "id") if recipient else None,
        "memberships": [vars(item) for item in history],
        "suppressions": [_without(vars(item), "id", "address") for item in held_suppressions],
        "erased_at": erased_at,
        "sent": [vars(item) for item in sent],
        "acknowledgements": [vars(item) for item in acknowledged],
        # files staff uploaded and have not imported yet (deleted a day after at most)
        "pending_uploads": [
            {
                "file_name": u.file_name,
                "list_slug": u.list_slug,
                "uploaded_by": u.uploaded_by,
                "uploaded_at": u.created_at,
            }
            for u in uploads
        ],
    }


def forget(
    engine: Engine, address: str, secret_key: str | None = None, actor: str = "briefcast"
) -> ErasureReport:
    """Erase a person, in one transaction: their recipient row, memberships and suppressions go;
    what was sent to them and their acknowledgements stay for the report, anonymous (no recipient,
    no error text, no reflection); one suppression remains holding only a salted hash of the
    address, so that a later import reports them as "erased" instead of silently adding them back.
    Every other text that quotes the address (a pause reason, the audit trail) is rewritten, a
    console upload whose file holds it (not imported yet) is deleted, and
    on SQLite the freed bytes are overwritten (secure_delete) and the WAL emptied. Files outside
    the database are `recipients.traces`' business.
    """
    normalised = _address(address)
    with write(engine) as conn:
        hashed = address_hasher(conn, secret_key)(normalised)
        recipient = people.find_recipient(conn, normalised)
        anonymised = people.anonymise_history(conn, recipient.id) if recipient else None
        memberships = people.delete_recipient(conn, recipient.id) if recipient else 0
        removed = suppressions.delete_suppressions_of(conn, normalised)
        bounces.delete_reports_of(conn, normalised)  # delivery reports naming them
        # uploaded files not imported yet that hold the address: a file cannot be scrubbed
        uploads = [u.id for u in pending_uploads.naming(conn, normalised)]
        uploads_deleted = list_uploads.delete_uploads(conn, uploads)
        already = suppressions.erasure_recorded(conn, hashed) is not None
        if not already:
            suppressions.add_suppression(
                conn, address_hash=hashed, reason=SuppressionReason.ERASED, created_by=actor
            )
        scrubbed = people.scrub_address(conn, normalised) + audit.scrub(conn, normalised)
        people_search.forget_removed(conn)  # no trigram of the address left in an old segment
        # Who erased someone, and when, stays accountable; whom must not be written down.
        audit.record(
            conn,
            audit.Actor.person(actor),
            "recipient.erased",
            details={
                "memberships": memberships,
                "suppressions": removed,
                "texts": scrubbed,
                "uploads": uploads_deleted,
            },
        )
    checkpointed = checkpoint(engine)
    return ErasureReport(
        normalised,
        recipient is not None,
        memberships,
        removed,
        already,
        anonymised.deliveries if anonymised else 0,
        anonymised.acknowledgements if anonymised else 0,
        scrubbed,
        checkpointed,
        uploads_deleted,
    )


def _address(address: str) -> str:
    try:
        return normalise_address(address)
    except InvalidAddress as error:
        raise BriefcastError(f"{address!r}: {error}") from None


def _without(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in keys}
