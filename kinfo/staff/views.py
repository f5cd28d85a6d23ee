"""Staff pages: the list of self-checks (``/staff/``), one self-check, and the staff member's language."""

from __future__ import annotations

import json
import unicodedata

from flask import current_app, redirect, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape

from ..core.i18n import BY_URL_TAG, LANGUAGES
from ..selfcheck.questions import ANSWER_LABELS, QUESTIONS, staff_summary
from ..selfcheck.rules import Level
from . import accounts, audit, bp
from .auth import safe_next
from .records import URGENCIES, filtered_rows, one

URGENCY_LABELS = {"crisis": _l("Urgent: crisis help shown"), "discuss": _l("Topics to discuss"),
                  "info": _l("Information only"), "none": _l("Nothing flagged")}
# The word before each summary line: urgency is said in words (and an icon), never by colour alone.
LEVEL_LABELS = {Level.CRISIS: _l("Urgent"), Level.DISCUSS: _l("To discuss"), Level.INFO: _l("For information")}
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
    return render_template("staff/list.html", rows=rows, filters=filters, urgencies=URGENCIES,
                           urgency_labels=URGENCY_LABELS, total=total)


def visible_text(text: str) -> Markup:
    """Escaped free text with control and formatting characters shown as visible codes (e.g. ⟨U+202E⟩)."""
    parts = []
    for char in text:
        if char != "\n" and unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            parts.append(Markup('<span class="control">⟨U+{:04X}⟩</span>').format(ord(char)))
        else:
            parts.append(escape(char))
    return Markup("").join(parts)


@bp.get("/submissions/<reference>")
def detail(reference: str):
    """A clinical summary of the flagged items first, then every answer, in the staff member's language."""
    row = one(reference)
    items = staff_summary(row["outcome"], row["answers"], current_app.extensions["kinfo_thresholds"])
    audit.record(current_user.email, "view", reference)
    return render_template("staff/detail.html", row=row, questions=QUESTIONS, answer_labels=ANSWER_LABELS,
                           items=items, Level=Level, level_labels=LEVEL_LABELS, urgency_labels=URGENCY_LABELS,
                           visible_text=visible_text,
                           patient_language=BY_URL_TAG.get(row["language"].lower()), languages=LANGUAGES)
