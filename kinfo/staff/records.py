"""Reading stored self-checks for staff: the list's filters, one row per self-check, decrypted on demand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import abort, request
from sqlalchemy import func, select

from ..core import db
from ..core.encryption import decrypt_json
from ..core.models import Submission
from ..selfcheck.rules import Level

# Urgencies staff filter by, most urgent first: every flag level, then "nothing flagged".
URGENCIES = (*(level.name.lower() for level in sorted(Level, reverse=True)), "none")


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def filtered_query():
    """The query for the request's filters (from, to, urgency), newest first, and the filters as read."""
    day_from, day_to = _parse_day(request.args.get("from")), _parse_day(request.args.get("to"))
    urgency = request.args.get("urgency")
    query = select(Submission).order_by(Submission.created_at.desc(), Submission.id.desc())
    if day_from:
        query = query.where(Submission.created_at >= datetime.combine(day_from, time.min, UTC))
    if day_to:
        query = query.where(Submission.created_at < datetime.combine(day_to + timedelta(days=1), time.min, UTC))
    if urgency in URGENCIES:
        query = query.where(Submission.urgency == urgency)
    filters = {"from": day_from.isoformat() if day_from else "", "to": day_to.isoformat() if day_to else "",
               "urgency": urgency if urgency in URGENCIES else ""}
    return query, filters


def filtered_rows(with_content: bool, limit: int | None = None) -> tuple[list[dict], dict, int]:
    """Submissions matching the request's filters, newest first (at most ``limit``), and how many match."""
    query, filters = filtered_query()
    with db.session() as db_session:
        total = db_session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        rows = [_row(s, with_content) for s in db_session.scalars(query.limit(limit))]
    return rows, filters, total


def _row(submission: Submission, with_content: bool) -> dict:
    row = {"reference": submission.reference, "created_at": submission.created_at.replace(
        tzinfo=submission.created_at.tzinfo or UTC), "language": submission.language,
        "urgency": submission.urgency, "consent_version": submission.consent_version}
    if with_content:
        row["answers"] = decrypt_json(submission.answers)
        row["outcome"] = decrypt_json(submission.outcome)
        row["contact"] = decrypt_json(submission.contact) if submission.contact else None
    return row


def one(reference: str) -> dict:
    with db.session() as db_session:
        submission = db_session.scalar(select(Submission).where(Submission.reference == reference))
    if submission is None:
        abort(404)
    return _row(submission, with_content=True)
