"""Render the PNG app icons from the SVG sources with Debian's Chromium (run after changing an icon), then
compress them losslessly with oxipng: every saved language keeps them on the phone.

    python3 -m pip install pyoxipng && python3 scripts/make_icons.py
"""

from pathlib import Path

import oxipng
from playwright.sync_api import sync_playwright

ICONS = Path(__file__).resolve().parent.parent / "static" / "icons"
TARGETS = [("icon.svg", "icon-192.png", 192), ("icon.svg", "icon-512.png", 512),
           ("icon-maskable.svg", "icon-maskable-512.png", 512)]

with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
    for source, target, size in TARGETS:
        page = browser.new_page(viewport={"width": size, "height": size})
        svg = (ICONS / source).read_text()
        page.set_content(f'<html><body style="margin:0;background:transparent">{svg}</body></html>')
        page.eval_on_selector("svg", f"s => {{ s.setAttribute('width', {size}); s.setAttribute('height', {size}); }}")
        page.screenshot(path=str(ICONS / target), omit_background=True, clip={"x": 0, "y": 0, "width": size,
                                                                             "height": size})
        page.close()
        oxipng.optimize(ICONS / target, level=6, strip=oxipng.StripChunks.safe(), optimize_alpha=True)
    browser.close()
