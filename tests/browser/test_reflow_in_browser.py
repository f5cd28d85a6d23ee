"""Zoom and reflow (WCAG 1.4.4, 1.4.10): at 320 CSS pixels wide, and with text at 200%, every page reads
without sideways scrolling and nothing is cut, in every language."""

from __future__ import annotations

import pytest

from .measure import axe_violations, cut_or_sideways, wait_until_saved_offline

pytestmark = pytest.mark.browser
PAGES = {"article": "/{tag}/", "self-check": "/{tag}/self-check", "handout list": "/handouts?{tag}",
         "error page": "/{tag}/no-such-page", "offline page": "/{tag}/offline"}
CONDITIONS = {"320 px wide": ({"width": 320, "height": 640}, None),
              "text at 200%": ({"width": 360, "height": 740}, "200%")}


@pytest.mark.sampled_languages
@pytest.mark.parametrize("condition", list(CONDITIONS))
@pytest.mark.parametrize("page_type", list(PAGES))
def test_every_page_reflows_without_sideways_scrolling_or_cut_text(browser, live_server, language, page_type,
                                                                    condition):
    viewport, text_size = CONDITIONS[condition]
    context = browser.new_context(viewport=viewport, base_url=live_server.url,
                                  extra_http_headers={"Accept-Language": language.tag})
    page = context.new_page()
    page.goto(PAGES[page_type].format(tag=language.url_tag))
    if text_size:
        # The reader's text size: every size on the site is in rem or em, so it all grows with the root.
        page.evaluate("size => { document.documentElement.style.fontSize = size; }", text_size)
    if page_type in ("article", "self-check", "offline page"):
        wait_until_saved_offline(page)  # the offline panel has arrived and shows every language's state
    page.evaluate("() => document.fonts.ready.then(() => true)")
    assert cut_or_sideways(page) == []
    if condition == "320 px wide":
        assert axe_violations(page) == []
    if page_type == "article":
        page.click(".language-menu summary")  # the open language list fits too
        assert cut_or_sideways(page) == []
        # judged on its own: it covers the page on purpose, so the page's targets under it are not reachable
        assert axe_violations(page, within=".language-menu") == []
    context.close()
