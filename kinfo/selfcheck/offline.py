"""The self-check as it works offline: a form page without a session or CSRF token, a result page the
phone fills in, and the question table as data (``rules.json``) that the phone's script interprets."""

from __future__ import annotations

import json

from flask import Response, current_app, render_template, url_for
from flask_babel import lazy_gettext as _l

from ..core.content import SECTION_BY_ID
from ..core.i18n import Language, current_language
from ..core.pagecache import public_page
from . import bp
from .asked import form_class, labels, questions
from .questions import ANSWER_LABELS, BP_FLAG, Level


@bp.get("/<lang:lang>/self-check/offline-form")
def offline_form(lang: Language) -> Response:
    """The self-check form as it works offline: no session, no CSRF token; the page script computes the
    outcome from the rules and keeps a consented submission on the phone until it can be sent."""
    form = form_class()(formdata=None)
    return public_page(render_template("selfcheck/form.html", form=form, questions=questions(), errors=[],
                                       answer_labels=ANSWER_LABELS, offline=True))


@bp.get("/<lang:lang>/self-check/result")
def offline_result(lang: Language) -> Response:
    """A result page shell the offline script fills in from answers kept on the phone."""
    return public_page(render_template("selfcheck/offline_result.html", Level=Level))


@bp.get("/<lang:lang>/self-check/rules.json")
def rules(lang: Language) -> Response:
    """The question table as data, in this language, for the offline page (the same table, not a copy)."""
    response = public_page(json.dumps(rules_data(), ensure_ascii=False, sort_keys=True))
    response.mimetype = "application/json"
    return response


def rules_data() -> dict:
    """The question table as data in the current language: the offline page evaluates this, so there is
    never a second hand-written copy of the rules.

    Each text appears once (a phone keeps this file for every language it saves): questions refer to their
    flags by position in ``flags``, to answer labels by code, and to "Read more" links by article section."""
    flags: list = []  # distinct Flag objects, in table order

    def flag_index(value) -> int:
        if value not in flags:
            flags.append(value)
        return flags.index(value)

    asked = questions()
    bp_flag = flag_index(BP_FLAG)
    question_flags = [{answer: flag_index(value) for answer, value in q.flags.items()} for q in asked]
    article = url_for("article.page", lang=current_language())
    names = labels()
    sections = {q.section for q in asked if q.section}
    return {
        "threshold": list(current_app.config["SELF_CHECK_BP_THRESHOLD"]),
        "bp_flag": bp_flag,
        "flags": [{"level": value.level.name, "text": str(value.text), "emergency_first": value.emergency_first,
                   **({"reason": str(value.reason)} if value.reason else {})} for value in flags],
        "answer_labels": {code: names["answers"][code] for code in sorted({c for q in asked for c in q.answers})},
        "sections": {section: {"href": f"{article}#{section}", "text": str(_l(
            "Read more: %(section)s", section=SECTION_BY_ID[section].heading))} for section in sorted(sections)},
        "questions": [{key: value for key, value in {
            "id": q.id, "kind": q.kind, "label": names["questions"][q.id], "required": q.required,
            "answers": list(q.answers), "follows": list(q.follows) if q.follows else None,
            "flags": flags_of_question, "section": q.section,
            "minimum": q.minimum, "maximum": q.maximum, "max_length": q.max_length,
        }.items() if value is not None} for q, flags_of_question in zip(asked, question_flags, strict=True)],
    }
