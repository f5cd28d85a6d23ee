"""The phone's JSON API: consented answers sent, or replayed, from a phone (``/<lang>/self-check/submissions``)."""

from __future__ import annotations

import json

from flask import Response, jsonify, make_response, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from ..core.i18n import Language
from ..core.pagecache import private_page
from ..core.security import from_this_site
from . import bp, storage
from .asked import form_class, outcome_of
from .forms import is_idempotency_key


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
    return private_page(make_response(jsonify({"error": str(message), "errors": errors or []}), status))


@bp.post("/<lang:lang>/self-check/submissions")
def submit_json(lang: Language) -> Response:
    """Consented answers sent (or replayed) from a phone: JSON with an idempotency key.

    No CSRF token: a copy of the form kept offline may be days old. Instead the request must be JSON
    (which a cross-site form cannot send without a CORS preflight we never allow) from our own origin.
    The same form class validates the answers, so the rules are the same as on the page.
    """
    if not from_this_site():
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
    items = outcome_of(answers)
    try:
        reference = storage.store_consented(form, answers, items, lang)
    except storage.DifferentAnswersForKey:
        return _json_error(409, storage.CONFLICT_MESSAGE)
    except storage.NotStored as refusal:  # 429 or 503: the phone keeps the self-check and sends it later
        response = _json_error(refusal.status, _l("We could not send your answers. Nothing was stored."))
        response.headers["Retry-After"] = str(refusal.retry_after)
        return response
    return private_page(make_response(jsonify({"reference": reference}), 200))
