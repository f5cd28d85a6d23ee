"""Page parts that are the same for every request in one language — the crisis box, the footer, the
language menu, the page around a self-check's outcome — rendered once per language and reused, so dynamic
pages (the self-check result above all) do not rebuild them on every request."""

from __future__ import annotations

import secrets

from flask import current_app, render_template, request
from markupsafe import Markup

from ..core.i18n import text_key


def fragment(name: str, **context) -> Markup:
    """Render partial ``name`` once per language (and per distinguishing keyword value), then reuse it."""
    key = (name, text_key(), tuple(sorted(context.items())))
    cache = current_app.extensions["kinfo_fragments"]
    html = cache.get(key)
    if html is None:
        html = cache[key] = Markup(render_template(name, **context))  # noqa: S704 - our own autoescaped template
    return html


def in_cached_frame(frame: str, content: str, frame_context: dict | None = None, **context) -> str:
    """Template ``content`` rendered with ``context``, inside page template ``frame`` at its ``content``.

    The frame (head, header, crisis line, footer and the page's fixed text) is rendered once per language,
    endpoint, method (the page's links and scripts depend on them) and ``frame_context`` (a page's variants,
    such as with or without the crisis card) and reused, so nothing else in it may depend on the request.
    """
    variant = tuple(sorted((frame_context or {}).items()))
    key = ("frame", frame, text_key(), request.endpoint, request.method, variant)
    cache = current_app.extensions["kinfo_fragments"]
    parts = cache.get(key)
    if parts is None:
        marker = f"<!--{secrets.token_hex(16)}-->"  # unguessable, so no text on the page can match it
        page = render_template(frame, content=Markup(marker), **dict(variant))  # noqa: S704 - a constant comment
        if page.count(marker) != 1:
            raise RuntimeError(f"{frame} must show {{{{ content }}}} exactly once")
        parts = cache[key] = tuple(page.split(marker))
    return parts[0] + render_template(content, **context) + parts[1]


def init_app(app) -> None:
    app.extensions["kinfo_fragments"] = {}
    app.jinja_env.globals["fragment"] = fragment
