"""Printed handouts: the article for patients to take home, in one language or side by side in two."""

from __future__ import annotations

import segno
from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import force_locale
from markupsafe import Markup

from ..core.i18n import BY_URL_TAG, LANGUAGES, Language
from ..core.pagecache import public_page

bp = Blueprint("handout", __name__)


def qr_svg(url: str, label: str) -> Markup:
    """An inline SVG QR code (segno) that opens ``url``; no image request, nothing from elsewhere."""
    svg = segno.make(url, error="m").svg_inline(scale=3, border=2, dark="#000", light="#fff", omitsize=False)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(label)}" ', 1)
    return Markup(svg)  # noqa: S704 - segno's own SVG markup; the label is escaped above


def column(language: Language, prefix: str) -> dict:
    """One language's handout text, rendered in that language."""
    article_url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + f"/{language.url_tag}/"
    with force_locale(language.babel_locale):
        body = render_template("public/handout/_column.html", language=language, id_prefix=prefix, handout=True,
                               article_url=article_url)
    return {"language": language, "body": Markup(body)}  # noqa: S704 - our own rendered, autoescaped template


@bp.get("/<lang:lang>/handout")
def page(lang: Language):
    """The handout in one language, or with ``?with=<tag>`` beside a second language."""
    columns = [column(lang, f"{lang.url_tag}-")]
    other_tag = request.args.get("with")
    if other_tag is not None:
        other = BY_URL_TAG.get(other_tag.lower())
        if other is None or other == lang:
            abort(404)
        columns.append(column(other, f"{other.url_tag}-"))
    return public_page(render_template("public/handout/page.html", columns=columns))


@bp.get("/handouts")
def index():
    """Where staff choose a language or a pair of languages to print."""
    return public_page(render_template("public/handout/index.html", all_languages=LANGUAGES))


def init_app(app) -> None:
    app.jinja_env.globals["qr_svg"] = qr_svg
    app.register_blueprint(bp)
