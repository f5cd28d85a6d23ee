"""The handouts page and the handouts on a phone, in every language: accessible, nothing squeezed, the pair
chosen without JavaScript; staff pages are accessible and hostile free text never runs in a staff member's
browser. (How handouts print is in test_printed_handouts.py.)"""

from __future__ import annotations

import pytest

from kinfo.core.i18n import LANGUAGES

from ..selfcheck_helpers import answers, new_key, submit
from ..staff_helpers import PASSWORD, make_account
from .conftest import SCREENSHOTS
from .fonts import missing_characters
from .measure import axe_violations

pytestmark = pytest.mark.browser
SHOTS_OF = {"en", "ar", "zh-Hans"}


def test_the_handouts_page_fits_a_phone_in_every_language_with_no_accessibility_violations(page, language):
    page.goto(f"/{language.url_tag}/handouts")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    assert page.evaluate("() => document.documentElement.lang") == language.tag
    assert axe_violations(page) == []
    assert missing_characters(page.inner_text("body")) == set()
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    # Every language's name stays whole on one line (the old table broke 简体中文 in two).
    for one in LANGUAGES:
        name = page.locator(f"#handout-{one.url_tag} span[lang]")
        lines = name.evaluate("element => element.getClientRects().length")
        assert lines == 1, f"{one.endonym} breaks over {lines} lines"
    for link in page.locator(".print-link a").all():
        assert link.bounding_box()["height"] >= 24, "a print link is big enough to tap"
    if language.tag in SHOTS_OF:
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"handouts-{language.tag}-phone.png"), full_page=True)


def test_the_handouts_page_is_the_phones_own_language(browser, live_server):
    context = browser.new_context(locale="ar-EG", base_url=live_server.url, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto("/handouts")
    assert page.url.endswith("/ar/handouts")
    assert page.evaluate("() => document.documentElement.dir") == "rtl"
    context.close()


def test_a_pair_is_chosen_with_two_selects_and_no_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url,
                                  viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto("/es/handouts")
    page.select_option("#first", "vi")
    page.select_option("#second", "ar")
    page.click(".pair-form button")
    page.wait_for_url("**/vi/handout?with=ar")
    assert page.locator('.handout-cell[lang="vi"]').count() == len(page.locator(".handout-row").all())
    page.goto("/es/handouts")
    page.select_option("#first", "en")
    page.select_option("#second", "en")
    page.click(".pair-form button")
    assert page.locator("#pair-error").is_visible()
    summary = page.locator("#pair-summary")
    assert summary.evaluate("element => element.getBoundingClientRect().bottom <= innerHeight"), \
        "the refusal is seen where the page opens"
    summary.locator("a").click()
    assert page.evaluate("() => document.activeElement.id") == "first"
    assert page.locator("#first").evaluate("element => element.value") == "en", "the choice is kept"
    context.close()


def test_handouts_on_a_phone_are_accessible_with_every_glyph(page, language):
    page.goto(f"/{language.url_tag}/handout")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    assert missing_characters(page.inner_text("body")) == set()
    assert axe_violations(page) == []
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_a_pair_on_a_phone_is_accessible(page):
    page.goto("/ar/handout?with=en")
    assert axe_violations(page) == []
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_arabic_beside_english_reads_right_to_left_in_its_column(page):
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto("/en/handout?with=ar")
    page.emulate_media(media="print")
    arabic = page.locator('[data-row="what-it-is"] .handout-cell[lang="ar"]')
    english = page.locator('[data-row="what-it-is"] .handout-cell[lang="en"]')
    assert arabic.evaluate("element => getComputedStyle(element).direction") == "rtl"
    cell, paragraph = arabic.bounding_box(), arabic.locator("p").first.bounding_box()
    assert english.bounding_box()["x"] < cell["x"], "English first, Arabic second: side by side"
    assert abs((paragraph["x"] + paragraph["width"]) - (cell["x"] + cell["width"])) < 2, "text starts at the right"
    assert abs(english.bounding_box()["y"] - cell["y"]) < 1, "the section starts at the same height in both"


def test_staff_pages_pass_axe_and_never_run_hostile_text(page, live_server):
    app = live_server.app
    email = f"axe-{new_key()[:8]}@clinic.example"
    make_account(app, email=email)
    patient = app.test_client()
    response = submit(patient, answers(pregnant="yes", notes="<script>alert(1)</script><img src=x onerror=alert(2)>"),
                      lang="ar", consent=True, key=new_key(), name="<svg onload=alert(3)>{{ 7*7 }}")
    assert response.status_code == 200
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("/staff/")
    assert page.url.endswith("/staff/login?next=/staff/")
    assert axe_violations(page) == []
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("table.submissions")
    assert axe_violations(page) == []
    page.locator("table.submissions a").first.click()
    page.wait_for_selector("dl.answers")
    assert axe_violations(page) == []
    assert "<svg onload=alert(3)>{{ 7*7 }}" in page.inner_text("main"), "shown as text"
    page.screenshot(path=str(SCREENSHOTS / "staff-detail.png"), full_page=True)
    assert dialogs == [], "no script from a patient's text ever ran"
