"""Printed handouts: the article for patients to take home, in one language or side by side in two, and the
page where a clinic chooses which to print.

A handout is a list of rows: the head (title, clinic, QR code, crisis help), one row per article section,
and the end (review date, translation note). Each row holds one cell per language, each rendered in its
own language, so in a pair the same section starts at the same height in both languages.
"""

from __future__ import annotations

from dataclasses import dataclass

import segno
from babel import Locale
from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from ..core.content import SECTIONS
from ..core.i18n import BY_URL_TAG, LANGUAGES, Language, negotiate
from ..core.pagecache import public_page

bp = Blueprint("handout", __name__)

# The table of contents is for reading on a screen; a handout prints every section in order instead.
PRINTED_SECTIONS = tuple(section for section in SECTIONS if section.id != "contents")


@dataclass(frozen=True)
class Cell:
    """One language's part of a row, already rendered in that language."""

    language: Language
    html: Markup


@dataclass(frozen=True)
class Row:
    """One row of a handout: ``head``, a section id, or ``end``; one cell per language."""

    id: str
    cells: tuple[Cell, ...]


def qr_svg(url: str, label: str) -> Markup:
    """An inline SVG QR code (segno) that opens ``url``; no image request, nothing from elsewhere."""
    svg = segno.make(url, error="m").svg_inline(scale=3, border=2, dark="#000", light="#fff", omitsize=False)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(label)}" ', 1)
    return Markup(svg)  # noqa: S704 - segno's own SVG markup; the label is escaped above


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: quotes, backslashes and control characters escaped, so no setting
    (a clinic's name) can end the string or the rule."""
    escaped = "".join(f"\\{ord(ch):x} " if ch in '"\\' or ord(ch) < 0x20 or ord(ch) == 0x7F else ch for ch in text)
    return f'"{escaped}"'


def isolated(text: str) -> str:
    """``text`` between Unicode isolates (FSI … PDI), so Arabic beside English keeps each in its own order."""
    return f"\u2068{text}\u2069"


def article_url(language: Language) -> str:
    """The public address of the article in ``language``, as a handout prints it and its QR code opens it."""
    return current_app.config["PUBLIC_BASE_URL"] + url_for("article.page", lang=language)


def _cell(language: Language, template: str, **context) -> Cell:
    with force_locale(language.babel_locale):
        html = render_template(template, language=language, id_prefix=f"{language.url_tag}-", handout=True,
                               article_url=article_url(language), **context)
    return Cell(language, Markup(html))  # noqa: S704 - our own rendered, autoescaped template


def handout_rows(languages: tuple[Language, ...]) -> list[Row]:
    """The handout's rows for one language or a pair, every cell rendered in its own language."""
    rows = [Row("head", tuple(_cell(language, "public/handout/_head.html") for language in languages))]
    for section in PRINTED_SECTIONS:
        rows.append(Row(section.id, tuple(_cell(language, "public/article/_body.html", only=section.id)
                                          for language in languages)))
    rows.append(Row("end", tuple(_cell(language, "public/handout/_end.html") for language in languages)))
    return rows


def _languages(lang: Language) -> tuple[Language, ...]:
    """The page's language, and the second language of ``?with=<tag>`` (404 when unknown or the same)."""
    other_tag = request.args.get("with")
    if other_tag is None:
        return (lang,)
    other = BY_URL_TAG.get(other_tag.lower())
    if other is None or other == lang:
        abort(404)
    return (lang, other)


@bp.get("/<lang:lang>/handout")
def page(lang: Language) -> Response:
    """The handout in one language, or with ``?with=<tag>`` beside a second language."""
    languages = _languages(lang)
    return public_page(render_template("public/handout/page.html", rows=handout_rows(languages),
                                       languages=languages))


@bp.get("/<lang:lang>/handout.css")
def running_header(lang: Language) -> Response:
    """The printed pages' running header (clinic, title, languages), as a stylesheet: CSS page-margin boxes
    take only text from CSS, and this one is the same for everyone who prints the handout."""
    languages = _languages(lang)
    titles = []
    for language in languages:
        with force_locale(language.babel_locale):
            titles.append(isolated(_("Ketamine infusion therapy")))
    css = render_template(
        "public/handout/running_header.css",
        clinic=css_string(isolated(current_app.config["CLINIC_NAME"])),
        title=css_string(" · ".join(titles)),
        names=css_string(" · ".join(isolated(language.endonym) for language in languages)),
        start_side="left" if lang.direction == "ltr" else "right",
        end_side="right" if lang.direction == "ltr" else "left",
    )
    response = public_page(css)
    response.content_type = "text/css; charset=utf-8"
    return response


@bp.get("/handouts")
def index() -> Response:
    """Send the reader to the handouts page in their language: a remembered choice, then Accept-Language.

    Like the site root, the answer depends on the request, so no shared cache may keep it."""
    response = redirect(url_for("handout.list_page", lang=negotiate()), code=302)
    response.vary.update(["Accept-Language", "Cookie"])
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response


def language_name(language: Language) -> str:
    """The language's name in the language of the page (``Arabic`` on an English page), from CLDR."""
    name = Locale.parse(language.babel_locale).get_display_name(get_locale()) or language.endonym
    return name[:1].upper() + name[1:]


@bp.get("/<lang:lang>/handouts")
def list_page(lang: Language) -> Response:
    """Where a clinic chooses a handout to print: each language, or any pair of them."""
    return public_page(_list(first=lang, second=_default_second(lang)))


def _default_second(lang: Language) -> Language:
    """The second language a pair starts with: the source language, or the next one for its own readers."""
    return next(language for language in LANGUAGES if language != lang)


def _list(first: Language, second: Language, error: str | None = None) -> str:
    # The pair form's answer shows this page too: its language menu and hreflang links lead to this page.
    return render_template("public/handout/index.html", all_languages=LANGUAGES, language_name=language_name,
                           first=first, second=second, error=error, alternate_endpoint="handout.list_page")


@bp.get("/<lang:lang>/handouts/pair")
def choose_pair(lang: Language) -> Response:
    """The pair form's answer: open the chosen pair's handout, or say why not on the handouts page. With
    nothing chosen yet, it is the handouts page itself."""
    if "first" not in request.args and "second" not in request.args:
        return list_page(lang)
    first = BY_URL_TAG.get(request.args.get("first", "").lower())
    second = BY_URL_TAG.get(request.args.get("second", "").lower())
    if first is not None and second is not None and first != second:
        return redirect(url_for("handout.page", lang=first, **{"with": second.url_tag}), code=303)
    if first is None or second is None:
        error = _("Choose a language from each list.")
    else:
        error = _("Choose two different languages.")
    response = Response(_list(first or lang, second or _default_second(lang), error), status=400)
    response.cache_control.no_store = True
    return response


def init_app(app) -> None:
    """Register the handout pages and the QR code helper templates use."""
    app.jinja_env.globals["qr_svg"] = qr_svg
    app.register_blueprint(bp)
