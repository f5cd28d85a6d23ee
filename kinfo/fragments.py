"""Page parts that are the same for every request in one language — the crisis box, the footer, the
language menu — rendered once per language and reused, so dynamic pages (the self-check result above
all) do not rebuild them on every request."""

from __future__ import annotations

from flask import current_app, render_template
from markupsafe import Markup

from .i18n import current_language


def fragment(name: str, **context) -> Markup:
    """Render partial ``name`` once per language (and per distinguishing keyword value), then reuse it."""
    key = (name, current_language().tag, tuple(sorted(context.items())))
    cache = current_app.extensions["kinfo_fragments"]
    html = cache.get(key)
    if html is None:
        html = cache[key] = Markup(render_template(name, **context))  # noqa: S704 - our own autoescaped template
    return html


def init_app(app) -> None:
    app.extensions["kinfo_fragments"] = {}
    app.jinja_env.globals["fragment"] = fragment
