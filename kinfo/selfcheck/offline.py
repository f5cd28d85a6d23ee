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
from .asked import form_class, labels, questions, readings
from .questions import ANSWER_LABELS, CONTACT_FIELDS, GROUPS
from .rules import (
    ALLOWED_IN_TEXT,
    FORBIDDEN_CATEGORIES,
    FORBIDDEN_RANGES,
    MESSAGES,
    NUMBER_MAX_CHARACTERS,
    digit_zeros,
    whitespace,
)
from .views import SITE


@bp.get("/<lang:lang>/self-check/offline-form")
def offline_form(lang: Language) -> Response:
    """The self-check form as it works offline: no session, no CSRF token; the page script computes the
    outcome from the rules and keeps a consented submission on the phone until it can be sent. Only the
    service worker serves it (in place of the form itself), so search engines are told to leave it out."""
    form = form_class()(formdata=None)
    return public_page(render_template("selfcheck/form.html", form=form, questions=questions(), groups=GROUPS,
                                       errors=[], answer_labels=ANSWER_LABELS, offline=True, flow=SITE,
                                       indexable=False))


@bp.get("/<lang:lang>/self-check/result")
def offline_result(lang: Language) -> Response:
    """A result page shell the offline script fills in from answers kept on the phone (not for search
    engines: without answers on the phone it shows nothing of its own)."""
    return public_page(render_template("selfcheck/offline_result.html", form=form_class()(formdata=None),
                                       indexable=False))


@bp.get("/<lang:lang>/self-check/rules.json")
def rules(lang: Language) -> Response:
    """The question table as data, in this language, for the offline page (the same table, not a copy)."""
    response = public_page(json.dumps(rules_data(), ensure_ascii=False, sort_keys=True, separators=(",", ":")))
    response.mimetype = "application/json"
    return response


def rules_data() -> dict:
    """The question table as data in the current language, with everything the phone's interpreter of it
    (static/js/selfcheck/rules.js) must know to check answers and work out an outcome exactly as the server
    does: digits, white space, refused characters, and the messages for refused answers.

    Each text appears once (a phone keeps this file for every language it saves): questions and readings
    refer to their flags by position in ``flags``, to answer labels by code, and to "Read more" links by
    article section."""
    flags: list = []  # distinct Flag objects, in table order

    def flag_index(value) -> int:
        if value not in flags:
            flags.append(value)
        return flags.index(value)

    asked = questions()
    question_flags = [{answer: flag_index(value) for answer, value in q.flags.items()} for q in asked]
    thresholds = current_app.extensions["kinfo_thresholds"]
    article = url_for("article.page", lang=current_language())
    names = labels()
    sections = {q.section for q in asked if q.section}
    return {
        "flags": [{"level": value.level.name, "text": str(value.text), "emergency_first": value.emergency_first,
                   **({"reason": str(value.reason)} if value.reason else {}),
                   **({"topic": str(value.topic)} if value.topic else {})} for value in flags],
        "answer_labels": {code: names["answers"][code] for code in sorted({c for q in asked for c in q.answers})},
        "sections": {section: {"href": f"{article}#{section}", "text": str(_l(
            "Read more: %(section)s", section=SECTION_BY_ID[section].heading))} for section in sorted(sections)},
        "questions": [{key: value for key, value in {
            "id": q.id, "kind": q.kind, "label": names["questions"][q.id], "required": q.required,
            "answers": list(q.answers), "follows": list(q.follows) if q.follows else None,
            "flags": flags_of_question, "section": q.section,
            "minimum": q.minimum, "maximum": q.maximum, "max_length": q.max_length,
        }.items() if value is not None} for q, flags_of_question in zip(asked, question_flags, strict=True)],
        "readings": [{"id": reading.id, "code": reading.code, "parts": list(reading.parts),
                      "threshold": list(thresholds[reading.id]), "flag": flag_index(reading.flag)}
                     for reading in readings()],
        "contact": [{key: value for key, value in {
            "id": field.id, "label": str(field.label), "max_length": field.max_length,
            "characters": field.characters}.items() if value is not None} for field in CONTACT_FIELDS],
        "messages": {key: str(message) for key, message in MESSAGES.items()},
        "summary": str(_l("%(question)s – %(problem)s")),
        "text": {"whitespace": whitespace(), "digit_zeros": list(digit_zeros()),
                 "max_number_characters": NUMBER_MAX_CHARACTERS, "allowed": ALLOWED_IN_TEXT,
                 "forbidden_categories": list(FORBIDDEN_CATEGORIES),
                 "forbidden_ranges": [list(pair) for pair in FORBIDDEN_RANGES]},
    }
