"""The questions this clinic asks (the table less what it switched off), their form class, and their
labels in the current language."""

from __future__ import annotations

from flask import current_app

from ..core.config import ConfigurationError
from ..core.i18n import text_key
from .forms import build_form_class
from .questions import ANSWER_LABELS, READINGS, active_questions, validate_switched_off, validate_thresholds
from .rules import OutcomeItem, outcome


def questions() -> tuple:
    """The questions asked, in table order."""
    return current_app.extensions["kinfo_questions"]


def form_class():
    """The self-check form class built once from ``questions()``."""
    return current_app.extensions["kinfo_selfcheck_form"]


def readings() -> tuple:
    """The readings asked (those whose every part is asked)."""
    return form_class().readings


def outcome_of(answers: dict) -> list[OutcomeItem]:
    """The outcome of a set of valid answers, with this clinic's questions and thresholds."""
    return outcome(answers, questions(), readings(), current_app.extensions["kinfo_thresholds"])


def labels() -> dict:
    """The question and answer labels as plain strings in the current language, worked out once per
    language: the result page lists every answer, and resolving each lazy string per request is costly."""
    cache = current_app.extensions.setdefault("kinfo_labels", {})
    key = text_key()
    if key not in cache:
        cache[key] = {"questions": {q.id: str(q.label) for q in questions()},
                      "answers": {code: str(label) for code, label in ANSWER_LABELS.items()}}
    return cache[key]


def init_app(app) -> None:
    """Check the clinic's question settings and build the form class, or refuse to start."""
    switched_off = set(app.config["SELF_CHECK_OFF"])
    try:
        validate_switched_off(switched_off)
        app.extensions["kinfo_thresholds"] = validate_thresholds(app.config)
    except ValueError as error:
        raise ConfigurationError(str(error)) from error
    asked = active_questions(switched_off)
    app.extensions["kinfo_questions"] = asked
    app.extensions["kinfo_selfcheck_form"] = build_form_class(asked, READINGS, app.config["CLINIC_NAME"])
