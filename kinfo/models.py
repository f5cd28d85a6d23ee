"""Database models (SQLAlchemy 2, typed). Health data is stored encrypted; see kinfo.encryption."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, LargeBinary, String
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


class KeyCheck(Base):
    """One row encrypted with the current key: a wrong or missing key is found at start, not at read time."""

    __tablename__ = "key_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[bytes] = mapped_column(LargeBinary)
