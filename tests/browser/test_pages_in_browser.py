"""In a real phone-sized browser, every language reads well: no sideways scrolling, no accessibility
violations, no missing characters, nothing fetched from another origin."""

from __future__ import annotations

import pytest

from .conftest import SCREENSHOTS
from .fonts import missing_characters
from .measure import axe_violations

pytestmark = pytest.mark.browser


def _reads_well(page, live_server, language, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(f"/{language.url_tag}/")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    assert page.evaluate("() => document.documentElement.lang") == language.tag
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert axe_violations(page) == []
    assert missing_characters(page.inner_text("body")) == set()
    assert all(url.startswith(live_server.url) for url in page.requested_urls), page.requested_urls
    font_size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)")
    assert font_size >= 16
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"article-{language.tag}-{scheme}.png"), full_page=True)


def test_each_language_reads_well_on_a_small_phone(page, live_server, language):
    _reads_well(page, live_server, language, "light")


@pytest.mark.sampled_languages
def test_each_language_reads_well_on_a_small_phone_in_dark_mode(page, live_server, language):
    _reads_well(page, live_server, language, "dark")


@pytest.mark.parametrize("tag", ["ar", "fa"])
def test_right_to_left_languages_flow_right_to_left_without_overrides(page, tag):
    page.goto(f"/{tag}/")
    assert page.evaluate("() => getComputedStyle(document.body).direction") == "rtl"
    crisis = page.locator(".crisis").bounding_box()
    first_item = page.locator(".crisis strong").first.bounding_box()
    # The crisis box's accent border sits on the right: its text starts from the right edge.
    assert first_item["x"] + first_item["width"] > crisis["x"] + crisis["width"] - 40
    assert page.evaluate("() => getComputedStyle(document.querySelector('.crisis')).borderRightWidth") == "5px"
    # A phone number reads left to right inside right-to-left text: "+1 555 0100", never "0100 555 1+".
    assert page.evaluate(READS_LEFT_TO_RIGHT, ".site-footer a[href^='tel:'] bdi")


READS_LEFT_TO_RIGHT = """selector => { const node = document.querySelector(selector).firstChild;
  const box = (i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
    return r.getBoundingClientRect(); };
  return box(0).left < box(node.length - 1).left; }"""


@pytest.mark.sampled_languages
def test_the_not_found_page_works_in_the_browser(page, live_server, language):
    response = page.goto(f"/{language.url_tag}/missing")
    assert response.status == 404
    assert page.evaluate("() => document.documentElement.dir") == language.direction
    assert axe_violations(page) == []


def test_the_article_prints_cleanly(page, tmp_path):
    from pypdf import PdfReader

    page.goto("/en/")
    page.emulate_media(media="print")
    assert page.locator(".language-menu").is_hidden()
    assert page.locator(".crisis").is_visible()
    pdf = tmp_path / "article.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    text = " ".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "glutamate" in text and "988" in text
