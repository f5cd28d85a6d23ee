"""Database models (SQLAlchemy 2, typed). Health data is stored encrypted; see kinfo.encryption."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Base class of every model."""


class Submission(Base):
    """A self-check a patient chose to send to the clinic.

    Plain columns hold only what staff must sort and filter by; the answers, the flagged items and any
    contact details are one encrypted token each. No IP address or user agent is ever stored.
    """

    __tablename__ = "submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(36), unique=True)
    reference: Mapped[str] = mapped_column(String(9), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    language: Mapped[str] = mapped_column(String(16))
    consent_version: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(8), index=True)  # crisis, discuss, info or none
    answers_digest: Mapped[str] = mapped_column(String(64))  # keyed HMAC: same key, same answers?
    answers: Mapped[bytes] = mapped_column(LargeBinary)  # Fernet token of JSON {question id: code}
    outcome: Mapped[bytes] = mapped_column(LargeBinary)  # Fernet token of JSON [outcome codes]
    contact: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # Fernet token, name and phone
    # Follow-up by staff (kinfo.staff.followup): new, reviewed or contacted; who changed it last and when; an
    # optional short note, encrypted like the answers. Every change is also in the audit log.
    status: Mapped[str] = mapped_column(String(10), server_default="new", index=True)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    status_changed_by: Mapped[str | None] = mapped_column(String(254), nullable=True)
    staff_note: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # Fernet token of JSON text


class AlertOutbox(Base):
    """One consented self-check's arrival, waiting to be told to the clinic by email (kinfo.staff.alerts).

    Written by a database trigger on the submission insert itself (migration 0004), so it shares that
    statement's transaction and a replay, which inserts nothing, writes nothing here. It holds no health
    content and no reference code: only when, whether it was urgent, and the sending state."""

    __tablename__ = "alert_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    urgent: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)


class KeyCheck(Base):
    """One row encrypted with the current key: a wrong or missing key is found at start, not at read time."""

    __tablename__ = "key_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[bytes] = mapped_column(LargeBinary)


class StaffUser(Base):
    """A clinic staff account. Made only with `flask staff create`; there is never a default account."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(16), default="en")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StaffSession(Base):
    """A signed-in staff session. The cookie holds a random token; only its hash is kept here, so ending a
    session (logout, password change, deactivation, idle time) makes a captured cookie worthless."""

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RateCounter(Base):
    """How often one thing was done in its current window: sign-in attempts from a client address and for an
    account from that address, consented self-checks from an address and in all (kinfo.core.limits).

    One row per counted thing, reused window after window, so a flood adds no rows; the key is a keyed hash
    of what is counted, never an address or an email as typed. The daily purge forgets rows whose window is
    over. Shared by every worker and instance because it is in the database."""

    __tablename__ = "rate_counter"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    count: Mapped[int]


class AuditEvent(Base):
    """Append-only record of who did what and when (logins, views, exports, purges, account changes).
    Never health content: the target is a reference code or an account, never answers."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(254), default="")


class AuditTally(Base):
    """Events anyone can cause in any number, counted per day instead of one audit row each: failed sign-ins
    for accounts that do not exist, and attempts refused by the sign-in limits. What was typed is not kept."""

    __tablename__ = "audit_tally"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    action: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int]
