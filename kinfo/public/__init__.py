"""What every reader sees: the site root and language choice, the article, the printed handouts, and the
page parts those pages share."""

from __future__ import annotations

from . import article, fragments, handouts, languages, leave


def init_app(app) -> None:
    """Register the public pages and the shared page parts templates render."""
    fragments.init_app(app)
    handouts.init_app(app)
    app.register_blueprint(languages.bp)
    app.register_blueprint(article.bp)
    app.register_blueprint(leave.bp)
