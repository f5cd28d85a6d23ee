"""Offline: the size of each language's offline bundle, and how fast an offline reload shows content.

Serves the site with the README's production command, opens each language in Debian's Chromium, waits
until the service worker has saved it, goes offline and reloads several times. Prints the bundle size
(bytes kept on the phone, and gzip-compressed bytes a first download moves) and the median time from
navigation start to first contentful paint for an offline reload. Targets: <= 150 KB, <= 100 ms.
"""

from __future__ import annotations

import gzip
import json
import statistics
import sys
import urllib.request

from _servers import gunicorn
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))
from kinfo.core.i18n import LANGUAGES  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

RUNS = 9
TIMING = """() => { const nav = performance.getEntriesByType('navigation')[0];
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  return [paint ? paint.startTime : nav.domContentLoadedEventEnd, nav.domContentLoadedEventEnd]; }"""


def bundle_size(base: str, tag: str) -> tuple[int, int]:
    bundle = json.load(urllib.request.urlopen(f"{base}/{tag}/offline-bundle.json"))
    raw = compressed = 0
    for item in bundle["files"]:
        body = urllib.request.urlopen(base + item["url"]).read()
        raw += len(body)
        compressed += len(gzip.compress(body, 9)) if not item["url"].endswith(".png") else len(body)
    return raw, compressed


def main() -> int:
    with gunicorn() as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        print(f"{'language':<10}{'bundle KB':>10}{'gzip KB':>9}{'FCP ms':>8}{'DCL ms':>8}"
              f"  (offline reload, median of {RUNS})")
        worst = [0.0, 0.0]
        for language in LANGUAGES:
            raw, compressed = bundle_size(base, language.url_tag)
            context = browser.new_context(viewport={"width": 360, "height": 740})
            page = context.new_page()
            page.goto(f"{base}/{language.url_tag}/")
            page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30000)
            page.wait_for_function("() => !document.querySelector('[data-state=\"saved\"]').hidden", timeout=30000)
            context.set_offline(True)
            paints, loads = [], []
            for _ in range(RUNS):
                page.reload()
                page.wait_for_load_state("load")
                paint, loaded = page.evaluate(TIMING)
                paints.append(paint)
                loads.append(loaded)
            context.close()
            fcp, dcl = statistics.median(paints), statistics.median(loads)
            worst = [max(worst[0], raw), max(worst[1], fcp)]
            print(f"{language.tag:<10}{raw / 1024:>10.1f}{compressed / 1024:>9.1f}{fcp:>8.1f}{dcl:>8.1f}")
        browser.close()
    size_ok, time_ok = worst[0] <= 150 * 1024, worst[1] <= 100
    print(f"largest bundle {worst[0] / 1024:.1f} KB (target <= 150 KB: {'met' if size_ok else 'MISSED'}); "
          f"slowest offline reload {worst[1]:.1f} ms (target <= 100 ms: {'met' if time_ok else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
