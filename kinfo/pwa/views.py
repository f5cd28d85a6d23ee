"""The service worker (``/sw.js``), each language's manifest, offline bundle list and offline page."""

from __future__ import annotations

import json

from flask import Response, current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..core import assets
from ..core.assets import asset_url
from ..core.i18n import LANGUAGES, Language
from ..core.pagecache import public_page
from ..public.languages import MENU_PAGES
from . import bp
from .bundles import bundles, offline_version

THEME_COLOUR, BACKGROUND_COLOUR = "#1d5c63", "#fdfcf8"
LANGUAGE_PLACEHOLDER = "__lang__"  # stands for a language tag in the URL templates the scripts receive


def offline_routes() -> dict:
    """The URLs the service worker and the page script need, built from the app's own routes, with
    ``LANGUAGE_PLACEHOLDER`` where a language tag goes: the scripts never spell a path themselves."""
    each = LANGUAGE_PLACEHOLDER
    return {
        "placeholder": each,
        "article": url_for("article.page", lang=each),
        "form": url_for("selfcheck.form_page", lang=each),
        "offlineForm": url_for("selfcheck.offline_form", lang=each),
        "submit": url_for("selfcheck.submit_json", lang=each),
        "offline": url_for("pwa.offline_page", lang=each),
        "panel": url_for("pwa.offline_panel", lang=each),
        "bundle": url_for("pwa.bundle", lang=each),
        "chooseLanguage": url_for("languages.choose", lang=each),
        "serviceWorker": url_for("pwa.service_worker"),
        "static": assets.URL_PREFIX,
        "tablet": url_for("tablet.start"),
        "menuPages": {endpoint: url_for(endpoint, lang=each) for endpoint in sorted(MENU_PAGES)
                      if current_app.url_map.is_endpoint_expecting(endpoint, "lang")},
    }


# What the page script (static/js/pwa/offline.js) uses of those: every page carries them, offline too.
PAGE_ROUTES = ("placeholder", "article", "chooseLanguage", "panel", "submit", "serviceWorker")


def page_routes() -> dict:
    """The part of ``offline_routes`` the page script needs."""
    routes = offline_routes()
    return {name: routes[name] for name in PAGE_ROUTES}


@bp.get("/<lang:lang>/offline-bundle.json")
def bundle(lang: Language) -> Response:
    """What the service worker must cache for this language, with content hashes and the version."""
    data = bundles()
    files = data["files"][lang.url_tag]
    body = {"version": data["version"], "language": lang.url_tag, "files": files,
            "bytes": sum(item["bytes"] for item in files)}
    response = Response(json.dumps(body), mimetype="application/json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
def service_worker() -> Response:
    """The one service worker, at the root so it controls every language; always revalidated."""
    script = render_template("pwa/sw.js", version=offline_version(), routes=offline_routes(),
                             languages=[language.url_tag for language in LANGUAGES])
    response = Response(script, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/<lang:lang>/manifest.webmanifest")
def manifest(lang: Language) -> Response:
    """The web app manifest of one language: its name, direction, start URL and scope."""
    with force_locale(lang.babel_locale):
        name = str(_l("Ketamine infusion therapy: a guide for patients"))
        short_name = str(_l("Ketamine guide"))
        description = str(_l("Plain-language information about ketamine infusion therapy for depression and "
                             "anxiety."))
    body = {
        "name": name, "short_name": short_name, "description": description, "lang": lang.tag,
        "dir": lang.direction, "id": f"/{lang.url_tag}/", "start_url": f"/{lang.url_tag}/",
        "scope": f"/{lang.url_tag}/", "display": "standalone", "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": asset_url("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            {"src": asset_url("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": asset_url("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": asset_url("icons/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
        ],
    }
    response = public_page(json.dumps(body, ensure_ascii=False))
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/<lang:lang>/offline")
def offline_page(lang: Language) -> Response:
    """Shown by the service worker when a page is not on this phone and there is no connection.

    The page a phone has saved may not be in the language the patient asked for: it carries, for every
    other language, a short note in that language, and offline.js shows the one asked for. It is no page
    for search engines."""
    notes = []
    for other in LANGUAGES:
        if other != lang:
            with force_locale(other.babel_locale):
                notes.append((other, Markup(render_template("pwa/_not_saved_note.html", other=other))))  # noqa: S704
    return public_page(render_template("pwa/offline.html", not_saved_notes=notes, indexable=False))


@bp.get("/<lang:lang>/offline-panel")
def offline_panel(lang: Language) -> Response:
    """The offline panel of one language, a page part that offline.js puts at the end of every page."""
    return public_page(render_template("pwa/_offline_panel.html"))
