"""Reading stored self-checks for staff: the list's filters, one row per self-check, decrypted on demand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import abort, request
from sqlalchemy import and_, case, false, func, select

from ..core import db
from ..core.encryption import decrypt_json
from ..core.models import Submission
from ..selfcheck.rules import Level
from . import search
from .followup import STATUSES

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
    urgency, status = request.args.get("urgency"), request.args.get("status")
    query = select(Submission).order_by(Submission.created_at.desc(), Submission.id.desc())
    if day_from:
        query = query.where(Submission.created_at >= datetime.combine(day_from, time.min, UTC))
    if day_to:
        query = query.where(Submission.created_at < datetime.combine(day_to + timedelta(days=1), time.min, UTC))
    if urgency in URGENCIES:
        query = query.where(Submission.urgency == urgency)
    if status in STATUSES:
        query = query.where(Submission.status == status)
    filters = {"from": day_from.isoformat() if day_from else "", "to": day_to.isoformat() if day_to else "",
               "urgency": urgency if urgency in URGENCIES else "", "status": status if status in STATUSES else ""}
    typed = (request.args.get("q") or "").strip()[:40]
    if typed:  # a reference code read out at the desk (kinfo.staff.search); a code that cannot be, matches none
        filters["q"] = typed
        try:
            query = query.where(search.condition(typed))
        except search.SearchError as error:
            filters["q_error"] = str(error)
            query = query.where(false())
    return query, filters


def filtered_rows(with_content: bool | str, limit: int | None = None, offset: int = 0,
                  urgent_new_first: bool = False) -> tuple[list[dict], dict, int]:
    """Submissions matching the request's filters, newest first (at most ``limit`` from ``offset``), and how
    many match. ``urgent_new_first``: crisis self-checks nobody has marked yet come before all others, so
    newer arrivals never push them out of sight."""
    query, filters = filtered_query()
    if urgent_new_first:
        waiting = case((and_(Submission.urgency == "crisis", Submission.status == "new"), 0), else_=1)
        query = query.order_by(None).order_by(waiting, Submission.created_at.desc(), Submission.id.desc())
    with db.session() as db_session:
        total = db_session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        rows = [_row(s, with_content) for s in db_session.scalars(query.limit(limit).offset(offset))]
    return rows, filters, total


def _row(submission: Submission, with_content: bool) -> dict:
    row = {"reference": submission.reference, "created_at": submission.created_at.replace(
        tzinfo=submission.created_at.tzinfo or UTC), "language": submission.language,
        "urgency": submission.urgency, "consent_version": submission.consent_version,
        "status": submission.status, "status_changed_by": submission.status_changed_by,
        "status_changed_at": submission.status_changed_at and submission.status_changed_at.replace(
            tzinfo=submission.status_changed_at.tzinfo or UTC)}
    if with_content == "list":  # what a list row shows: the name if given and how many items were flagged
        contact = decrypt_json(submission.contact) if submission.contact else {}
        row["name"] = contact.get("name", "")
        row["flag_count"] = len(decrypt_json(submission.outcome))
    elif with_content:
        row["answers"] = decrypt_json(submission.answers)
        row["outcome"] = decrypt_json(submission.outcome)
        row["contact"] = decrypt_json(submission.contact) if submission.contact else None
        row["note"] = decrypt_json(submission.staff_note) if submission.staff_note is not None else ""
    return row


def one(reference: str) -> dict:
    with db.session() as db_session:
        submission = db_session.scalar(select(Submission).where(Submission.reference == reference))
    if submission is None:
        abort(404)
    return _row(submission, with_content=True)
