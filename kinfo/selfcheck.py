"""The pre-visit self-check: the form, the outcome, and — only with consent — storage."""

from __future__ import annotations

import json
import uuid
from urllib.parse import parse_qsl

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import validate_csrf
from werkzeug.datastructures import MultiDict
from wtforms.validators import ValidationError

from . import submissions
from .forms import build_form_class, is_idempotency_key
from .fragments import in_cached_frame
from .i18n import Language, current_language, text_key
from .questions import (
    ANSWER_LABELS,
    Level,
    active_questions,
    outcome,
    validate_switched_off,
    validate_threshold,
)

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


def labels() -> dict:
    """The question and answer labels as plain strings in the current language, worked out once per
    language: the result page lists every answer, and resolving each lazy string per request is costly."""
    cache = current_app.extensions.setdefault("kinfo_labels", {})
    key = text_key()
    if key not in cache:
        cache[key] = {"questions": {q.id: str(q.label) for q in questions()},
                      "answers": {code: str(label) for code, label in ANSWER_LABELS.items()}}
    return cache[key]


def answer_rows(answers: dict) -> list[tuple[str, object, bool]]:
    """(question, answer, typed by the patient?) for each answered question, in table order and the page's
    language, for the "Your answers" list."""
    names = labels()
    return [(names["questions"][q.id], names["answers"][answers[q.id]] if q.kind == "choice" else answers[q.id],
             q.kind != "choice") for q in questions() if q.id in answers]


def store_consented(form, answers: dict, items: list, lang: Language) -> str:
    """Store a consented, valid self-check once; the same for the page and for a phone's replay."""
    contact = {key: value for key in ("name", "phone") if (value := (form[key].data or "").strip())}
    return submissions.store(idempotency_key=form.idempotency_key.data, answers=answers,
                             outcome_codes=[item.code for item in items], urgency=urgency_of(items),
                             language=lang.tag, contact=contact or None)


def _csrf_token_is_valid(sent: MultiDict) -> bool:
    """Flask-WTF's check of the token the form page carried (the form class has no CSRF field: a valid
    submission never shows the form again, so it need not sign a new token it would throw away)."""
    try:
        validate_csrf(sent.get("csrf_token"))
    except ValidationError:
        return False
    return True


def render_form(form, status: int = 200, form_errors: list | None = None, already_sent: bool = False):
    """The form with the patient's answers; ``already_sent`` offers to start a new self-check (the answers of
    this form reached the clinic before, and different ones cannot replace them)."""
    errors = list(form_errors or [])
    for name, messages in form.errors.items():
        errors.extend((name, message) for message in messages)
    html = render_template("selfcheck/form.html", form=form, questions=questions(), errors=errors,
                           answer_labels=ANSWER_LABELS, already_sent=already_sent)
    return private(make_response(html, status))


def _from_this_site() -> bool:
    """Whether a post without a CSRF token came from one of our own pages.

    A browser's ``Sec-Fetch-Site`` decides when it is sent (no page can set it). Only without it is the
    ``Origin`` compared with our own address, which a proxy that is not trusted may have changed."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        if fetch_site in ("same-origin", "none") and request.origin and request.origin != _own_origin():
            current_app.logger.warning("Origin %r is not this site's %r: is the proxy trusted (PROXY_COUNT)?",
                                       request.origin, _own_origin())
        return fetch_site in ("same-origin", "none")
    return not request.origin or request.origin == _own_origin()


def _own_origin() -> str:
    return request.host_url.rstrip("/")


@bp.get("/<lang:lang>/self-check")
def form_page(lang: Language) -> Response:
    """The empty form (or a fresh one after "start again")."""
    form = form_class()(formdata=None)
    form.idempotency_key.data = _idempotency_key()
    return render_form(form)


@bp.post("/<lang:lang>/self-check/new")
def start_again(lang: Language) -> Response:
    """Forget the previous form's key so the next answers count as a new self-check.

    It takes no CSRF token: it changes nothing but this browser's next key, and a result page left open
    for hours must still be able to start again. A post from another site (which could make a replay count
    as a new self-check) keeps the key and is only sent on to the form."""
    if not _from_this_site():
        return redirect(url_for(".form_page", lang=lang), 303)
    session.pop(KEY_IN_SESSION, None)
    return form_page(lang)


def _form_sent() -> MultiDict:
    """The fields the patient sent. Werkzeug keeps percent-encoded bytes that are not UTF-8 as the escapes
    themselves ("%ED%A0%80" would be stored as typed text) and drops a whole body that holds raw ones (every
    answer lost). Parsed here, with the same stdlib call, every byte that is not text becomes U+FFFD instead,
    which the text checks refuse with a message beside the field: nothing is stored changed, and the other
    answers are kept. The body is parsed once; a valid one gives exactly what request.form would."""
    if request.mimetype == "application/x-www-form-urlencoded":
        text = request.get_data().decode(errors="replace")  # MAX_CONTENT_LENGTH still applies (413)
        return MultiDict(parse_qsl(text, keep_blank_values=True, errors="replace"))
    return request.form


@bp.post("/<lang:lang>/self-check")
def submit(lang: Language) -> Response:
    """Check the answers, show the outcome, and store them only if the patient consented."""
    sent = _form_sent()
    form = form_class()(formdata=sent)
    repeated = [name for name in sent if len(sent.getlist(name)) > 1]
    valid = form.validate()
    form_errors = []
    if not _csrf_token_is_valid(sent):
        valid = False
        form_errors.append(("", CSRF_MESSAGE))
    if repeated:
        valid = False
        form_errors.append(("", REPEATED_MESSAGE))
    if not is_idempotency_key(form.idempotency_key.data):
        form.idempotency_key.data = _idempotency_key()
        valid = False
    if not valid:  # the answers are kept; a stale CSRF token is replaced (the form renders a fresh one)
        return render_form(form, 422, form_errors)

    answers = form.answers()
    items = outcome(answers, questions(), current_app.config["SELF_CHECK_BP_THRESHOLD"])
    reference = None
    if form.consent.data:
        try:
            reference = store_consented(form, answers, items, lang)
        except submissions.DifferentAnswersForKey:
            return render_form(form, 409, [("", CONFLICT_MESSAGE)], already_sent=True)
    html = in_cached_frame("selfcheck/result.html", "selfcheck/_result.html", reference=reference,
                           answer_rows=answer_rows(answers),
                           **{level.name.lower(): [item for item in items if item.flag.level == level]
                              for level in Level})
    return private(make_response(html))


def offline_form_page() -> str:
    """The form without a session or CSRF token, for the offline bundle; the page script takes over."""
    form = form_class()(formdata=None)
    return render_template("selfcheck/form.html", form=form, questions=questions(), errors=[],
                           answer_labels=ANSWER_LABELS, offline=True)


def offline_result_page() -> str:
    """A result page shell the offline script fills in from answers kept on the phone."""
    return render_template("selfcheck/offline_result.html", Level=Level)


def rules_data() -> dict:
    """The question table as data in the current language: the offline page evaluates this, so there is
    never a second hand-written copy of the rules.

    Each text appears once (a phone keeps this file for every language it saves): questions refer to their
    flags by position in ``flags``, to answer labels by code, and to "Read more" links by article section."""
    from flask import url_for

    from .content import SECTION_BY_ID
    from .questions import BP_FLAG

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


def _refuse_repeated_keys(pairs: list[tuple[str, object]]) -> dict:
    if len({key for key, _value in pairs}) != len(pairs):
        raise ValueError("a key is repeated")  # the form refuses repeated fields too
    return dict(pairs)


def _json_object_sent() -> object:
    """The request body as JSON, or None when it is not well-formed JSON, repeats a key, or is nested too
    deeply for the parser (Flask's ``get_json(silent=True)`` lets that last one through as a 500)."""
    try:
        return json.loads(request.get_data(cache=False), object_pairs_hook=_refuse_repeated_keys)
    except (ValueError, RecursionError):
        return None


def _json_error(status: int, message, errors: list | None = None) -> Response:
    return private(make_response(jsonify({"error": str(message), "errors": errors or []}), status))


@bp.post("/<lang:lang>/self-check/submissions")
def submit_json(lang: Language) -> Response:
    """Consented answers sent (or replayed) from a phone: JSON with an idempotency key.

    No CSRF token: a copy of the form kept offline may be days old. Instead the request must be JSON
    (which a cross-site form cannot send without a CORS preflight we never allow) from our own origin.
    The same form class validates the answers, so the rules are the same as on the page.
    """
    if not _from_this_site():
        return _json_error(403, _l("This request did not come from this site."))
    if not request.is_json:
        return _json_error(415, _l("Send the answers as JSON."))
    payload = _json_object_sent()
    if not isinstance(payload, dict) or not isinstance(payload.get("answers"), dict):
        return _json_error(400, _l("Something was wrong with that request"))
    if payload.get("consent") is not True:
        return _json_error(400, _l("Nothing is sent without your consent."))
    values = {**payload["answers"], "name": payload.get("name") or "", "phone": payload.get("phone") or "",
              "idempotency_key": payload.get("idempotency_key") or "", "consent": "y"}
    if not all(isinstance(value, (str, int)) and not isinstance(value, bool) for value in values.values()):
        return _json_error(400, _l("Something was wrong with that request"))
    form = form_class()(formdata=MultiDict({key: str(value) for key, value in values.items()}))
    valid = form.validate()
    if not is_idempotency_key(form.idempotency_key.data):
        return _json_error(422, _l("Something was wrong with that request"))
    if not valid:
        errors = [{"field": name, "message": gettext("%(question)s – %(problem)s", question=str(form[name].label.text),
                                                     problem=str(message))}
                  for name, messages in form.errors.items() for message in messages]
        return _json_error(422, _l("The clinic could not accept these answers."), errors)
    answers = form.answers()
    items = outcome(answers, questions(), current_app.config["SELF_CHECK_BP_THRESHOLD"])
    try:
        reference = store_consented(form, answers, items, lang)
    except submissions.DifferentAnswersForKey:
        return _json_error(409, CONFLICT_MESSAGE)
    return private(make_response(jsonify({"reference": reference}), 200))


def init_app(app) -> None:
    """Read the clinic's question settings, build the form class once, register the blueprint."""
    switched_off = set(app.config["SELF_CHECK_OFF"])
    try:
        validate_switched_off(switched_off)
        app.config["SELF_CHECK_BP_THRESHOLD"] = validate_threshold(app.config["SELF_CHECK_BP_THRESHOLD"])
    except ValueError as error:
        from .config import ConfigurationError

        raise ConfigurationError(str(error)) from error
    asked = active_questions(switched_off)
    app.extensions["kinfo_questions"] = asked
    app.extensions["kinfo_selfcheck_form"] = build_form_class(asked, app.config["CLINIC_NAME"])
    app.register_blueprint(bp)

