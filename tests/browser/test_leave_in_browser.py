"""Leave this page, in a real browser: one tap or Shift three times, and the page is gone from the screen
and from Back; without JavaScript it is still a plain link; offline it still works."""

from __future__ import annotations

import pytest

from .measure import axe_violations, wait_until_saved_offline

pytestmark = pytest.mark.browser


def history_length(page) -> int:
    return page.evaluate("() => history.length")


@pytest.mark.sampled_languages
def test_leaving_replaces_the_page_so_back_does_not_return(page, live_server, language):
    tag = language.url_tag
    page.goto(f"/{tag}/")
    page.click(".first-actions .button >> nth=0")  # the self-check, a second page of this site
    page.wait_for_url(f"**/{tag}/self-check")
    page.check("#adult-yes")
    entries = history_length(page)
    page.click("a[data-leave]")
    page.wait_for_url("**/leave")
    assert history_length(page) == entries, "the self-check's entry was replaced, not added to"
    assert page.inner_text("body").strip() == ""
    page.go_back()  # to the article: an earlier page of this site goes straight on to the neutral page
    page.wait_for_url("**/leave")
    assert page.inner_text("body").strip() == ""


def test_shift_pressed_three_times_leaves(page, live_server):
    page.goto("/ar/")
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url("**/leave")


def test_typing_capital_letters_does_not_leave(page, live_server):
    page.goto("/en/self-check")
    field = page.locator("textarea, input[type=text]").first
    field.click()
    page.keyboard.type("My Name Is Ann")  # Shift is held for each capital: none of these counts
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.keyboard.type("x")  # another key in between starts the count again
    page.keyboard.press("Shift")
    page.wait_for_timeout(300)
    assert page.url.endswith("/en/self-check")


def test_opening_the_site_again_after_leaving_shows_it(page, live_server):
    page.goto("/es/")
    page.click("a[data-leave]")
    page.wait_for_url("**/leave")
    page.goto("/es/")  # typed or chosen again: a fresh visit, not Back
    page.wait_for_timeout(300)
    assert page.url.endswith("/es/") and page.locator("h1").is_visible()


def test_without_javascript_leave_is_a_plain_link(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=live_server.url,
                                  java_script_enabled=False)
    page = context.new_page()
    page.goto("/vi/")
    leave = page.locator("a[data-leave]")
    box = leave.bounding_box()
    assert box["y"] < 10 and box["height"] >= 44 and box["width"] > 300, "first on the screen, easy to hit"
    leave.click()
    page.wait_for_url("**/leave")
    context.close()


def test_the_leave_bar_stays_in_view_while_reading(page, live_server):
    page.goto("/en/")
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight / 2)")
    box = page.locator("a[data-leave]").bounding_box()
    assert 0 <= box["y"] < 5
    assert axe_violations(page) == []


def test_leaving_works_offline(page, live_server):
    page.goto("/zh-hans/")
    wait_until_saved_offline(page)
    page.context.set_offline(True)
    live_server.hits.clear()
    responses = []
    page.on("response", lambda response: responses.append((response.url, response.from_service_worker)))
    page.click("a[data-leave]")
    page.wait_for_url("**/leave")
    assert page.inner_text("body").strip() == ""
    assert responses and all(from_worker for _url, from_worker in responses)
    assert sum(live_server.hits.values()) == 0
