"""Follow-up on a self-check: its status (new → reviewed → contacted), who changed it and when, and an
optional short staff note, encrypted like the answers. Every change is audited; the history shown on the
detail page is read back from the append-only audit log, so it cannot be edited after the fact."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select, update

from ..core import db
from ..core.encryption import decrypt_json, encrypt_json
from ..core.models import AuditEvent, Submission
from . import audit, bp

STATUSES = ("new", "reviewed", "contacted")
STATUS_LABELS = {"new": _l("New"), "reviewed": _l("Reviewed"), "contacted": _l("Contacted")}
NOTE_MAX_LENGTH = 500


def note_of(submission: Submission) -> str:
    """The staff note in clear, or an empty string."""
    return decrypt_json(submission.staff_note) if submission.staff_note is not None else ""


def history(reference: str) -> list[dict]:
    """Every status and note change of one self-check, oldest first, read from the audit log: when, who,
    and either the statuses before and after or whether the note was written or removed."""
    with db.session() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(("status_changed", "note_changed")),
                                     AuditEvent.target.like(f"{reference} %"))
            .order_by(AuditEvent.id)).all()
    changes = []
    for event in events:
        detail = event.target.partition(" ")[2]
        before, _, after = detail.partition(">")
        changes.append({"at": event.at.replace(tzinfo=event.at.tzinfo or UTC), "actor": event.actor,
                        "action": event.action, "before": before, "after": after, "note": detail})
    return changes


def check(status: str | None, note: str) -> list[object]:
    """What is wrong with a requested change, as translated messages (empty when it can be saved)."""
    problems = []
    if status not in STATUSES:
        problems.append(_l("Choose a status: new, reviewed or contacted."))
    if len(note) > NOTE_MAX_LENGTH:
        problems.append(_l("The note is too long: at most %(limit)s characters.", limit=NOTE_MAX_LENGTH))
    if any(ord(char) < 32 and char not in "\n\t" for char in note):
        problems.append(_l("The note contains characters that cannot be stored."))
    return problems


def change(reference: str, status: str, note: str, actor: str) -> None:
    """Set the status and note, stamp who and when, and audit what changed (never the note's text)."""
    with db.session() as session:
        submission = session.scalar(select(Submission).where(Submission.reference == reference))
        if submission is None:
            abort(404)
        old_status, old_note = submission.status, note_of(submission)
        if status == old_status and note == old_note:
            return
        session.execute(update(Submission).where(Submission.id == submission.id).values(
            status=status, status_changed_at=datetime.now(UTC), status_changed_by=actor[:254],
            staff_note=encrypt_json(note) if note else None))
        session.commit()
    if status != old_status:
        audit.record(actor, "status_changed", f"{reference} {old_status}>{status}")
    if note != old_note:
        audit.record(actor, "note_changed", f"{reference} {'written' if note else 'removed'}")


@bp.post("/submissions/<reference>/follow-up")
def follow_up(reference: str):
    """Save a status change and the note; on a problem, show the page again with what was typed kept."""
    status = request.form.get("status")
    note = (request.form.get("note") or "").replace("\r\n", "\n").strip()
    problems = check(status, note)
    if problems:
        from .views import detail_page  # the detail page, with the problems and the typed note

        return detail_page(reference, problems=problems, typed={"status": status, "note": note}), 400
    change(reference, status, note, current_user.email)
    return redirect(url_for("staff.detail", reference=reference, _anchor="follow-up"), code=303)

