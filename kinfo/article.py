"""The public article, one page per language, cacheable by browsers and shared caches."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, make_response, render_template, request

from .i18n import Language

bp = Blueprint("article", __name__)


def public_page(html: str) -> Response:
    """A page that is the same for everyone: ETag, shared-cache friendly Cache-Control, 304 on a match."""
    response = make_response(html)
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["PUBLIC_MAX_AGE"]
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/<lang:lang>/")
def page(lang: Language) -> Response:
    """The whole article in one language."""
    return public_page(render_template("article/page.html"))
