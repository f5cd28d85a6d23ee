"""The public article, one page per language, cacheable by browsers and shared caches."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from ..core.i18n import Language
from ..core.pagecache import public_page

bp = Blueprint("article", __name__)


@bp.get("/<lang:lang>/")
def page(lang: Language) -> Response:
    """The whole article in one language."""
    return public_page(render_template("public/article/page.html"))
