"""The staff area under ``/staff``: locked by default (only the sign-in page is open), never cached,
audited. Staff triage consented self-checks, export them and run retention."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

# The route modules add their views to ``bp``; they are imported after it exists.
from . import alerts, auth, clinic_time, exports, followup, views  # noqa: E402, F401


def init_app(app) -> None:
    """Sign-in through Flask-Login, the staff blueprint and the public questionnaire definition."""
    auth.login_manager.init_app(app, add_context_processor=False)
    auth.login_manager.unauthorized_handler(auth.refuse_anonymous)
    clinic_time.init_app(app)
    alerts.init_app(app)
    app.register_blueprint(bp)
    app.register_blueprint(exports.public_fhir)
