"""Choosing a language: the site root negotiates one, and the language menu remembers a choice."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, request, url_for

from ..core.i18n import Language, negotiate

bp = Blueprint("languages", __name__)

# Pages the language menu may send a reader to, by endpoint; anything else goes to the article.
MENU_PAGES = {"article.page", "selfcheck.form_page", "handout.page", "handout.list_page", "staff.login"}
REMEMBER_FOR_SECONDS = 365 * 24 * 3600


@bp.get("/")
def root() -> Response:
    """Redirect to the reader's language: a remembered choice first, then Accept-Language, then English."""
    response = redirect(url_for("article.page", lang=negotiate()), code=302)
    response.vary.update(["Accept-Language", "Cookie"])
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response


@bp.get("/language/<lang:lang>")
def choose(lang: Language) -> Response:
    """Remember the reader's choice of language and open the same page in it."""
    page = request.args.get("page", "article.page")
    if page not in MENU_PAGES:
        page = "article.page"
    takes_language = current_app.url_map.is_endpoint_expecting(page, "lang")
    response = redirect(url_for(page, lang=lang) if takes_language else url_for(page), code=303)
    response.set_cookie(
        current_app.config["LANGUAGE_COOKIE"],
        lang.url_tag,
        max_age=REMEMBER_FOR_SECONDS,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    response.cache_control.no_store = True
    return response
