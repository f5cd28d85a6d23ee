"""Staff pages: the list of self-checks (``/staff/``), one self-check, and the staff member's language."""

from __future__ import annotations

import json

from flask import current_app, redirect, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..core.i18n import BY_URL_TAG, LANGUAGES
from ..selfcheck.questions import ANSWER_LABELS, QUESTIONS, staff_summary
from ..selfcheck.rules import Level
from . import accounts, audit, bp, followup
from .auth import safe_next
from .followup import STATUS_LABELS, STATUSES
from .invisible import visible_text
from .records import URGENCIES, filtered_rows, one

URGENCY_LABELS = {"crisis": _l("Urgent: crisis help shown"), "discuss": _l("Topics to discuss"),
                  "info": _l("Information only"), "none": _l("Nothing flagged")}
# The word before each summary line: urgency is said in words (and an icon), never by colour alone.
LEVEL_LABELS = {Level.CRISIS: _l("Urgent"), Level.DISCUSS: _l("To discuss"), Level.INFO: _l("For information")}
PAGE_SIZE = 50  # rows a page; the list pages through every match, exports carry them all


@bp.post("/language")
def language():
    """The staff member's language for the staff pages (kept on the account)."""
    tag = (request.form.get("language") or "").lower()
    if tag in BY_URL_TAG:
        accounts.set_language(current_user.user_id, tag)
        audit.record(current_user.email, "language_changed", tag)
    return redirect(safe_next(request.form.get("next")))


@bp.get("/")
def submissions():
    """Consented self-checks: urgent ones nobody has marked yet first, then newest first; filter by date,
    outcome and status, find by reference code; a page at a time."""
    page = max(request.args.get("page", 1, type=int), 1)
    rows, filters, total = filtered_rows(with_content="list", limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
                                         urgent_new_first=True)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    audit.record(current_user.email, "list", json.dumps({k: v for k, v in filters.items() if k != "q_error"},
                                                        sort_keys=True))
    return render_template("staff/list.html", rows=rows, filters=filters, urgencies=URGENCIES,
                           urgency_labels=URGENCY_LABELS, total=total, page=page, pages=pages,
                           statuses=STATUSES, status_labels=STATUS_LABELS, visible_text=visible_text,
                           # the filters as read, never the raw query (any name in it would reach url_for)
                           export_args={name: value for name, value in filters.items() if value and name != "q_error"})



@bp.get("/submissions/<reference>")
def detail(reference: str):
    """A clinical summary of the flagged items first, then follow-up, then every answer, in the staff
    member's language."""
    page = detail_page(reference)
    audit.record(current_user.email, "view", reference)
    return page


def detail_page(reference: str, problems: list | None = None, typed: dict | None = None) -> str:
    """The detail page; ``problems`` and ``typed`` when a follow-up change was refused (what was typed kept)."""
    row = one(reference)
    items = staff_summary(row["outcome"], row["answers"], current_app.extensions["kinfo_thresholds"])
    return render_template("staff/detail.html", problems=problems or [],
                           typed=typed or {"status": row["status"], "note": row["note"]},
                           statuses=STATUSES, status_labels=STATUS_LABELS, history=followup.history(reference),
                           row=row, questions=QUESTIONS, answer_labels=ANSWER_LABELS,
                           items=items, Level=Level, level_labels=LEVEL_LABELS, urgency_labels=URGENCY_LABELS,
                           visible_text=visible_text,
                           patient_language=BY_URL_TAG.get(row["language"].lower()), languages=LANGUAGES)
