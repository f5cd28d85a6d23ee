"""The self-check in a real browser: filled in and sent in a left-to-right and a right-to-left language,
accessible on the form, error and result pages, with follow-ups hidden until they apply."""

from __future__ import annotations

import pytest

from ..selfcheck_helpers import CALM_ANSWERS
from .conftest import SCREENSHOTS
from .measure import axe_violations

pytestmark = pytest.mark.browser


def choose(page, answers: dict[str, str]) -> None:
    for question, answer in answers.items():
        page.check(f"#{question}-{answer}")


@pytest.mark.parametrize("tag", ["en", "ar"])
def test_a_patient_fills_in_and_sends_the_self_check(page, live_server, tag):
    page.goto(f"/{tag}/self-check")
    assert axe_violations(page) == []
    assert page.locator("#q-bp_treated").is_hidden(), "follow-ups wait until they apply"
    choose(page, {**CALM_ANSWERS, "pregnant": "unsure", "bp_high": "yes"})
    assert page.locator("#q-bp_treated").is_visible()
    page.check("#bp_treated-no")
    page.fill("#notes", "ممرضة لطيفة <script>alert(1)</script>" if tag == "ar" else "Needle-shy, please be gentle.")
    page.check("#consent")
    page.fill("#name", "Sam")
    page.click("button[type=submit]")
    page.wait_for_selector(".reference")
    assert page.locator(".reference").inner_text().count("-") == 1
    assert page.locator(".outcome li").count() == 2
    assert axe_violations(page) == []
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"selfcheck-result-{tag}.png"), full_page=True)
    assert all(url.startswith(live_server.url) for url in page.requested_urls)


@pytest.mark.parametrize("tag", ["en", "ar"])
def test_errors_take_focus_and_pass_axe(page, tag):
    page.goto(f"/{tag}/self-check")
    choose(page, {"adult": "yes"})
    page.fill("#bp_systolic", "abc")
    page.click("button[type=submit]")
    page.wait_for_selector(".error-summary")
    assert page.evaluate("() => document.activeElement.classList.contains('error-summary')")
    assert page.locator("#adult-yes").is_checked(), "answers are kept"
    assert axe_violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / f"selfcheck-errors-{tag}.png"))


def test_a_crisis_answer_shows_help_first(page):
    page.goto("/en/self-check")
    choose(page, {**CALM_ANSWERS, "self_harm": "plan"})
    assert "988" in page.locator("#self_harm-help").inner_text(), "help shows on the question itself"
    page.click("button[type=submit]")
    first = page.locator("main h2").first.inner_text()
    assert first == "Please get support now"
    assert page.locator(".crisis-card .urgent").inner_text().startswith("Call 911")
    assert axe_violations(page) == []


def test_the_form_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    page = context.new_page()
    page.goto("/vi/self-check")
    assert page.locator("#q-bp_treated").is_visible(), "without JavaScript every question shows"
    choose(page, CALM_ANSWERS)
    page.click("button[type=submit]")
    assert page.locator(".not-sent").is_visible()
    context.close()


@pytest.mark.parametrize("tag", ["en", "vi"])
def test_the_result_prints_as_a_one_page_summary(page, tmp_path, tag):
    from pypdf import PdfReader

    page.goto(f"/{tag}/self-check")
    choose(page, {**CALM_ANSWERS, "pregnant": "unsure", "medicines": "yes", "ride_home": "no"})
    page.fill("#notes", "Allergic to plasters.")
    page.click("button[type=submit]")
    page.wait_for_selector(".outcome")
    page.emulate_media(media="print")
    pdf = tmp_path / "summary.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    reader = PdfReader(pdf)
    text = reader.pages[0].extract_text()
    assert len(reader.pages) == 1
    assert "plasters" in text and "988" in text


EVERYTHING_FLAGGED = {**CALM_ANSWERS, "adult": "no", "pregnant": "yes", "breastfeeding": "yes", "bp_high": "yes",
                      "heart": "yes", "thyroid_overactive": "yes", "condition": "other", "antidepressants_tried": "0",
                      "psychosis": "yes", "mania": "yes", "substance": "yes", "head_eye_pressure": "yes",
                      "seizures": "yes", "liver": "yes", "bladder": "yes", "ketamine_reaction": "yes",
                      "medicines": "yes", "self_harm": "plan", "ride_home": "no"}


@pytest.mark.parametrize("tag", ["en", "es", "zh-hans", "vi", "ar"])
def test_even_with_every_answer_flagged_and_a_full_note_the_summary_fits_two_pages(page, tmp_path, tag):
    """Crisis help, sixteen things to talk about, every answer and 1,000 characters of notes, in the
    language's own script, on A4 and US Letter; its own words in the page's language, crisis help first."""
    from pypdf import PdfReader

    page.goto(f"/{tag}/self-check")
    choose(page, EVERYTHING_FLAGGED)
    choose(page, {"bp_treated": "no", "thyroid_treated": "no"})
    page.fill("#bp_systolic", "180")
    page.fill("#bp_diastolic", "110")
    page.fill("#notes", ("Allergic to plasters. " * 50)[:1000])
    page.click("button[type=submit]")
    page.wait_for_selector(".outcome")
    page.emulate_media(media="print")
    for paper in ("A4", "Letter"):
        pdf = tmp_path / f"summary-{paper}.pdf"
        page.pdf(path=str(pdf), format=paper, print_background=True)
        reader = PdfReader(pdf)
        assert len(reader.pages) <= 2, paper
        first = reader.pages[0].extract_text()
        assert "911" in first[:400], "the emergency number leads the printed page"


def test_going_back_after_sending_and_changing_an_answer_offers_a_new_self_check(page):
    """The clinic already has this form's answers; different ones are refused, with a way forward."""
    page.goto("/ar/self-check")
    choose(page, CALM_ANSWERS)
    page.check("#consent")
    page.click("button[type=submit]")
    page.wait_for_selector(".reference")
    page.go_back()
    page.check("#liver-yes")
    page.click("form.selfcheck button[type=submit]")
    start_again = page.locator(".error-summary form button")
    start_again.wait_for()
    assert axe_violations(page) == []
    start_again.click()
    page.wait_for_selector("form.selfcheck")
    assert page.locator(".error-summary").count() == 0
    assert not page.locator("#liver-yes").is_checked(), "a new, empty self-check"
