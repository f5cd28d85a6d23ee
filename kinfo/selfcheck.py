"""The pre-visit self-check: the form, the outcome, and — only with consent — storage."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, current_app, make_response, render_template, request, session
from flask_babel import lazy_gettext as _l

from . import submissions
from .forms import build_form_class, is_idempotency_key
from .i18n import Language
from .questions import ANSWER_LABELS, QUESTIONS, Level, active_questions, outcome, validate_switched_off

bp = Blueprint("selfcheck", __name__)

KEY_IN_SESSION = "selfcheck_key"
CSRF_MESSAGE = _l("This page was open for a long time, so we could not send it safely. Your answers are still "
                  "here. Please check them and press the button again.")
REPEATED_MESSAGE = _l("Some questions were answered more than once. Please check your answers.")
CONFLICT_MESSAGE = _l("Answers from this form were already sent, and these are different. To send new answers, "
                      "start a new self-check.")


def questions() -> tuple:
    return current_app.extensions["kinfo_questions"]


def form_class():
    return current_app.extensions["kinfo_selfcheck_form"]


def _idempotency_key() -> str:
    """One key per filled-in form, kept in the session: back, refresh and double taps reuse it."""
    key = session.get(KEY_IN_SESSION)
    if not is_idempotency_key(key):
        key = session[KEY_IN_SESSION] = str(uuid.uuid4())
    return key


def private(response: Response) -> Response:
    """Form pages and results hold health answers: never stored by any cache."""
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response


def urgency_of(items) -> str:
    """The plain summary staff filter by: the highest level flagged, or none."""
    return items[0].flag.level.name.lower() if items else "none"


def render_form(form, status: int = 200, form_errors: list | None = None):
    errors = list(form_errors or [])
    for name, messages in form.errors.items():
        if name != "csrf_token":
            errors.extend((name, message) for message in messages)
    html = render_template("selfcheck/form.html", form=form, questions=questions(), errors=errors,
                           answer_labels=ANSWER_LABELS)
    return private(make_response(html, status))


@bp.get("/<lang:lang>/self-check")
def form_page(lang: Language) -> Response:
    """The empty form (or a fresh one after "start again")."""
    form = form_class()(formdata=None)
    form.idempotency_key.data = _idempotency_key()
    return render_form(form)


@bp.post("/<lang:lang>/self-check/new")
def start_again(lang: Language) -> Response:
    """Forget the previous form's key so the next answers count as a new self-check."""
    session.pop(KEY_IN_SESSION, None)
    return form_page(lang)


@bp.post("/<lang:lang>/self-check")
def submit(lang: Language) -> Response:
    """Check the answers, show the outcome, and store them only if the patient consented."""
    form = form_class()()
    repeated = [name for name in request.form if len(request.form.getlist(name)) > 1]
    valid = form.validate()
    form_errors = []
    csrf = getattr(form, "csrf_token", None)
    if csrf is not None and csrf.errors:
        form_errors.append(("", CSRF_MESSAGE))
    if repeated:
        valid = False
        form_errors.append(("", REPEATED_MESSAGE))
    if not is_idempotency_key(form.idempotency_key.data):
        form.idempotency_key.data = _idempotency_key()
        valid = False
    if not valid:
        # The answers are kept; a stale CSRF token is simply replaced (the form renders a fresh one).
        if csrf is not None:
            csrf.errors = []
        return render_form(form, 422, form_errors)

    answers = form.answers()
    items = outcome(answers, questions(), current_app.config["SELF_CHECK_BP_THRESHOLD"])
    reference = None
    if form.consent.data:
        contact = {key: value for key in ("name", "phone") if (value := (form[key].data or "").strip())}
        try:
            reference = submissions.store(
                idempotency_key=form.idempotency_key.data, answers=answers,
                outcome_codes=[item.code for item in items], urgency=urgency_of(items),
                language=lang.tag, contact=contact or None)
        except submissions.DifferentAnswersForKey:
            return render_form(form, 409, [("", CONFLICT_MESSAGE)])
    html = render_template("selfcheck/result.html", items=items, answers=answers, questions=questions(),
                           reference=reference, Level=Level, form=form, answer_labels=ANSWER_LABELS)
    return private(make_response(html))


def init_app(app) -> None:
    """Read the clinic's question settings, build the form class once, register the blueprint."""
    switched_off = set(app.config["SELF_CHECK_OFF"])
    try:
        validate_switched_off(switched_off)
    except ValueError as error:
        from .config import ConfigurationError

        raise ConfigurationError(str(error)) from error
    asked = active_questions(switched_off)
    app.extensions["kinfo_questions"] = asked
    app.extensions["kinfo_selfcheck_form"] = build_form_class(asked, app.config["CLINIC_NAME"])
    app.register_blueprint(bp)


__all__ = ["QUESTIONS", "bp", "init_app"]
