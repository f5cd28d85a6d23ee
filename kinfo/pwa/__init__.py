"""Offline and installable: the service worker, a web app manifest per language, and each language's
offline bundle."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pwa", __name__)

# The route module adds its views to ``bp``; it is imported after it exists.
from . import views  # noqa: E402, F401


def init_app(app) -> None:
    """Register the PWA's routes and give the offline panel its URL templates."""
    app.jinja_env.globals["offline_page_routes"] = views.page_routes
    app.register_blueprint(bp)
