"""Offline and installable: the service worker, a web app manifest per language, and each language's
offline bundle (listed with content hashes, built from the language registry)."""

from __future__ import annotations

import hashlib
import json
import threading

from flask import Blueprint, Response, current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from .article import public_page
from .i18n import LANGUAGES, Language

bp = Blueprint("pwa", __name__)
THEME_COLOUR, BACKGROUND_COLOUR = "#1d5c63", "#fdfcf8"
# Static files every language's offline copy needs (pages reference them by content-hashed URL).
BUNDLE_ASSETS = ("css/site.css", "css/handout.css", "js/offline.js", "js/selfcheck.js", "js/selfcheck-offline.js",
                 "icons/icon.svg", "icons/icon-192.png", "icons/icon-512.png", "icons/icon-maskable-512.png")
# Pages of a language that work offline, by endpoint. The real self-check form is no-store (it carries a
# CSRF token and a key): offline, the service worker answers with its cacheable twin, the offline form.
BUNDLE_PAGES = ("article.page", "pwa.offline_form", "pwa.offline_result", "handout.page", "pwa.offline_page",
                "pwa.rules", "pwa.manifest")
_lock = threading.Lock()


def bundle_urls(language: Language) -> list[str]:
    pages = [url_for(endpoint, lang=language) for endpoint in BUNDLE_PAGES]
    assets = ["/static/" + current_app.extensions["kinfo_assets"][name].hashed_name for name in BUNDLE_ASSETS]
    return pages + assets


def _bundles() -> dict:
    """Every language's bundle with each file's hash and size, and one version over all of them.

    Computed once per process by fetching each page through the app itself, so the hashes are exactly
    what a browser will receive.
    """
    cached = current_app.extensions.get("kinfo_bundles")
    if cached is not None:
        return cached
    with _lock:
        if "kinfo_bundles" in current_app.extensions:
            return current_app.extensions["kinfo_bundles"]
        client = current_app.test_client()
        bundles, overall = {}, hashlib.sha256()
        for language in LANGUAGES:
            files = []
            for url in bundle_urls(language):
                # Each page in an app context of its own: a request made from inside this one would share
                # its `g`, and with it this request's language and translations.
                with current_app.app_context():
                    response = client.get(url, headers={"Accept-Encoding": "identity"})
                if response.status_code != 200 or "no-store" in response.headers.get("Cache-Control", ""):
                    raise RuntimeError(f"{url} cannot be part of an offline bundle ({response.status_code})")
                digest = hashlib.sha256(response.data).hexdigest()
                files.append({"url": url, "sha256": digest, "bytes": len(response.data)})
                overall.update(f"{url} {digest}\n".encode())
            bundles[language.url_tag] = files
        result = {"version": overall.hexdigest()[:16], "files": bundles}
        current_app.extensions["kinfo_bundles"] = result
        return result


def offline_version() -> str:
    return _bundles()["version"]


@bp.get("/<lang:lang>/offline-bundle.json")
def bundle(lang: Language) -> Response:
    """What the service worker must cache for this language, with content hashes and the version."""
    data = _bundles()
    files = data["files"][lang.url_tag]
    body = {"version": data["version"], "language": lang.url_tag, "files": files,
            "bytes": sum(item["bytes"] for item in files)}
    response = Response(json.dumps(body), mimetype="application/json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
def service_worker() -> Response:
    """The one service worker, at the root so it controls every language; always revalidated."""
    script = render_template("pwa/sw.js", version=offline_version(),
                             languages=[language.url_tag for language in LANGUAGES])
    response = Response(script, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/<lang:lang>/manifest.webmanifest")
def manifest(lang: Language) -> Response:
    """The web app manifest of one language: its name, direction, start URL and scope."""
    assets = current_app.extensions["kinfo_assets"]
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
            {"src": "/static/" + assets["icons/icon.svg"].hashed_name, "sizes": "any", "type": "image/svg+xml"},
            {"src": "/static/" + assets["icons/icon-192.png"].hashed_name, "sizes": "192x192", "type": "image/png"},
            {"src": "/static/" + assets["icons/icon-512.png"].hashed_name, "sizes": "512x512", "type": "image/png"},
            {"src": "/static/" + assets["icons/icon-maskable-512.png"].hashed_name, "sizes": "512x512",
             "type": "image/png", "purpose": "maskable"},
        ],
    }
    response = public_page(json.dumps(body, ensure_ascii=False))
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/<lang:lang>/offline")
def offline_page(lang: Language) -> Response:
    """Shown by the service worker when a page is not on this phone and there is no connection."""
    return public_page(render_template("pwa/offline.html"))


@bp.get("/<lang:lang>/self-check/offline-form")
def offline_form(lang: Language) -> Response:
    """The self-check form as it works offline: no session, no CSRF token; the page script computes the
    outcome from the rules and keeps a consented submission on the phone until it can be sent."""
    from .selfcheck import offline_form_page

    return public_page(offline_form_page())


@bp.get("/<lang:lang>/self-check/result")
def offline_result(lang: Language) -> Response:
    """The result page the offline self-check fills in on the phone."""
    from .selfcheck import offline_result_page

    return public_page(offline_result_page())


@bp.get("/<lang:lang>/self-check/rules.json")
def rules(lang: Language) -> Response:
    """The question table as data, in this language, for the offline page (the same table, not a copy)."""
    from .selfcheck import rules_data

    response = public_page(json.dumps(rules_data(), ensure_ascii=False, sort_keys=True))
    response.mimetype = "application/json"
    return response


def init_app(app) -> None:
    app.register_blueprint(bp)
