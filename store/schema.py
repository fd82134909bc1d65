"""The tables, as SQLAlchemy Core: the single description that migrations and queries share.

Core rather than ORM models because the heavy paths (imports of a million rows, the audience of a
send) are set-based SQL and batches of plain tuples; mapped objects would only be in the way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

# Ids are 64-bit on PostgreSQL (a later delivery ledger has a row per issue x recipient, so ids
# referenced from it must not run out) and INTEGER on SQLite, where only "INTEGER PRIMARY KEY"
# is the auto-incrementing rowid.
Id = BigInteger().with_variant(Integer(), "sqlite")

# Stable constraint names, so migrations can refer to them on both databases.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class SuppressionReason(StrEnum):
    UNSUBSCRIBED = "unsubscribed"  # the person asked (the link in every email, or by hand)
    BOUNCED = "bounced"  # the address does not exist any more
    COMPLAINED = "complained"  # marked as spam: never send again without a new opt-in
    MANUAL = "manual"  # an admin's decision (long-term leave, left the agency, ...)
    ERASED = "erased"  # `recipients forget`: only a salted hash of the address is kept


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_utc(moment: datetime) -> datetime:
    """A datetime as the columns keep it: in UTC. SQLite stores text without an offset, so every
    value written must be UTC for comparisons to hold; a naive one is taken to be UTC already."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def read_utc(moment: datetime | None) -> datetime | None:
    """A datetime read back, aware and in UTC (SQLite hands back naive ones; all stored are UTC)."""
    return None if moment is None else to_utc(moment)


def _enum_check(column: str, enum: type[StrEnum], name: str) -> CheckConstraint:
    """A column restricted to an enum's values, checked by the database too."""
    return CheckConstraint(
        f"{column} IN (" + ", ".join(f"'{v.value}'" for v in enum) + ")", name=name
    )


def _created_at() -> Column[datetime]:
    return Column("created_at", DateTime(timezone=True), nullable=False, default=utcnow)


# Small key/value facts about the database itself (the per-database erasure salt).
meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

recipients = Table(
    "recipients",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # Normalised (see recipients/addresses.py): one person, one row, whatever the source file.
    Column("address", String(320), nullable=False, unique=True),
    Column("name", String(200)),
    Column("organisation", String(200), index=True),  # the Organisations page groups by it
    Column("role", String(200)),
    # Any other columns of the source file, kept so that a subject access export shows them.
    Column("attributes", JSON, nullable=False, default=dict),
    _created_at(),
    Column("updated_at", DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow),
)

# The agencies as the lists name them, merged: "Northshire Constabulary" counted as "Northshire
# Police" in the report. A name without a row here is its own organisation. (On SQLite the
# people search is an FTS5 table kept by triggers: see migration 0008 and store/people_search.py.)
organisation_aliases = Table(
    "organisation_aliases",
    metadata,
    Column("name", String(200), primary_key=True),  # exactly as recipients.organisation has it
    Column("canonical", String(200), nullable=False),  # what the report shows
    Column("created_by", String(200), nullable=False),
    _created_at(),
)

lists = Table(
    "lists",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    # False for lists people are on because of their job (statutory briefings): no unsubscribe link.
    Column("unsubscribe_offered", Boolean, nullable=False, default=True),
    _created_at(),
)

import_runs = Table(
    "import_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("list_id", Id, ForeignKey("lists.id", ondelete="SET NULL")),
    Column("list_slug", String(64), nullable=False),  # kept if the list is ever deleted
    Column("started_at", DateTime(timezone=True), nullable=False, default=utcnow),
    Column("finished_at", DateTime(timezone=True)),
    Column("actor", String(200), nullable=False),
    Column("file_name", String(500), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("sync", Boolean, nullable=False),
    # The counts of ImportCounts (recipients/csv_import.py), as one JSON object: they will grow.
    Column("counts", JSON, nullable=False, default=dict),
)

memberships = Table(
    "memberships",
    metadata,
    Column("list_id", Id, ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True),
    Column("recipient_id", Id, ForeignKey("recipients.id", ondelete="CASCADE"), primary_key=True),
    Column("added_at", DateTime(timezone=True), nullable=False, default=utcnow),
    # Which import added the person, for a subject access export ("where did you get my address?").
    Column("import_run_id", Id, ForeignKey("import_runs.id", ondelete="SET NULL")),
    Index(None, "recipient_id"),
)

suppressions = Table(
    "suppressions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # By address, not recipient id: an address can be suppressed before it is ever imported, and
    # an erased person has no recipient row left, only address_hash.
    Column("address", String(320), index=True),
    Column("address_hash", String(64), index=True),
    # NULL: every list. Otherwise only this one.
    Column("list_id", Id, ForeignKey("lists.id", ondelete="CASCADE")),
    Column("reason", String(20), nullable=False),
    Column("created_by", String(200), nullable=False),
    _created_at(),
    CheckConstraint("address IS NOT NULL OR address_hash IS NOT NULL", name="address_or_hash"),
    _enum_check("reason", SuppressionReason, "reason"),
)


# -- campaigns, issues and the delivery ledger (the send side) -------------------------------------


class IssueState(StrEnum):
    SCHEDULED = "scheduled"  # waiting for its time
    SENDING = "sending"  # its audience is in the ledger and being worked through
    SENT = "sent"  # every ledger row reached a final status
    PAUSED = "paused"  # by a person (`briefcast pause`) or by the send loop (state_reason says why)
    MISSED = "missed"  # its time passed while no worker ran; waits for `resume` or `send-now`
    CANCELLED = "cancelled"


class IssueKind(StrEnum):
    ISSUE = "issue"  # a part of the series, planned by the campaign file
    # What a new starter missed (issue 15): one digest of the missed parts, or one part replayed.
    # Its audience is people, written into the ledger by delivery/catch_up.py, not lists.
    CATCH_UP = "catch-up"


class DeliveryStatus(StrEnum):
    QUEUED = "queued"  # to be sent (a retry waits for next_attempt_at)
    SENDING = "sending"  # claimed by a worker (claimed_by), in flight
    SENT = "sent"  # accepted by the transport: never sent again
    FAILED = "failed"  # refused for good, or out of attempts
    BOUNCED = "bounced"  # the address does not exist (5.1.x): it is now suppressed
    SKIPPED = "skipped"  # suppressed or erased after the audience was resolved
    # Handed over whole but no answer came (a drop or a timeout after the end of the message):
    # perhaps delivered. Never claimed again by the loop; a person resends (send-now
    # --resend-unknown), or a delivery report read back settles it (migration 0011).
    UNKNOWN = "unknown"


campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # The campaign file's name: commands address a campaign by it (`briefcast status NAME`).
    Column("name", String(200), nullable=False, unique=True),
    Column("title", String(300), nullable=False),
    Column("source_path", Text, nullable=False),  # the campaign file it was last scheduled from
    Column("approved_by", String(200), nullable=False),
    Column("approved_at", DateTime(timezone=True), nullable=False),
    # The plan as approved, versioned ({"version": 1, ...}), so what was agreed can be shown later.
    Column("plan", JSON, nullable=False),
    _created_at(),
    Column("updated_at", DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow),
)

issues = Table(
    "issues",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("campaign_id", Id, ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
    # A catch-up is numbered -1, -2, ... within its campaign: the (campaign_id, number) key then
    # holds for both kinds without rebuilding the table (SQLite cannot drop a table constraint).
    Column("number", Integer, nullable=False),
    Column("kind", String(20), nullable=False, default=IssueKind.ISSUE.value),
    # A catch-up's missed issues (their ids, oldest first): the report and acknowledgements
    # count its readers for these. NULL for an issue of the series.
    Column("covers", JSON),
    Column("title", String(300), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("slug", String(120), nullable=False),
    Column("planned_at", DateTime(timezone=True), nullable=False),  # when it is due
    Column("state", String(20), nullable=False, default=IssueState.SCHEDULED.value),
    Column("state_reason", Text),  # why it is paused, missed or cancelled: shown by `status`
    Column("lists", JSON, nullable=False),  # list slugs it goes to
    Column("exclude_lists", JSON, nullable=False, default=list),  # people on these are left out
    Column("sender", String(400), nullable=False),
    Column("reply_to", String(400)),
    # Rendered once when scheduled: the compiled skeleton with [[field]] placeholders, and the
    # digest it came from (versioned), for the web view. The send loop only fills placeholders.
    Column("html", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("digest", JSON, nullable=False),
    Column("audience_size", Integer),  # set when the audience is resolved into the ledger
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow),
    UniqueConstraint("campaign_id", "number"),
    _enum_check("state", IssueState, "state"),
    _enum_check("kind", IssueKind, "kind"),
)

# The ledger: the truth about sending. One row per (issue, recipient), whatever restarts,
# re-runs or second workers happen; a row recorded as sent is never sent again.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("issue_id", Id, ForeignKey("issues.id", ondelete="CASCADE"), nullable=False),
    # SET NULL: erasing a person leaves an anonymous row, so the counts of a report stay true.
    Column("recipient_id", Id, ForeignKey("recipients.id", ondelete="SET NULL")),
    Column("list_id", Id, ForeignKey("lists.id", ondelete="SET NULL")),  # reached through
    Column("status", String(20), nullable=False, default=DeliveryStatus.QUEUED.value),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True)),  # a retry waits until then
    Column("claimed_by", String(100)),  # the worker sending it now
    Column("claimed_at", DateTime(timezone=True)),  # when: a claim older than a lease is abandoned
    Column("attempted_at", DateTime(timezone=True)),  # the latest attempt: rate limits count these
    Column("message_id", String(300)),
    Column("sent_at", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow),
    # A delivery report (NDR) that came back after the relay accepted the message (bounces/):
    # when it was read, where from ("report"; NULL for a refusal at send time) and its status
    # code, so the report counts these apart from refusals at send time.
    Column("bounced_at", DateTime(timezone=True)),
    Column("bounce_source", String(20)),
    Column("bounce_code", String(20)),
    UniqueConstraint("issue_id", "recipient_id"),
    Index(None, "issue_id", "status"),
    Index(None, "attempted_at"),
    Index(None, "recipient_id"),
    _enum_check("status", DeliveryStatus, "status"),
)

# "I've read this": at most one per delivery (a second confirm changes nothing). The issue,
# recipient and list are copied from the delivery so the report groups without extra joins;
# erasing the person leaves an anonymous row, so the counts stay true.
acknowledgements = Table(
    "acknowledgements",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "delivery_id",
        Id,
        ForeignKey("deliveries.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("issue_id", Id, ForeignKey("issues.id", ondelete="CASCADE"), nullable=False),
    Column("recipient_id", Id, ForeignKey("recipients.id", ondelete="SET NULL")),
    Column("list_id", Id, ForeignKey("lists.id", ondelete="SET NULL")),
    # An optional one-line reflection ("what will you do differently?"), control characters
    # stripped and cut to this length by the web endpoint.
    Column("reflection", String(500)),
    _created_at(),
    Index(None, "issue_id"),
    Index(None, "recipient_id"),
)

# Who did what, when: every state change of an issue, every approval, sign-in and export, by a
# person (console or CLI) or a process (a worker, the link pages). Append-only: store/audit.py has
# no update or delete. Plain ids rather than foreign keys, and the subject's name copied in, so a
# deleted campaign or person leaves its history readable.
audit = Table(
    "audit",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, default=utcnow),
    Column("actor_kind", String(20), nullable=False),  # person (console, CLI) or process
    Column("actor", String(200), nullable=False),  # the person's name, or "worker mail-1"
    Column("actor_id", Id),  # the staff account, when the actor is a person with one
    Column("action", String(60), nullable=False),  # e.g. "issue.paused", "campaign.approved"
    Column("campaign_id", Id),
    Column("issue_id", Id),
    Column("subject", String(300)),  # what it was done to, readable: "national-panel-2020 #2"
    Column("from_state", String(20)),
    Column("to_state", String(20)),
    Column("reason", Text),
    Column("details", JSON),
    Index(None, "campaign_id", "at"),
    Index(None, "issue_id", "at"),
    Index(None, "at"),
)

# Staff who sign in to the console (`briefcast users`). The password is an argon2 hash; the TOTP
# secret is what the person's authenticator app also holds. A set-up link is a random token kept
# only as its SHA-256, usable once before setup_expires_at. Roles: author, approver, admin.
staff_users = Table(
    "staff_users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),  # normalised, lower case
    Column("name", String(200), nullable=False),
    Column("roles", JSON, nullable=False, default=list),
    Column("password_hash", String(255)),  # None until set up, and after a reset
    Column("totp_secret", String(64)),
    Column("totp_last_step", BigInteger),  # the last code's time step: a code works only once
    Column("setup_token_hash", String(64), unique=True),
    Column("setup_expires_at", DateTime(timezone=True)),
    Column("disabled", Boolean, nullable=False, default=False),
    _created_at(),
    # The work account (OpenID Connect) an admin linked: tenant and object id, never the email
    # claim (a person can change it, an admin of another tenant can claim anyone's). Migration 0011.
    Column("oidc_tid", String(64)),
    Column("oidc_oid", String(64)),
    Index(None, "oidc_tid", "oidc_oid", unique=True),
)

# Console sessions, kept on the server: the cookie holds a random token, the table its SHA-256
# (a copy of the table cannot be replayed as cookies). `verified` is false between the password
# and the second factor. A session ends when revoked (sign-out, disable, reset) or timed out.
staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Id, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False),
    Column("verified", Boolean, nullable=False, default=False),
    _created_at(),
    Column("last_seen_at", DateTime(timezone=True), nullable=False, default=utcnow),
    Column("revoked_at", DateTime(timezone=True)),
    Index(None, "user_id"),
)

# Failed sign-ins per account ("account:" + SHA-256 of the address typed, whether or not such an
# account exists) and per client address ("address:" + IP): the throttle's memory.
sign_in_throttle = Table(
    "sign_in_throttle",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", DateTime(timezone=True), nullable=False),
    Column("locked_until", DateTime(timezone=True)),
)


# -- the console's campaign drafts (workflow/) -------------------------------------------------


class DraftState(StrEnum):
    DRAFT = "draft"  # being edited by its authors
    SUBMITTED = "submitted"  # waiting for an approver; an edit takes it back to draft
    APPROVED = "approved"  # scheduled as it stands (campaign_id says which campaign)
    REJECTED = "rejected"  # sent back with a note; an edit takes it back to draft


# A series planned in the console, before and after approval: the briefing as given, the author's
# edits to how it was read (an overlay, so reading it again gives the same result) and the plan as
# a campaign file. What was last approved is kept beside it, to show an approver what changed.
drafts = Table(
    "drafts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),  # the campaign's name once scheduled
    Column("title", String(300), nullable=False),
    Column("state", String(20), nullable=False, default=DraftState.DRAFT.value),
    Column("revision", Integer, nullable=False, default=1),  # +1 per edit: approve what you saw
    Column("briefing_source", String(300), nullable=False),  # the file name, or "pasted text"
    Column("briefing_text", Text, nullable=False),
    Column("overlay", JSON, nullable=False),
    Column("plan", Text, nullable=False),  # the campaign file (YAML)
    Column("approved_plan", Text),
    Column("approved_overlay", JSON),
    Column("note", Text),  # the approver's note with a rejection
    Column("campaign_id", Id, ForeignKey("campaigns.id", ondelete="SET NULL")),
    Column("created_by", String(200), nullable=False),
    _created_at(),
    Column("updated_at", DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow),
    _enum_check("state", DraftState, "state"),
)


# -- delivery reports read back from the sending mailbox (bounces/) --------------------------------


class BounceKind(StrEnum):
    """What a delivery report's status code means for us (bounces/codes.py decides)."""

    NO_SUCH_ADDRESS = "no_such_address"  # 5.1.1, 5.1.10, 5.4.1: the person is suppressed
    REFUSED = "refused"  # a group or mailbox refusing outside senders: the list is flagged
    OUR_QUOTA = "our_quota"  # 5.2.2, 5.1.90: sending pauses until the quota resets
    WE_ARE_BLOCKED = "we_are_blocked"  # 5.1.8, 5.7.5xx, 5.7.70x: every sending issue stops
    SOFT = "soft"  # 4.x.x given up on: suppressed only after repeated soft bounces
    OTHER = "other"  # any other permanent failure: the row failed, nobody suppressed
    DELAYED = "delayed"  # "still trying": nothing happens yet


# One row per (report, recipient) read from the mailbox, matched or not: the evidence for what
# was done, and the reports that matched no ledger row, kept for an admin (never guessed).
bounce_reports = Table(
    "bounce_reports",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # The report's own Message-ID (else a digest of its bytes): read twice, acted on once.
    Column("report_key", String(300), nullable=False),
    Column("recipient", String(320), nullable=False, default=""),  # as the report names it
    Column("status_code", String(20)),  # from the report itself, e.g. "5.1.10"
    Column("kind", String(20), nullable=False),
    Column("action", String(30), nullable=False),  # what was done: bounced, flagged, kept, ...
    Column("original_message_id", String(300)),
    Column("delivery_id", Id, ForeignKey("deliveries.id", ondelete="SET NULL")),
    Column("diagnostic", Text),  # the remote server's own words
    Column("reporting_mta", String(300)),
    Column("received_at", DateTime(timezone=True)),  # the report's Date
    _created_at(),
    UniqueConstraint("report_key", "recipient"),
    Index(None, "delivery_id"),
    Index(None, "recipient"),
    _enum_check("kind", BounceKind, "kind"),
)

# Lists and organisations whose mail server refuses our sender (5.7.1, 5.7.124, 5.7.133,
# 5.7.134): someone there must allow-list it. One open flag per (list, domain); resolved by a
# person. The people stay unsuppressed: the fault is not theirs.
list_flags = Table(
    "list_flags",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("list_id", Id, ForeignKey("lists.id", ondelete="CASCADE")),
    Column("domain", String(255), nullable=False),  # the refusing organisation's mail domain
    Column("organisation", String(200)),  # as the list names it, when it does
    Column("status_code", String(20), nullable=False),
    Column("diagnostic", Text),
    Column("reports", Integer, nullable=False, default=1),
    _created_at(),
    Column("last_seen_at", DateTime(timezone=True), nullable=False, default=utcnow),
    Column("resolved_at", DateTime(timezone=True)),
    Column("resolved_by", String(200)),
    Index(None, "list_id", "domain"),
)


# -- lists uploaded in the console, between the upload and the import (console/list_uploads.py) ---


class UploadState(StrEnum):
    CHECKING = "checking"  # a console process reads and compares it (run_id says which run)
    CHECKED = "checked"  # the check page: columns, counts, rejected rows; waiting for a person
    IMPORTING = "importing"  # being imported, in one transaction that also marks it imported
    IMPORTED = "imported"  # done: only the counts are left (the file and samples are deleted)
    FAILED = "failed"  # the file could not be used (error says why)


# One row per upload, so any console process on the database can show its page, check it again
# or import it, and a restart loses nothing. It holds the file itself (people's addresses): it is
# deleted at cancel, emptied at import, removed a day after the upload (list_uploads.KEPT_FOR),
# deleted by an erasure when its file names the person, and scrubbed where its text quotes them.
list_uploads = Table(
    "list_uploads",
    metadata,
    Column("id", String(32), primary_key=True),  # random: the upload's address in the console
    Column("user_id", Id, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False),
    Column("list_slug", String(64), nullable=False),
    Column("file_name", String(500), nullable=False),  # as the person's computer named it
    Column("data", LargeBinary),  # the file as uploaded; NULL once imported
    Column("sheet", String(200)),
    Column("mapping", JSON),  # meaning -> column index, as a person chose; NULL: found anew
    Column("state", String(20), nullable=False, default=UploadState.CHECKING.value),
    Column("progress", Integer, nullable=False, default=0),  # 0-100 while a run works
    # The run working on it now: a random id per check or import, and when it last said so. A
    # busy upload whose run went quiet (its process stopped) is taken over or handed back.
    Column("run_id", String(32)),
    Column("heartbeat_at", DateTime(timezone=True)),
    Column("sheets", JSON, nullable=False, default=list),  # a spreadsheet's sheets, to pick another
    Column("check_report", JSON),  # the check's ImportReport (csv_import), as plain data
    Column("rejects", LargeBinary),  # the check's rejected rows, as the CSV to download
    Column("result", JSON),  # the import's ImportReport, counts only
    Column("error", Text),  # why it failed, in one line
    Column("note", Text),  # shown on its page once, e.g. an import cut short by a restart
    _created_at(),
    Index(None, "created_at"),
    _enum_check("state", UploadState, "state"),
)
