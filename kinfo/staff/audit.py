"""The audit log: who did what, when. Append-only (the database refuses updates and deletes)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert

from ..core import db
from ..core.models import AuditEvent

ACTIONS = {"login", "login_failed", "login_throttled", "logout", "view", "list", "export", "purge",
           "account_created", "password_changed", "account_deactivated", "language_changed",
           "status_changed", "note_changed"}


def record(actor: str, action: str, target: str = "") -> None:
    """Add one event. ``target`` is a reference code, an account or a date range — never health content."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    with db.engine().begin() as connection:
        connection.execute(insert(AuditEvent).values(at=datetime.now(UTC), actor=actor[:254], action=action,
                                                     target=target[:254]))
