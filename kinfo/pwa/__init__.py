"""Offline and installable: the service worker, a web app manifest per language, and each language's
offline bundle."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pwa", __name__)

# The route module adds its views to ``bp``; it is imported after it exists.
from . import views  # noqa: E402, F401


def init_app(app) -> None:
    app.register_blueprint(bp)
