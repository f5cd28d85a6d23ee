"""Bytes over the wire and requests for a first visit to the article, in every language.

Serves the site with the README's production command, warms each page once (a real visitor is rarely
the first after a deploy), then opens each language's article in a fresh Chromium profile with an empty
cache and adds up what the Chrome DevTools Protocol reports as received (compressed, headers included).
Targets: at most 25 KB and 6 requests. Counted: what the page loads (HTML, CSS, scripts, icon, manifest).
Not counted: the offline copy the service worker saves in the background after the page has loaded
(bench/offline.py measures that bundle).
"""

from __future__ import annotations

import sys
import urllib.request

from _servers import gunicorn
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))
from kinfo.core.i18n import LANGUAGES  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

TARGET_BYTES, TARGET_REQUESTS = 25 * 1024, 6


def first_visit(browser, url: str) -> tuple[int, list[tuple[str, int]]]:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    urls, sizes = {}, {}
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    page.goto(url, wait_until="load")
    page.wait_for_timeout(300)  # anything the page itself still asks for right after load
    context.close()
    rows = [(urls[key], sizes.get(key, 0)) for key in urls]
    return sum(size for _, size in rows), rows


def main() -> int:
    with gunicorn() as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        print(f"{'language':<10}{'bytes':>8}{'requests':>10}  what")
        worst = (0, 0)
        for language in LANGUAGES:
            url = f"{base}/{language.url_tag}/"
            urllib.request.urlopen(urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})).read()
            total, rows = first_visit(browser, url)
            what = ", ".join(f"{row[0].rsplit('/', 1)[-1] or language.url_tag + '/'} {row[1]}" for row in rows)
            print(f"{language.tag:<10}{total:>8}{len(rows):>10}  {what}")
            worst = (max(worst[0], total), max(worst[1], len(rows)))
        browser.close()
    print(f"largest first visit: {worst[0]} bytes ({worst[0] / 1024:.1f} KB), at most {worst[1]} requests; "
          f"target <= {TARGET_BYTES // 1024} KB and <= {TARGET_REQUESTS} requests: "
          f"{'met' if worst[0] <= TARGET_BYTES and worst[1] <= TARGET_REQUESTS else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
