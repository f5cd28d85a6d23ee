"""CSRF protection, on by default: Flask-WTF checks the token of every POST route, except the few listed in
``EXEMPT``, each with its reason. A view may name a handler for a failed check, so that a stale page is
shown again with what the person typed kept, instead of a bare error."""

from __future__ import annotations

from collections.abc import Callable

from flask import request
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from .errors import render_error

# Endpoint → why a POST there needs no token. Anything not listed is checked.
EXEMPT: dict[str, str] = {
    "selfcheck.submit_json": (
        "The phone's JSON replay: a self-check kept offline may be days old, longer than any token lives. "
        "The view takes JSON only, from this site (Sec-Fetch-Site, else Origin); a cross-site form cannot send "
        "JSON without a CORS preflight, which this site never allows."),
    "selfcheck.start_again": (
        "Changes nothing but this browser's next idempotency key, and a result page left open for hours must "
        "still be able to start again; a post from another site is only sent on to the form."),
}

protect = CSRFProtect()
_failure_handlers: dict[str, Callable] = {}


def on_failure(endpoint: str) -> Callable[[Callable], Callable]:
    """Register the view that answers a failed check at ``endpoint`` (called with the URL's arguments)."""

    def register(handler: Callable) -> Callable:
        _failure_handlers[endpoint] = handler
        return handler

    return register


def init_app(app) -> None:
    """Check every POST route; exempt those in ``EXEMPT`` (every entry must name a real endpoint)."""
    protect.init_app(app)
    for endpoint in EXEMPT:
        protect.exempt(app.view_functions[endpoint])
    app.jinja_env.globals["csrf_token"] = generate_csrf

    @app.errorhandler(CSRFError)
    def _csrf_failed(error: CSRFError):
        handler = _failure_handlers.get(request.endpoint)
        if handler is not None:
            return handler(**(request.view_args or {}))
        return render_error(error)
