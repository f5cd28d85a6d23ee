"""The offline panel speaks the patient's language: a failure is said beside the button that failed and
names the language; a self-check kept on the phone is confirmed, with its reference code, on whatever page
the patient is on when it reaches the clinic."""

from __future__ import annotations

import json

import pytest
from flask_babel import force_locale, gettext

from ..selfcheck_helpers import CALM_ANSWERS
from .measure import axe_violations, wait_until_saved_offline

pytestmark = pytest.mark.browser
KEEP = """([key, tag]) => window.kinfoQueue.put({key, tag, answers: %s, consent: true, status: 'queued', name: '',
                                              phone: '', created: Date.now()})""" % json.dumps(CALM_ANSWERS)


@pytest.mark.sampled_languages
def test_a_language_that_cannot_be_saved_says_so_beside_its_button_naming_it(page, live_server, language):
    page.goto(f"/{language.url_tag}/")
    wait_until_saved_offline(page)
    other = "vi" if language.tag != "vi" else "es"
    page.context.set_offline(True)  # the next language cannot be fetched
    row = page.locator(f'#offline-panel li[data-tag="{other}"]')
    row.locator('[data-action="save"]').click()
    error = row.locator('[data-state="failed"]')
    error.wait_for(timeout=20000)
    endonym = {"vi": "Tiếng Việt", "es": "Español"}[other]
    with live_server.app.test_request_context(), force_locale(language.babel_locale):
        expected = gettext("Could not save %(language)s for offline use. Try again when you are online.",
                           language=endonym)
    assert error.inner_text() == expected
    assert row.locator('[data-action="save"]').is_visible(), "the same button tries again"
    assert page.locator('#offline-panel [data-state="failed"]:visible').count() == 1
    button, message = row.locator('[data-action="save"]').bounding_box(), error.bounding_box()
    assert 0 <= message["y"] - (button["y"] + button["height"]) < 40, "right below the button that failed"
    assert axe_violations(page) == []


def test_a_self_check_sent_from_the_phone_is_confirmed_on_the_article_with_its_code(page, live_server):
    page.goto("/ar/")
    wait_until_saved_offline(page)
    page.evaluate(KEEP, ["2c5b7e0a-4f1d-4e3b-9a6c-8d7e6f5a4b3c", "ar"])
    page.reload()  # sent on page load, on whatever page the patient is
    notice = page.locator("#sent-notices .sent-notice")
    notice.wait_for(timeout=20000)
    reference = notice.locator(".reference").inner_text()
    assert len(reference) == 9 and reference[4] == "-"
    with live_server.app.test_request_context(), force_locale("ar"):
        start = gettext("Your answers were sent to %(clinic_name)s. Your reference code is %(code)s.").split("%")[0]
    assert notice.inner_text().startswith(start.strip())
    box = notice.bounding_box()
    assert box["y"] + box["height"] <= 740 + 1, "in view at the bottom of the screen"
    assert axe_violations(page) == []
    notice.locator('[data-action="dismiss"]').click()
    notice.wait_for(state="detached", timeout=5000)  # closed once the phone has noted it was said
    assert page.locator("#sent-notices .sent-notice").count() == 0
    page.reload()
    page.wait_for_timeout(1000)
    assert page.locator("#sent-notices .sent-notice").count() == 0, "said once, until the patient closes it"


def test_the_confirmation_comes_on_the_self_check_page_too_when_send_now_is_pressed(page, live_server):
    page.goto("/es/self-check")
    wait_until_saved_offline(page)
    page.evaluate(KEEP, ["7d1e2f3a-5b6c-4d7e-8f90-a1b2c3d4e5f6", "es"])
    assert page.locator('#offline-panel [data-state="queued"]').is_visible()
    page.click('#offline-panel [data-action="send-now"]')
    page.locator("#sent-notices .sent-notice .reference").wait_for(timeout=20000)
    assert page.locator('#offline-panel [data-state="queued"]').is_hidden()
