"""Crisis first, on a 360 px phone: a patient who answers only the self-harm question sees crisis help before
any error — with JavaScript, without it, and offline — and the help's buttons are large, in the page's
language, and one crisis element per page."""

from __future__ import annotations

import pytest

from ..selfcheck_helpers import CALM_ANSWERS
from .conftest import SCREENSHOTS
from .test_offline_in_browser import saved_offline
from .test_pages_in_browser import axe_violations

pytestmark = pytest.mark.browser


def crisis_card_comes_first(page) -> None:
    """The card is the first thing in the page's main part, above the title and any error."""
    page.wait_for_selector(".crisis-card")
    first = page.evaluate("() => document.querySelector('main').querySelector('.crisis-card, h1, .error-summary')"
                          ".className")
    assert first == "crisis-card"
    assert page.locator("aside.crisis:visible").count() == 0, "the card replaces the crisis line: one element"
    for button in page.locator(".crisis-card .crisis-action").all():
        box = button.bounding_box()
        assert box["height"] >= 48 and box["width"] >= 280, "large buttons, the full width of the card on a phone"


@pytest.mark.parametrize("tag", ["en", "ar"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_only_the_self_harm_answer_gives_crisis_help_before_any_error(browser, live_server, tag, javascript):
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=live_server.url,
                                  java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"/{tag}/self-check")
    page.check("#self_harm-plan")
    page.click("button[type=submit]")
    crisis_card_comes_first(page)
    card = page.locator(".crisis-card")
    hrefs = card.locator("a.crisis-action").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs[0] == "tel:911" and "tel:988" in hrefs, "a plan: the emergency number first"
    assert page.locator(".error-summary").is_visible()
    assert page.locator("#self_harm-plan").is_checked(), "the answer is kept"
    assert axe_violations(page) == [] if javascript else True
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"crisis-first-{tag}-{'js' if javascript else 'nojs'}.png"))
    context.close()


@pytest.mark.parametrize(("tag", "answer"), [("en", "sometimes"), ("ar", "sometimes"), ("en", "plan"), ("ar", "plan")])
def test_offline_the_phone_puts_crisis_help_before_its_errors(page, live_server, tag, answer):
    saved_offline(page, f"/{tag}/")
    page.context.set_offline(True)
    page.goto(f"/{tag}/self-check")
    page.check(f"#self_harm-{answer}")
    page.click("button[type=submit]")
    crisis_card_comes_first(page)
    card = page.locator(".crisis-card")
    hrefs = card.locator("a.crisis-action").evaluate_all("l => l.map(a => a.getAttribute('href'))")
    if answer == "plan":
        assert hrefs[0] == "tel:911" and "tel:988" in hrefs, "a plan: the emergency number first"
        assert card.locator(".urgent").is_visible(), "and the words to go now"
    else:
        assert hrefs[0] == "tel:988" and hrefs[-1] == "tel:911", "no plan: 988 first, the emergency number last"
        assert card.locator(".urgent").count() == 0
    assert page.locator("#offline-errors").is_visible()


@pytest.mark.parametrize("tag", ["en", "ar"])
def test_choosing_a_crisis_answer_opens_the_questions_own_help_at_once(page, tag):
    page.goto(f"/{tag}/self-check")
    actions = page.locator("#self_harm-help .crisis-inline-actions")
    assert actions.is_hidden() and page.locator("#self_harm-help").is_visible()
    page.check("#self_harm-sometimes")
    assert actions.is_visible(), "no waiting for the button"
    first = actions.locator("a.crisis-action").first.get_attribute("href")
    assert first == "tel:988"
    page.check("#self_harm-plan")
    assert actions.locator("a.crisis-action").first.get_attribute("href") == "tel:911"
    page.check("#self_harm-no")
    assert actions.is_hidden()
    page.check("#self_harm-plan")
    assert page.locator(".crisis-card").count() == 0, "the question's own block, not a second card"
    page.locator("#self_harm-help").screenshot(path=str(SCREENSHOTS / f"crisis-inline-{tag}.png"))


@pytest.mark.parametrize("tag", ["en", "ar", "es"])
def test_every_result_variant_passes_axe_and_puts_crisis_first(page, tag):
    for self_harm in ("no", "sometimes", "plan"):
        page.goto(f"/{tag}/self-check")
        for question, answer in {**CALM_ANSWERS, "pregnant": "yes", "ride_home": "no", "self_harm": self_harm}.items():
            page.check(f"#{question}-{answer}")
        page.click("button[type=submit]")
        page.wait_for_selector(".summary-list")
        if self_harm != "no":
            crisis_card_comes_first(page)
        assert axe_violations(page) == [], (tag, self_harm)
        page.screenshot(path=str(SCREENSHOTS / f"result-{tag}-{self_harm}.png"), full_page=True)
