"""The waiting-room tablet: the self-check on the clinic's own device. Its pages are kept by no cache, carry
no offline copy or service worker, the start page clears what earlier visits left, consent is still asked,
a crisis outcome shows no answers and waits for staff, and the clinic's address can skip the per-client
limit. (What the browser keeps is checked in Chromium: tests/browser/test_tablet_in_browser.py.)"""

from __future__ import annotations

import re

import pytest

from kinfo.core.config import ConfigurationError
from kinfo.core.i18n import LANGUAGES

from ..conftest import client_from
from ..pages import visible_text
from ..selfcheck_helpers import answers, new_key, reference_in, row_count, submit
from .test_submission_limits import make_read_only

FRONT_DESK = "Please show this screen at the front desk."
FRONT_DESK_NOW = "Please show this screen to the front desk now"


def tablet_form(client, lang: str = "en") -> tuple[str, str]:
    """Open the tablet's form like a browser: (CSRF token, idempotency key)."""
    page = client.get(f"/tablet/{lang}/self-check").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page).group(1)
    return token, key


def tablet_submit(client, data: dict, lang: str = "en", consent: bool = False, **extra):
    token, key = tablet_form(client, lang)
    body = {**data, "csrf_token": token, "idempotency_key": key, **extra}
    if consent:
        body["consent"] = "y"
    return client.post(f"/tablet/{lang}/self-check", data=body)


def every_tablet_response(client):
    """A response of every kind the tablet sends: start, form, outcome, crisis outcome, change, refusal."""
    yield client.get("/tablet/")
    for language in LANGUAGES:
        yield client.get(f"/tablet/{language.url_tag}/self-check")
    yield tablet_submit(client, answers())
    yield tablet_submit(client, answers(self_harm="plan"))
    yield tablet_submit(client, answers(adult=None))
    yield client.post("/tablet/en/self-check/change", data={**answers(), "csrf_token": tablet_form(client)[0]})
    yield client.post("/tablet/en/self-check", data=answers())  # no token


def test_no_cache_anywhere_keeps_a_tablet_page_and_no_search_engine_lists_one(client):
    for response in every_tablet_response(client):
        assert response.headers["Cache-Control"] == "no-store, private", response.request.path
        assert response.headers["X-Robots-Tag"] == "noindex"


def test_the_page_cache_keeps_no_tablet_page(app, client):
    list(every_tablet_response(client))
    list(every_tablet_response(client))
    assert not [path for path in app.extensions["kinfo_page_cache"].pages if path.startswith("/tablet")]


def test_the_start_page_clears_what_earlier_visits_left_and_lists_every_language_in_its_own_words(client):
    response = client.get("/tablet/")
    assert response.status_code == 200
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert "Set-Cookie" not in response.headers, "a cookie set here would be cleared at once"
    page = response.get_data(as_text=True)
    for language in LANGUAGES:
        assert re.search(rf'<a href="/tablet/{language.url_tag}/self-check" lang="{language.tag}" '
                         rf'hreflang="{language.tag}" dir="{language.direction}"><span class="endonym">'
                         rf'{re.escape(language.endonym)}</span>', page)
    assert "Empezar la autoevaluación antes de la consulta" in page, "each language offered in its own words"
    assert 'data-leave' not in page, "nothing to leave on the start page"


def test_the_start_page_speaks_the_tablets_own_language(client):
    page = client.get("/tablet/", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl"' in page


def test_only_the_start_page_clears_site_data(client):
    for response in every_tablet_response(client):
        if response.request.path != "/tablet/":
            assert "Clear-Site-Data" not in response.headers


def test_tablet_pages_have_no_offline_copy_no_service_worker_and_no_link_out_of_the_tablet(client):
    for response in every_tablet_response(client):
        page = response.get_data(as_text=True)
        path = response.request.path
        assert "js/pwa/offline" not in page and "manifest" not in page and "sw.js" not in page, path
        assert "js/selfcheck/offline" not in page and "offline-notices" not in page, path
        assert "js/tablet/reset" in page, path
        links = re.findall(r'<a [^>]*href="([^"]+)"', page)
        inside = [link for link in links if link.startswith(("/tablet/", "#", "tel:", "sms:"))]
        assert links == inside, (path, sorted(set(links) - set(inside)))
        assert '<meta name="robots" content="noindex">' in page and 'rel="alternate"' not in page, path


def test_leave_this_page_returns_to_the_tablets_start_page(client):
    page = client.get("/tablet/vi/self-check").get_data(as_text=True)
    assert re.search(r'<a class="leave-button" href="/tablet/" rel="nofollow noreferrer" data-leave>', page)
    assert page.index("data-leave") < page.index('<header class="site-header"')


def test_the_form_is_the_self_checks_own_with_no_autocomplete_and_a_key_per_patient(client):
    page = client.get("/tablet/en/self-check").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/tablet/en/self-check" novalidate class="selfcheck" '
                     r'autocomplete="off">', page)
    assert 'name="self_harm"' in page and 'id="consent"' in page and "Why we ask" in page
    assert "Read more" not in page, "no link to the guide, whose pages save offline copies"
    first, second = tablet_form(client)[1], tablet_form(client)[1]
    assert first != second, "the next patient never reuses the last one's key"


def test_without_consent_nothing_is_stored_and_sending_is_offered(app, client):
    response = tablet_submit(client, answers(pregnant="yes"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and row_count(app) == 0
    assert "Your answers were not sent. Nothing was stored." in page
    assert ('action="/tablet/en/self-check" class="send-answers no-print" novalidate id="send" '
            'autocomplete="off"') in page
    assert "Finish and clear the screen" in page and 'data-tablet-reset' in page
    assert f'<meta http-equiv="refresh" content="{3 * 60 + 60}; url=/tablet/">' in page, "without JavaScript too"


def test_with_consent_the_answers_go_straight_to_the_clinic(app, client):
    page = tablet_submit(client, answers(), consent=True).get_data(as_text=True)
    assert reference_in(page) and row_count(app) == 1
    again = tablet_submit(client, answers(), consent=True).get_data(as_text=True)
    assert reference_in(again) != reference_in(page) and row_count(app) == 2, "the next patient is a new one"


def test_a_send_without_the_box_ticked_stores_nothing(app, client):
    token, key = tablet_form(client)
    response = client.post("/tablet/en/self-check", data={**answers(), "csrf_token": token,
                                                          "idempotency_key": key, "intent": "send"})
    assert response.status_code == 422 and row_count(app) == 0
    assert "To send your answers, tick the box first." in response.get_data(as_text=True)


def test_a_crisis_outcome_asks_for_the_front_desk_now_shows_no_answers_and_waits_for_staff(app, client):
    response = tablet_submit(client, answers(self_harm="plan", pregnant="yes"), consent=True, notes="my private note")
    page = response.get_data(as_text=True)
    text = visible_text(page)
    assert response.status_code == 200 and reference_in(page)
    assert page.index(FRONT_DESK_NOW) < page.index('class="crisis-card"') < page.index('class="sent"')
    assert '<a class="crisis-action" href="tel:911">' in page and '<a class="crisis-action" href="tel:988">' in page
    assert "Call 911 or go to the nearest emergency department now." in text, "a plan: the emergency number first"
    assert "does not read these answers right away" not in text, "the front desk sees this screen now"
    for private in ("You said you have thought about how you would hurt yourself", "my private note",
                    "Pregnancy", "talk with your care team about"):
        assert private not in text, private
    assert "<h2>Your answers</h2>" not in page and 'class="answers' not in page
    assert 'type="hidden" name="self_harm"' not in page, "not even hidden in the page"
    assert re.search(r'<details class="staff-done">\s*<summary>Done \(for staff\)</summary>\s*<p><a class="button" '
                     r'href="/tablet/" data-tablet-reset>Clear the screen for the next patient</a>', page)
    assert 'http-equiv="refresh"' not in page and 'id="still-there"' not in page, "no reset by itself"
    assert 'data-page="crisis"' in page


def test_a_crisis_answer_without_consent_stores_nothing_and_still_shows_the_crisis_screen(app, client):
    page = tablet_submit(client, answers(self_harm="sometimes")).get_data(as_text=True)
    assert row_count(app) == 0 and FRONT_DESK_NOW in page
    assert "Your answers were not sent. Nothing was stored." in page
    assert "You said you have had thoughts of dying" not in page


def test_a_form_of_an_earlier_patient_sent_again_shows_nothing_of_them(app, client):
    """Reload on a page Back reached would send the last patient's answers again; the start page ended
    their session, so the token fails and an empty form says why."""
    token, key = tablet_form(client)
    client.get("/tablet/")
    client.delete_cookie("session")  # what the start page's Clear-Site-Data: "cookies" does in a browser
    response = client.post("/tablet/en/self-check", data={**answers(self_harm="plan"), "notes": "earlier patient",
                                                          "csrf_token": token, "idempotency_key": key, "consent": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and row_count(app) == 0
    assert "For privacy, the answers on this page were cleared. Nothing was sent. Please start again." in page
    assert "earlier patient" not in page and " checked>" not in page and key not in page
    changed = client.post("/tablet/en/self-check/change", data={**answers(), "notes": "earlier patient",
                                                                 "csrf_token": token})
    assert changed.status_code == 400 and "earlier patient" not in changed.get_data(as_text=True)


def test_changing_an_answer_stays_on_the_tablet(client):
    result = tablet_submit(client, answers(pregnant="yes")).get_data(as_text=True)
    assert 'action="/tablet/en/self-check/change"' in result
    token = re.search(r'name="csrf_token" value="([^"]+)"', result).group(1)
    form = client.post("/tablet/en/self-check/change", data={**answers(pregnant="yes"), "csrf_token": token,
                                                             "idempotency_key": new_key()})
    page = form.get_data(as_text=True)
    assert form.status_code == 200 and 'value="yes" checked' in page and 'autocomplete="off"' in page


@pytest.fixture
def limited_app(make_app):
    return make_app(SUBMISSIONS_PER_CLIENT_PER_MINUTE=1, SUBMISSIONS_PER_MINUTE=3)


def test_too_many_shows_the_outcome_crisis_help_first_and_asks_for_the_front_desk(limited_app):
    tablet = client_from(limited_app, "203.0.113.5")
    assert reference_in(tablet_submit(tablet, answers(), consent=True).get_data(as_text=True))
    refused = tablet_submit(tablet, answers(pregnant="yes"), consent=True)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert page.index('class="crisis"') < page.index('class="not-stored"') < page.index(FRONT_DESK)
    assert "We could not send your answers. Nothing was stored." in page
    assert "Before an infusion, talk with your care team about:" in page, "the outcome is all there"
    crisis = tablet_submit(tablet, answers(self_harm="plan"), consent=True).get_data(as_text=True)
    assert crisis.index(FRONT_DESK_NOW) < crisis.index('class="crisis-card"') < crisis.index('class="not-stored"')
    assert row_count(limited_app) == 1


def test_an_unavailable_database_shows_the_outcome_and_asks_for_the_front_desk(limited_app):
    tablet = limited_app.test_client()
    make_read_only(limited_app)
    refused = tablet_submit(tablet, answers(), consent=True)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "60"
    assert page.index('class="crisis"') < page.index('class="not-stored"') < page.index(FRONT_DESK)


def test_the_clinics_own_address_skips_the_per_client_limit_but_not_the_total(make_app):
    app = make_app(SUBMISSIONS_PER_CLIENT_PER_MINUTE=1, SUBMISSIONS_PER_MINUTE=3,
                   TABLET_CLIENT_ADDRESSES=["203.0.113.7", "2001:db8:1::/48"])
    tablet = client_from(app, "203.0.113.7")
    statuses = [tablet_submit(tablet, answers(), consent=True).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429], "the total still holds"
    assert row_count(app) == 3


def test_the_clinics_network_and_a_comma_separated_setting_are_understood(make_app):
    app = make_app(SUBMISSIONS_PER_CLIENT_PER_MINUTE=1, TABLET_CLIENT_ADDRESSES="10.20.0.0/24, 203.0.113.7")
    tablet = client_from(app, "10.20.0.9")
    assert [tablet_submit(tablet, answers(), consent=True).status_code for _ in range(3)] == [200] * 3
    patient = client_from(app, "10.20.1.9")  # outside the clinic's network: the usual limit
    assert [tablet_submit(patient, answers(), consent=True).status_code for _ in range(2)] == [200, 429]
    on_the_clinics_wifi = client_from(app, "10.20.0.10")  # the clinic's address, on the site's own form too
    statuses = [submit(on_the_clinics_wifi, answers(), consent=True, key=new_key()).status_code for _ in range(2)]
    assert statuses == [200, 200]


@pytest.mark.parametrize("setting", [
    {"TABLET_CLIENT_ADDRESSES": ["clinic.example.org"]}, {"TABLET_CLIENT_ADDRESSES": ["10.0.0.0/33"]},
    {"TABLET_CLIENT_ADDRESSES": 7}, {"TABLET_IDLE_MINUTES": 0}, {"TABLET_IDLE_MINUTES": "3"},
    {"TABLET_STILL_THERE_SECONDS": -1}, {"TABLET_IDLE_MINUTES": True},
])
def test_a_tablet_setting_that_cannot_work_stops_the_app(make_app, setting):
    with pytest.raises(ConfigurationError, match=next(iter(setting))):
        make_app(**setting)


def test_the_idle_time_and_the_question_are_settings(make_app):
    client = make_app(TABLET_IDLE_MINUTES=5, TABLET_STILL_THERE_SECONDS=30).test_client()
    page = client.get("/tablet/es/self-check").get_data(as_text=True)
    assert 'data-idle-seconds="300" data-ask-seconds="30"' in page
    assert re.search(r'<dialog id="still-there"[^>]*>\s*<h2 id="still-there-title">', page)
