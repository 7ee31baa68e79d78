"""Tables. The ledger is append-only: an entry is a stable identity plus revisions.

No code path issues an UPDATE or DELETE on ``entry_revisions`` or
``declaration_revisions``; a correction is a new revision with who and when.
Moments of a recording (recorded_at, loaded_at, ...) are UtcDateTime: aware UTC
on every database. Moments of an activity are kept as canonical ISO text (a
date, or a UTC datetime ending in Z) because an entry may carry a date only,
and that must not turn into a made-up midnight; ``start_on``/``end_on`` are
real dates for period queries.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.types import UtcDateTime


class AgreementVersion(Base):
    """Each distinct content of an agreement file, as loaded, with its hash."""

    __tablename__ = "agreement_versions"
    __table_args__ = (
        UniqueConstraint("agreement_id", "version"),
        Index("ix_agreement_versions_agreement_id_loaded_at", "agreement_id", "loaded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    loaded_by: Mapped[str] = mapped_column(String(120))


class LedgerEntryRow(Base):
    """The stable identity of a ledger entry: its user-given ref."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class EntryRevision(Base):
    __tablename__ = "entry_revisions"
    __table_args__ = (
        UniqueConstraint("entry_id", "revision"),
        Index("ix_entry_revisions_agreement_start_on", "agreement", "start_on"),
        # A check reads one receiving party's entries of a period, a few hundred out of
        # tens of thousands in a dense year.
        Index("ix_entry_revisions_agreement_receiving_state_start_on", "agreement", "receiving_state", "start_on"),
        Index("ix_entry_revisions_start_on", "start_on"),
        # No (entry_id, recorded_at) index: a replay's latest revision per entry is found
        # from the (entry_id, revision) key, an entry having a handful of revisions.
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"))
    revision: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    recorded_by: Mapped[str] = mapped_column(String(120))
    agreement: Mapped[str] = mapped_column(String(40))
    activity: Mapped[str] = mapped_column(String(40))
    inspecting_state: Mapped[str] = mapped_column(String(2))
    receiving_state: Mapped[str] = mapped_column(String(2))
    requested_iso: Mapped[str] = mapped_column(String(32))
    replied_iso: Mapped[str | None] = mapped_column(String(32))
    start_iso: Mapped[str] = mapped_column(String(32))
    end_iso: Mapped[str] = mapped_column(String(32))
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(32))
    team_size: Mapped[int | None] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(Text, default="")
    # One object, or the objects of a mission in sequence joined by "; ".
    object: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # Guest inspectors by state ("IT:1 NL:1"); why a flight was curtailed.
    guests: Mapped[str] = mapped_column(Text, default="", server_default="")
    cause: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # Place in the ledger's hash chain and the chained hash (app/domain/chain.py).
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    chain_hash: Mapped[str] = mapped_column(String(64))


class DeclarationRow(Base):
    """The identity of a declared figure: state (or group), year and name."""

    __tablename__ = "declarations"
    __table_args__ = (UniqueConstraint("state", "year", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(40))


class DeclarationRevision(Base):
    __tablename__ = "declaration_revisions"
    __table_args__ = (UniqueConstraint("declaration_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"))
    revision: Mapped[int] = mapped_column(Integer)
    value: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    recorded_by: Mapped[str] = mapped_column(String(120))
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    chain_hash: Mapped[str] = mapped_column(String(64))


class QuotaLock(Base):
    """One row per agreement, taken FOR UPDATE to serialize ``--within-quota`` writes."""

    __tablename__ = "quota_locks"

    agreement_id: Mapped[str] = mapped_column(String(40), primary_key=True)


class SchedulerLease(Base):
    """Who runs the scheduler. Held by renewal; a holder that stops renewing loses it."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


# APScheduler 3's SQLAlchemyJobStore table, declared here so that our migrations
# create it and `alembic check` knows it; APScheduler's own create is a no-op.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class ApiToken(Base):
    """An API token; only its sha256 is stored, so a database dump reveals no token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class CalendarToken(Base):
    """A user's private calendar feed token: it reads the feed and nothing else. Only its
    sha256 is stored; a user holds at most one that is not revoked."""

    __tablename__ = "calendar_tokens"
    __table_args__ = (Index("ix_calendar_tokens_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class WebSession(Base):
    """A browser session held on the server, so that logout really ends it."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class LoginFailure(Base):
    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class AuditRecord(Base):
    """One write: who, when, what, with the state before and after (JSON)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    user: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(200))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)


class LedgerState(Base):
    """One row whose version every write to the ledger, declarations or agreements bumps,
    in the same transaction. A cached quota status is valid while the version is unchanged;
    each request reads it from the database, so no two processes can disagree."""

    __tablename__ = "ledger_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    # The heads of the two hash chains (app/domain/chain.py), advanced under the
    # same row lock that serialises writers, so seq numbers never collide.
    entry_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    entry_head: Mapped[str] = mapped_column(String(64))
    declaration_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    declaration_head: Mapped[str] = mapped_column(String(64))
    # The head of the reconciliation records' chain (app/db/records.py).
    record_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    record_head: Mapped[str] = mapped_column(String(64))


class Alert(Base):
    """Something an administrator must see: raised by a scheduled check, shown on the
    dashboard until an admin acknowledges it (who and when are kept)."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    raised_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    # Alerts raised once per occasion (a deadline's stage, a filled quota) carry its key.
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    message_ru: Mapped[str | None] = mapped_column(Text)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(120))


class StatementKey(Base):
    """An Ed25519 public key a statement may be signed with: our centre's own, or a
    partner's, registered after its fingerprint was confirmed by another channel. Keys
    are never removed, so old statements keep verifying."""

    __tablename__ = "statement_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(2))
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    public_key: Mapped[str] = mapped_column(String(64))  # the raw 32 bytes, base64
    own: Mapped[bool] = mapped_column(default=False)
    added_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    added_by: Mapped[str] = mapped_column(String(120))


class ReconciliationRecord(Base):
    """One record of the reconciliation work, append-only and hash-chained like the ledger:
    a statement we exported, a reconciliation of a partner's, a resolution of one of its
    differences, a countersignature given or received. ``body`` is canonical JSON."""

    __tablename__ = "reconciliation_records"
    __table_args__ = (Index("ix_reconciliation_records_kind_subject", "kind", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    recorded_by: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    chain_hash: Mapped[str] = mapped_column(String(64))


# The live-operations tables (notices, checklists, the alert outbox) live beside these.
from app.db import live_models as live_models  # noqa: E402
