"""The pre-visit self-check: the question table, the form, the outcome, the phone's JSON API, the offline
pages, the waiting-room tablet's pages and — only with consent — storage. Every URL under
``/<lang>/self-check`` and ``/tablet/`` is served from here."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("selfcheck", __name__)

# The route modules add their views to ``bp``; they are imported after it exists.
from . import api, asked, offline, tablet, views  # noqa: E402, F401


def init_app(app) -> None:
    """Read the clinic's question settings, build the form class once, register the blueprint."""
    asked.init_app(app)
    app.before_request(views.keep_body_for_parsing)  # before the CSRF check reads the form
    app.register_blueprint(bp)
    app.register_blueprint(tablet.bp)  # the waiting-room tablet, under /tablet/
