"""Staff pages: the list of self-checks (``/staff/``), one self-check, and the staff member's language."""

from __future__ import annotations

import json

from flask import redirect, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..core.i18n import BY_URL_TAG, LANGUAGES
from ..selfcheck.questions import ANSWER_LABELS, QUESTIONS, Level, flag_for_code
from . import accounts, audit, bp
from .auth import safe_next
from .invisible import visible_text
from .records import URGENCIES, filtered_rows, one

URGENCY_LABELS = {"crisis": _l("Urgent: crisis help shown"), "discuss": _l("Topics to discuss"),
                  "info": _l("Information only"), "none": _l("Nothing flagged")}
LIST_LIMIT = 200  # newest shown on the page; exports carry every match


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
    """Consented self-checks, newest first; crisis ones marked urgent; filter by date and outcome."""
    rows, filters, total = filtered_rows(with_content=False, limit=LIST_LIMIT)
    audit.record(current_user.email, "list", json.dumps(filters, sort_keys=True))
    # The download links carry the filters as read, never the raw query (any name in it would reach url_for).
    filter_args = {name: value for name, value in filters.items() if value}
    return render_template("staff/list.html", rows=rows, filters=filters, filter_args=filter_args,
                           urgencies=URGENCIES, urgency_labels=URGENCY_LABELS, total=total)


@bp.get("/submissions/<reference>")
def detail(reference: str):
    """Every answer in the staff member's language, from the stored codes."""
    row = one(reference)
    items = [flag for flag in map(flag_for_code, row["outcome"]) if flag is not None]
    items.sort(key=lambda flag: -flag.level)
    audit.record(current_user.email, "view", reference)
    return render_template("staff/detail.html", row=row, questions=QUESTIONS, answer_labels=ANSWER_LABELS,
                           items=items, Level=Level, urgency_labels=URGENCY_LABELS, visible_text=visible_text,
                           patient_language=BY_URL_TAG.get(row["language"].lower()), languages=LANGUAGES)
