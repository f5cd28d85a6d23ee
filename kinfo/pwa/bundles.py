"""Each language's offline bundle: the pages and static files a phone keeps, listed with content hashes,
built from the language registry."""

from __future__ import annotations

import hashlib
import threading

from flask import current_app, url_for

from ..core import proxies
from ..core.assets import asset_url
from ..core.i18n import LANGUAGES, Language

# Static files every language's offline copy needs (pages reference them by content-hashed URL). The app
# icons of the manifests are not among them: a phone keeps them when the app is installed, and the pages
# do not use them.
BUNDLE_ASSETS = ("css/site.css", "js/pwa/offline.js", "js/public/leave-and-listen.js",
                 "js/selfcheck/form.js", "js/selfcheck/rules.js", "js/selfcheck/offline.js", "icons/icon.svg")
# Pages of a language that work offline, by endpoint. The real self-check form is no-store (it carries a
# CSRF token and a key): offline, the service worker answers with its cacheable twin, the offline form.
# Handouts are not on the phone: they are for a clinic to print (online, from the handouts page), their text
# is the article's, which is here and prints on its own, and with seventeen languages the phone's copy has
# to stay small (at most 150 KB per language). Offline, "Print or save this guide" prints the article
# (static/js/pwa/offline.js); a handout's address opens the offline page.
BUNDLE_PAGES = ("article.page", "selfcheck.offline_form", "selfcheck.offline_result", "pwa.offline_page",
                "pwa.offline_panel", "selfcheck.rules", "pwa.manifest")
# Pages of no language that every offline copy needs: where "Leave this page" goes by default.
SHARED_PAGES = ("leave.page",)
_lock = threading.Lock()


def bundle_urls(language: Language) -> list[str]:
    """Every URL of one language's offline copy: its pages, then the static files they use."""
    return ([url_for(endpoint, lang=language) for endpoint in BUNDLE_PAGES]
            + [url_for(endpoint) for endpoint in SHARED_PAGES] + [asset_url(name) for name in BUNDLE_ASSETS])


def bundles() -> dict:
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
        client.environ_base[proxies.INTERNAL] = True  # not a request anyone sent (kinfo.core.proxies)
        files_by_language, overall = {}, hashlib.sha256()
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
            files_by_language[language.url_tag] = files
        result = {"version": overall.hexdigest()[:16], "files": files_by_language}
        current_app.extensions["kinfo_bundles"] = result
        return result


def offline_version() -> str:
    """One version over every language's offline files: it changes whenever any of them does."""
    return bundles()["version"]
