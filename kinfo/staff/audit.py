"""The audit log: who did what, when. Append-only (the database refuses updates and deletes).

Events anyone can cause in any number without an account — a failed sign-in for an account that does not
exist, an attempt refused by the sign-in limits — are counted per day instead (``count``): one row each
would let a stranger grow an undeletable table without bound, and what they typed is not worth keeping.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from sqlalchemy import bindparam, insert
from sqlalchemy.dialects import postgresql, sqlite

from ..core import db
from ..core.models import AuditEvent, AuditTally

ACTIONS = {"login", "login_failed", "logout", "view", "list", "export", "purge",
           "account_created", "password_changed", "account_deactivated", "language_changed",
           "status_changed", "note_changed"}
COUNTED_ACTIONS = {"login_failed_unknown_account", "login_refused_by_limits"}
TALLIES = AuditTally.__table__


def record(actor: str, action: str, target: str = "") -> None:
    """Add one event. ``target`` is a reference code, an account or a date range — never health content."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    with db.engine().begin() as connection:
        connection.execute(insert(AuditEvent).values(at=datetime.now(UTC), actor=actor[:254], action=action,
                                                     target=target[:254]))


@cache
def _count_statement(dialect: str):
    upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(TALLIES)
    return upsert.values(day=bindparam("day"), action=bindparam("action"), count=1).on_conflict_do_update(
        index_elements=[TALLIES.c.day, TALLIES.c.action], set_={"count": TALLIES.c.count + 1})


def count(action: str) -> None:
    """Count one more ``action`` today (UTC): one row per action and day, however many there are."""
    if action not in COUNTED_ACTIONS:
        raise ValueError(f"unknown counted audit action {action!r}")
    with db.statements() as connection:
        connection.execute(_count_statement(connection.dialect.name),
                           {"day": datetime.now(UTC).date(), "action": action})
