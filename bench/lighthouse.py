"""Lighthouse 12 (mobile) on the article, the self-check and the handout, in every language.

Serves the site with the README's production command, warms each page once, then runs Lighthouse three
times per page type and language in Debian's Chromium and prints the median of each category score, of the
cumulative layout shift and of the timings behind the performance score (ms). Targets: performance >= 98,
accessibility, best practices and SEO 100, layout shift 0. A benchmark: it prints figures, never fails on a
missed target, and is not part of CI. Lighthouse times the page on this machine's CPU (then simulates a
slow phone from it): on a busy machine the performance score drops; compare runs made on a quiet one.

Needs Node 20 and npm: `lighthouse@12` (13 wants Node 22) is installed into bench/node_modules on first use
(ignored by git). Usage: python3 bench/lighthouse.py [language ...]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from _servers import gunicorn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from kinfo.core.i18n import LANGUAGES  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

BENCH = Path(__file__).resolve().parent
LIGHTHOUSE = BENCH / "node_modules" / ".bin" / "lighthouse"
RUNS = 3
PAGE_TYPES = {"article": "/{tag}/", "self-check": "/{tag}/self-check", "handout": "/{tag}/handout"}
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 98, "accessibility": 100, "best-practices": 100, "seo": 100}


def install_lighthouse() -> None:
    if not LIGHTHOUSE.exists():
        print("installing lighthouse@12 into bench/node_modules …", flush=True)
        subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(BENCH),
                        "lighthouse@12"], check=True, stdout=subprocess.DEVNULL)


METRICS = {"fcp": "first-contentful-paint", "lcp": "largest-contentful-paint", "tbt": "total-blocking-time",
           "si": "speed-index"}


def lighthouse(url: str, output: Path, attempts: int = 3) -> dict:
    """One mobile Lighthouse run: the category scores (0-100), the layout shift and the timings (ms).
    A run Lighthouse itself gives up on (it happens on a busy machine: NO_NAVSTART) is tried again."""
    flags = " ".join(["--headless=new", "--disable-gpu", *CHROMIUM_ARGS])
    for attempt in range(attempts):
        finished = subprocess.run([str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={output}",
                                   f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={flags}"],
                                  env={**os.environ, "CHROME_PATH": CHROMIUM}, timeout=300, check=False)
        if finished.returncode == 0:
            break
        if attempt == attempts - 1:
            raise RuntimeError(f"Lighthouse failed {attempts} times on {url}")
    report = json.loads(output.read_text())
    scores = {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}
    scores["cls"] = report["audits"]["cumulative-layout-shift"]["numericValue"]
    scores.update({name: report["audits"][audit]["numericValue"] for name, audit in METRICS.items()})
    scores["failed"] = sorted(audit_id for audit_id, audit in report["audits"].items()
                              if audit.get("score") is not None and audit["score"] < 1
                              and audit.get("scoreDisplayMode") == "binary")
    return scores


def main() -> int:
    install_lighthouse()
    wanted = sys.argv[1:] or [language.url_tag for language in LANGUAGES]
    rows, all_met = [], True
    with gunicorn() as base, tempfile.TemporaryDirectory() as folder:
        print(f"{'language':<9}{'page':<12}{'perf':>6}{'a11y':>6}{'b-p':>6}{'seo':>6}{'CLS':>8}"
              f"{'FCP':>7}{'LCP':>7}{'TBT':>6}{'SI':>7}  perf of each run; audits not passed", flush=True)
        for tag in wanted:
            for page_type, path in PAGE_TYPES.items():
                url = base + path.format(tag=tag)
                urllib.request.urlopen(urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})).read()
                runs = [lighthouse(url, Path(folder) / f"{tag}-{page_type}-{run}.json") for run in range(RUNS)]
                median = {name: statistics.median(run[name] for run in runs)
                          for name in (*CATEGORIES, "cls", *METRICS)}
                failed = sorted({audit for run in runs for audit in run["failed"]})
                met = all(median[name] >= TARGETS[name] for name in CATEGORIES) and median["cls"] == 0
                all_met &= met
                rows.append((tag, page_type, median))
                print(f"{tag:<9}{page_type:<12}{median['performance']:>6.0f}{median['accessibility']:>6.0f}"
                      f"{median['best-practices']:>6.0f}{median['seo']:>6.0f}{median['cls']:>8.3f}"
                      f"{median['fcp']:>7.0f}{median['lcp']:>7.0f}{median['tbt']:>6.0f}{median['si']:>7.0f}  "
                      f"{[run['performance'] for run in runs]}{'; ' + ', '.join(failed) if failed else ''}",
                      flush=True)
    worst = {name: min(row[2][name] for row in rows) for name in CATEGORIES}
    worst_cls = max(row[2]["cls"] for row in rows)
    print(f"lowest medians: performance {worst['performance']:.0f}, accessibility {worst['accessibility']:.0f}, "
          f"best practices {worst['best-practices']:.0f}, SEO {worst['seo']:.0f}; largest layout shift "
          f"{worst_cls:.3f}. Targets (performance >= 98, others 100, layout shift 0): "
          f"{'met' if all_met else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
