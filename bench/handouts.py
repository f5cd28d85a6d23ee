"""Every handout, printed: each language alone and every ordered pair, on A4 and US Letter.

Serves the site with the README's production command, prints each handout from Debian's Chromium (one
browser, one page reused) and reads the PDFs: pages, how far down its last page the text reaches ("last
%", the room left before another page), lines printed over other lines, section headings missing from
the text, glyphs printed at the edge of the margins ("strays"), and the smallest type. Limits: one language
3 pages, a pair 6, no overlap, no stray, no heading missing.
With ``--png DIR`` it also renders the pages of the handouts named by ``--look`` to PNG (``pdftoppm -r
80``) for a person to look at.

    python3 bench/handouts.py [--png DIR] [--look en,ar,zh-hans,es+en,ar+en]
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _servers import gunicorn
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from kinfo import create_app  # noqa: E402
from kinfo.core.i18n import LANGUAGES  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.printed import PAPERS, PrintedPdf, print_pdf  # noqa: E402
from tests.browser.test_printed_handouts import (  # noqa: E402
    PAGE_LIMIT,
    handout_url,
    missing_headings,
)


def handouts() -> list[tuple[str, ...]]:
    """Every single language, then every ordered pair, as URL tags."""
    tags = [language.url_tag for language in LANGUAGES]
    return [(tag,) for tag in tags] + list(itertools.permutations(tags, 2))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--png", type=Path, help="write PNGs of the pages of the --look handouts here")
    parser.add_argument("--look", default="en,ar,zh-hans,es+en,ar+en", help="handouts to render to PNG")
    args = parser.parse_args()
    look = {tuple(item.split("+")) for item in args.look.split(",")}
    failures = 0
    started = time.monotonic()
    # The headings each language must print, read from its catalog by an app of our own.
    strings = create_app({"ENV": "test", "SECRET_KEY": "s" * 48}, instance_path=tempfile.mkdtemp(prefix="kinfo-"))
    with gunicorn() as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        columns = "".join(f"{paper + ' pages':>13}{'last %':>7}{'overlaps':>9}{'strays':>7}{'min pt':>7}"
                          for paper in PAPERS)
        print(f"{'handout':<14}{columns}  headings")
        for tags in handouts():
            page.goto(base + handout_url(tags))
            cells, missing = [], set()
            for paper in PAPERS:
                pdf = PrintedPdf(print_pdf(page, paper))
                pages, over, strays = len(pdf.pages), pdf.overlaps(), pdf.strays()
                missing |= set(missing_headings(strings, pdf, tags))
                ok = pages <= PAGE_LIMIT[len(tags)] and not over and not strays
                failures += not ok
                cells.append(f"{pages:>13}{pdf.last_page_filled():>7.0%}{len(over):>9}{len(strays):>7}"
                             f"{pdf.smallest_size():>7.1f}")
                if args.png and tags in look:
                    args.png.mkdir(parents=True, exist_ok=True)
                    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
                        file.write(pdf.data)
                        file.flush()
                        subprocess.run(["pdftoppm", "-png", "-r", "80", file.name,
                                        str(args.png / f"{'+'.join(tags)}-{paper}")], check=True)
            failures += bool(missing)
            headings = "all" if not missing else f"MISSING {sorted(missing)}"
            print(f"{'+'.join(tags):<14}" + "".join(cells) + f"  {headings}")
        browser.close()
    print(f"limits: one language <= {PAGE_LIMIT[1]} pages, a pair <= {PAGE_LIMIT[2]}; "
          f"{failures} handout(s) out of limits; {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
