"""Retention: self-checks older than the configured age are deleted for good."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete

from ..core import db
from ..core.models import Submission
from . import accounts, audit


def purge(older_than_days: int, actor: str = "cli") -> int:
    """Delete self-checks received more than ``older_than_days`` ago; returns how many went.

    SQLite runs with secure_delete, and the write-ahead log is checkpointed and truncated afterwards, so the
    deleted rows cannot be read back from the database files.
    """
    cutoff = datetime.now(UTC) - timedelta(days=older_than_days)
    engine = db.engine()
    with engine.begin() as connection:
        count = connection.execute(delete(Submission).where(Submission.created_at < cutoff)).rowcount
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()  # outside any transaction, so the checkpoint can truncate the log
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
        finally:
            raw.close()
    accounts.prune()  # sign-in counts whose window is over, and sessions long idle, count for nothing
    audit.record(actor, "purge", f"{count} older than {older_than_days} days")
    return count
