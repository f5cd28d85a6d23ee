"""The waiting-room tablet: the self-check on the clinic's own device, one patient after another, with
nothing of one patient left in the browser for the next.

Every page lives under ``/tablet/``, is sent ``no-store, private`` (no browser, page or proxy cache keeps
it) and registers no service worker; the service worker skips these URLs. The start page clears what
earlier visits left (``Clear-Site-Data``): the HTTP cache, cookies (and so the last patient's session and
form token), storage and any service worker. The form, its checks, the outcome and storage are the
self-check's own (kinfo.selfcheck.views); only the pages around them differ. static/js/tablet/reset.js
returns to the start page after the result, after idle minutes and on Back."""

from __future__ import annotations

import math
import uuid

from flask import Blueprint, Response, current_app, make_response, render_template
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from ..core import csrf
from ..core.i18n import LANGUAGES, Language
from ..public.fragments import in_cached_frame
from . import storage
from .asked import form_class
from .forms import is_idempotency_key
from .views import (
    Flow,
    answer_rows,
    check_answers,
    decide,
    form_sent,
    outcome_response,
    render_form,
)

bp = Blueprint("tablet", __name__, url_prefix="/tablet")

FLOW = Flow("tablet.submit", "tablet.change", "tablet.form_page", links_to_guide=False, on_tablet=True)
LAYOUT = "tablet/base.html"
# Everything this site left in the browser. "cookies" ends the last patient's session, so a form of theirs
# sent again (Reload on a page Back reached) fails its token check and shows nothing of them. It clears the
# cookies of the whole registrable domain: a tablet is for patients only (README).
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'
EARLIER_PATIENT_MESSAGE = _l("For privacy, the answers on this page were cleared. Nothing was sent. Please start "
                             "again.")


@bp.after_request
def _kept_nowhere(response: Response) -> Response:
    """No cache anywhere keeps a tablet page, and no search engine lists one."""
    response.headers["Cache-Control"] = "no-store, private"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.context_processor
def _timing() -> dict:
    """The tablet's timing, in whole seconds, for its pages and script."""
    config = current_app.config
    idle = max(1, math.ceil(config["TABLET_IDLE_MINUTES"] * 60))
    ask = max(1, math.ceil(config["TABLET_STILL_THERE_SECONDS"]))
    return {"idle_seconds": idle, "ask_seconds": ask, "reset_after_seconds": idle + ask}


@bp.get("/")
def start() -> Response:
    """The start page: every language, each offered in its own words; it clears what earlier visits left."""
    choices = []
    for other in LANGUAGES:
        with force_locale(other.babel_locale):
            choices.append((other, gettext("Start the pre-visit self-check")))
    response = make_response(render_template("tablet/start.html", choices=choices, tablet_page="start"))
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


def _form(form, status: int = 200, form_errors: list | None = None, **context) -> Response:
    return render_form(form, status, form_errors, flow=FLOW, layout=LAYOUT, tablet_page="form", **context)


def _empty_form():
    """An empty form with a key of its own: each form opened on the tablet is a new patient's (the site's
    form keeps one key per browser session, which here would join two patients' answers)."""
    form = form_class()(formdata=None)
    form.idempotency_key.data = str(uuid.uuid4())
    return form


@bp.get("/<lang:lang>/self-check")
def form_page(lang: Language) -> Response:
    """An empty form, in the language chosen on the start page."""
    return _form(_empty_form())


@bp.post("/<lang:lang>/self-check")
def submit(lang: Language) -> Response:
    """Check the answers and show the outcome, stored only with consent. A crisis outcome is its own screen:
    it asks the patient to show it to the front desk now, lists no answers, and stays until staff are done."""
    checked = check_answers(csrf_checked=True)
    if not checked.valid:
        return _form(checked.form, 422, checked.form_errors, crisis=checked.crisis())
    outcome = decide(checked, lang)
    if outcome.already_sent:
        return _form(checked.form, 409, [("", storage.CONFLICT_MESSAGE)], already_sent=True)
    by_level = outcome.by_level()
    crisis_screen = bool(by_level["crisis"])
    html = in_cached_frame("tablet/result.html",
                           "tablet/_crisis_result.html" if crisis_screen else "selfcheck/_result.html",
                           frame_context={"crisis_screen": crisis_screen},
                           reference=outcome.reference, not_stored=outcome.not_stored,
                           consent_missing=outcome.consent_missing, answer_rows=answer_rows(outcome.answers),
                           answers=outcome.answers, form=checked.form, flow=FLOW, **by_level)
    return outcome_response(html, outcome)


@bp.post("/<lang:lang>/self-check/change")
def change(lang: Language) -> Response:
    """The form again with the answers the result page sent back, to change one."""
    form = form_class()(formdata=form_sent())
    if not is_idempotency_key(form.idempotency_key.data):
        form.idempotency_key.data = str(uuid.uuid4())
    return _form(form)


@csrf.on_failure("tablet.submit")
@csrf.on_failure("tablet.change")
def _from_an_earlier_patient(lang: Language) -> Response:
    """A post whose token this browser's session does not hold. The start page ended the session it came
    from, so it is an earlier patient's form sent again: nothing of it is shown, only an empty form."""
    return _form(_empty_form(), 400, [("", EARLIER_PATIENT_MESSAGE)])
