"""Staff triage pages in a real browser, on a phone and a desktop, in English and Arabic: no axe violation on
the list, a search, a refused search, the detail page and a refused follow-up change."""

from __future__ import annotations

import pytest

from ..selfcheck_helpers import answers, new_key, submit
from ..staff_helpers import PASSWORD, make_account
from .conftest import SCREENSHOTS
from .test_pages_in_browser import axe_violations

SIZES = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 900}}


@pytest.mark.parametrize("staff_language", ["en", "ar"])
@pytest.mark.parametrize("size", sorted(SIZES))
def test_every_staff_triage_page_passes_axe(browser, live_server, staff_language, size):
    app = live_server.app
    email = f"triage-{new_key()[:8]}@clinic.example"
    make_account(app, email=email, language=staff_language)
    patient = app.test_client()
    submit(patient, answers(pregnant="unsure", medicines="yes"), lang="es", consent=True, key=new_key())
    response = submit(patient, answers(self_harm="plan", bp_high="yes", bp_treated="no", bp_systolic="165",
                                       bp_diastolic="102", ride_home="no"),
                      lang="ar", consent=True, key=new_key(), name="سارة الخطيب", phone="+1 555 010 0199")
    assert response.status_code == 200
    context = browser.new_context(viewport=SIZES[size], base_url=live_server.url)
    page = context.new_page()
    shot = f"staff-{staff_language}-{size}"
    try:
        page.goto("/staff/login")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click(".staff-login button[type=submit]")
        page.wait_for_selector("table.submissions")
        assert axe_violations(page) == []
        page.screenshot(path=str(SCREENSHOTS / f"{shot}-list.png"), full_page=True)
        page.fill("#q", "km8p")
        page.click(".reference-search button")
        page.wait_for_selector("#q-error")
        assert axe_violations(page) == []
        page.goto("/staff/")
        page.locator("table.submissions tbody a").first.click()
        page.wait_for_selector(".clinical-summary")
        assert page.locator(".summary-lines li").first.get_attribute("class") == "level-crisis"
        assert axe_violations(page) == []
        page.screenshot(path=str(SCREENSHOTS / f"{shot}-detail.png"), full_page=True)
        page.fill("#note", "x" * 10)
        page.evaluate("() => document.querySelectorAll('input[name=status]').forEach(i => { i.checked = false; })")
        page.click(".follow-up-form button")
        page.wait_for_selector(".follow-up .error-summary")
        assert axe_violations(page) == []
        page.check("#status-reviewed")
        page.click(".follow-up-form button")
        page.wait_for_selector(".history li")
        assert axe_violations(page) == []
        reference = page.url.rsplit("/", 1)[1].split("#")[0]
        page.goto(f"/staff/?q={reference.lower().replace('-', ' ')}")
        assert page.locator("table.submissions tbody tr").count() == 1
        assert axe_violations(page) == []
    finally:
        context.close()
