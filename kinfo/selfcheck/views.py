"""The self-check's pages: the form (``/<lang>/self-check``), its outcome, and starting again."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from flask import Response, make_response, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import validate_csrf
from werkzeug.datastructures import MultiDict
from wtforms.validators import ValidationError

from ..core import csrf
from ..core.i18n import Language
from ..core.pagecache import private_page
from ..core.security import from_this_site
from ..public.fragments import in_cached_frame
from . import bp, storage
from .asked import form_class, labels, outcome_of, questions
from .forms import is_idempotency_key
from .questions import ANSWER_LABELS, GROUPS
from .rules import Level, crisis_items

KEY_IN_SESSION = "selfcheck_key"
CSRF_MESSAGE = _l("This page was open for a long time, so we could not send it safely. Your answers are still "
                  "here. Please check them and press the button again.")
REPEATED_MESSAGE = _l("Some questions were answered more than once. Please check your answers.")


@dataclass(frozen=True)
class Flow:
    """Where the self-check's pages send the patient: the site's own routes, or the waiting-room tablet's
    (kinfo.selfcheck.tablet), which never link to the guide (the guide's pages save offline copies)."""

    submit: str
    change: str
    start_again: str
    links_to_guide: bool = True
    on_tablet: bool = False


SITE = Flow("selfcheck.submit", "selfcheck.change", "selfcheck.start_again")


def _idempotency_key() -> str:
    """One key per filled-in form, kept in the session: back, refresh and double taps reuse it."""
    key = session.get(KEY_IN_SESSION)
    if not is_idempotency_key(key):
        key = session[KEY_IN_SESSION] = str(uuid.uuid4())
    return key


def answer_rows(answers: dict) -> list[tuple[str, str, object, bool]]:
    """(where to change it, question, answer, typed by the patient?) for each answered question, in table
    order and the page's language, for the "Your answers" list."""
    names = labels()
    return [("q-" + q.id if q.kind == "choice" else q.id, names["questions"][q.id],
             names["answers"][answers[q.id]] if q.kind == "choice" else answers[q.id], q.kind != "choice")
            for q in questions() if q.id in answers]


def _csrf_token_is_valid(sent: MultiDict) -> bool:
    """Flask-WTF's check of the token in the fields as this view parsed them (see ``form_sent``: a body
    Werkzeug could not parse loses its token there, and not here)."""
    try:
        validate_csrf(sent.get("csrf_token"))
    except ValidationError:
        return False
    return True


def render_form(form, status: int = 200, form_errors: list | None = None, already_sent: bool = False,
                crisis: list | None = None, flow: Flow = SITE, **context):
    """The form with the patient's answers; ``crisis`` (answers that call for crisis help) puts the crisis
    card first; ``already_sent`` offers to start a new self-check (the answers of this form reached the
    clinic before, and different ones cannot replace them). ``flow`` and ``context`` (the page's layout)
    make it the tablet's form."""
    errors = list(form_errors or [])
    for name, messages in form.errors.items():
        errors.extend((name, message) for message in messages)
    html = render_template("selfcheck/form.html", form=form, questions=questions(), groups=GROUPS, errors=errors,
                           answer_labels=ANSWER_LABELS, already_sent=already_sent, crisis=crisis or [], flow=flow,
                           **context)
    return private_page(make_response(html, status))


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
    if not from_this_site():
        return redirect(url_for(".form_page", lang=lang), 303)
    session.pop(KEY_IN_SESSION, None)
    return form_page(lang)


def keep_body_for_parsing() -> None:
    """Keep the self-check's body before anything parses the form from it (the CSRF check does), so that
    ``form_sent`` can parse it its own way. Runs before every request; registered ahead of the CSRF check."""
    if request.endpoint in ("selfcheck.submit", "selfcheck.change", "tablet.submit", "tablet.change"):
        request.get_data(cache=True, parse_form_data=False)  # MAX_CONTENT_LENGTH still applies (413)


def form_sent() -> MultiDict:
    """The fields the patient sent. Werkzeug keeps percent-encoded bytes that are not UTF-8 as the escapes
    themselves ("%ED%A0%80" would be stored as typed text) and drops a whole body that holds raw ones (every
    answer lost). Parsed here, with the same stdlib call, every byte that is not text becomes U+FFFD instead,
    which the text checks refuse with a message beside the field: nothing is stored changed, and the other
    answers are kept. The body is parsed once; a valid one gives exactly what request.form would."""
    if request.mimetype == "application/x-www-form-urlencoded":
        text = request.get_data().decode(errors="replace")  # kept by keep_body_for_parsing
        return MultiDict(parse_qsl(text, keep_blank_values=True, errors="replace"))
    return request.form


@bp.post("/<lang:lang>/self-check")
def submit(lang: Language) -> Response:
    """Check the answers, show the outcome, and store them only if the patient consented."""
    return _answer(lang, csrf_checked=True)


@csrf.on_failure("selfcheck.submit")
def _submit_failed_csrf_check(lang: Language) -> Response:
    """A stale or missing token: the page comes back with every answer kept and a word on why."""
    return _answer(lang, csrf_checked=False)


@bp.post("/<lang:lang>/self-check/change")
def change(lang: Language) -> Response:
    """The form again with the answers a result page sent back, to change one (nothing is checked or
    stored: the answers come back in the post, never in the URL or a cookie)."""
    form = form_class()(formdata=form_sent())
    if not is_idempotency_key(form.idempotency_key.data):
        form.idempotency_key.data = _idempotency_key()
    return render_form(form)


@dataclass
class Checked:
    """A posted self-check after its checks: the form, what was sent, and the problems found."""

    form: object
    sent: MultiDict
    valid: bool
    form_errors: list = field(default_factory=list)

    def crisis(self) -> list:
        """The answers sent that call for crisis help (for a form shown again with problems)."""
        return crisis_items(questions(), self.sent)


def check_answers(csrf_checked: bool) -> Checked:
    """Read and check the posted answers: each field, a stale CSRF token, a question answered twice, the key."""
    sent = form_sent()
    form = form_class()(formdata=sent)
    repeated = [name for name in sent if len(sent.getlist(name)) > 1]
    checked = Checked(form, sent, form.validate())
    if not csrf_checked and not _csrf_token_is_valid(sent):
        checked.valid = False
        checked.form_errors.append(("", CSRF_MESSAGE))
    if repeated:
        checked.valid = False
        checked.form_errors.append(("", REPEATED_MESSAGE))
    if not is_idempotency_key(form.idempotency_key.data):
        form.idempotency_key.data = _idempotency_key()
        checked.valid = False
    return checked


@dataclass
class Outcome:
    """What valid answers come to, and whether they were stored (only with consent)."""

    answers: dict
    items: list
    reference: str | None = None
    not_stored: object = None  # why a consented self-check was not stored (429, 503)
    status: int = 200
    retry_after: int = 0
    consent_missing: bool = False
    already_sent: bool = False  # the form's key was used before for other answers (409)

    def by_level(self) -> dict[str, list]:
        """The flagged items of each level: crisis, discuss, info."""
        return {level.name.lower(): [item for item in self.items if item.flag.level == level] for level in Level}


def decide(checked: Checked, lang: Language) -> Outcome:
    """The outcome of valid answers, stored once if the patient consented."""
    form = checked.form
    answers = form.answers()
    outcome = Outcome(answers, outcome_of(answers))
    if form.consent.data:
        try:
            outcome.reference = storage.store_consented(form, answers, outcome.items, lang)
        except storage.DifferentAnswersForKey:
            outcome.already_sent, outcome.status = True, 409
        except storage.NotStored as refusal:  # too many at once, or the database unavailable: try again later
            outcome.not_stored, outcome.status = refusal.message, refusal.status
            outcome.retry_after = refusal.retry_after
    outcome.consent_missing = checked.sent.get("intent") == "send" and not form.consent.data
    if outcome.consent_missing:
        outcome.status = 422
    return outcome


def outcome_response(html: str, outcome: Outcome) -> Response:
    """The outcome page: never stored by a cache; a refusal says when to try again."""
    response = private_page(make_response(html, outcome.status))
    if outcome.not_stored:
        response.headers["Retry-After"] = str(outcome.retry_after)
    return response


def _answer(lang: Language, csrf_checked: bool) -> Response:
    """Check the answers sent; show the form again with every problem (crisis help first when an answer
    calls for it), or the outcome, storing it only with consent."""
    checked = check_answers(csrf_checked)
    if not checked.valid:  # the answers are kept; a stale CSRF token is replaced (the form renders a fresh one)
        return render_form(checked.form, 422, checked.form_errors, crisis=checked.crisis())
    outcome = decide(checked, lang)
    if outcome.already_sent:
        return render_form(checked.form, 409, [("", storage.CONFLICT_MESSAGE)], already_sent=True)
    by_level = outcome.by_level()
    html = in_cached_frame("selfcheck/result.html", "selfcheck/_result.html",
                           frame_context={"with_crisis_card": bool(by_level["crisis"])},
                           reference=outcome.reference, not_stored=outcome.not_stored,
                           consent_missing=outcome.consent_missing, answer_rows=answer_rows(outcome.answers),
                           answers=outcome.answers, form=checked.form, flow=SITE, **by_level)
    return outcome_response(html, outcome)
