"""The self-check: in every language, it shows what to talk about (never a verdict), crisis help first,
keeps answers on errors, and stores nothing without consent."""

from __future__ import annotations

import json
import logging
import re

import pytest
from flask_babel import force_locale, gettext

from ..pages import english_left_in, visible_text
from ..selfcheck_helpers import answers, form_token, new_key, reference_in, row_count, submit


def test_the_form_renders_in_every_language_with_every_question(client, language):
    response = client.get(f"/{language.url_tag}/self-check")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert f'<html lang="{language.tag}" dir="{language.direction}"' in page
    for name in ("adult", "pregnant", "bp_treated", "bp_systolic", "self_harm", "notes", "consent"):
        assert f'name="{name}"' in page
    consent = re.search(r'<input type="checkbox" id="consent" name="consent" value="y"[^>]*>', page).group(0)
    assert "checked" not in consent, "consent is never ticked for the patient"
    if language.tag != "en":
        assert english_left_in(page, language.tag) == []


def test_the_self_harm_question_carries_crisis_help_without_submitting(client):
    """Its own help block: the buttons (call, text, emergency) and a word that the clinic cannot help at once."""
    page = client.get("/en/self-check").get_data(as_text=True)
    question = page[page.index('id="q-self_harm"'):page.index('id="q-ride_home"')]
    assert 'href="tel:988"' in question and 'href="sms:988"' in question and 'href="tel:911"' in question
    assert "Your clinic does not read these answers right away." in question
    assert question.count('class="crisis-card"') == 0, "the question's own block, not a second card"


def test_why_we_ask_links_to_the_article_section(client):
    page = client.get("/es/self-check").get_data(as_text=True)
    assert 'href="/es/#who-should-not"' in page and 'href="/es/#before-your-visit"' in page


@pytest.mark.parametrize("consent", [False, True])
def test_the_outcome_shows_whether_or_not_anything_is_sent(app, client, consent):
    response = submit(client, answers(pregnant="yes", ride_home="no"), consent=consent)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    text = visible_text(response.get_data(as_text=True))
    assert "Before an infusion, talk with your care team about: Pregnancy Ketamine is not advised" in text
    assert "Plan a ride home." in text
    assert "Only your care team can decide whether this treatment is right for you." in text
    assert "eligible" not in text.lower()
    assert row_count(app) == (1 if consent else 0)
    assert (reference_in(response.get_data(as_text=True)) is not None) is consent


def test_an_unchecked_consent_box_stores_nothing_even_with_a_name(app, client):
    response = submit(client, answers(), name="Ana", phone="555 0101")
    assert response.status_code == 200
    assert "Nothing was stored." in visible_text(response.get_data(as_text=True))
    assert row_count(app) == 0


def test_every_outcome_renders_in_every_language(app, client, language):
    data = answers(adult="no", pregnant="unsure", bp_high="yes", bp_treated="unsure", condition="other",
                   antidepressants_tried="0", medicines="yes", self_harm="sometimes", ride_home="unsure",
                   bp_systolic="150", bp_diastolic="100")
    response = submit(client, data, lang=language.url_tag, consent=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.index('class="crisis-card"') < page.index("<h1>") < page.index('class="outcome'), "crisis first"
    assert page.count("<li><strong>") == 5, "one line per topic to talk about"
    assert 'class="crisis"' not in page and page.count('class="crisis-card"') == 1, "one crisis element on the page"
    assert reference_in(page)
    if language.tag != "en":
        assert english_left_in(page, language.tag) == []


def test_the_page_around_each_outcome_is_in_that_pages_language_whatever_was_shown_before(client):
    """The frame of the result page is rendered once per language and reused: it must never leak."""
    for language, start_again in (("en", "Start a new self-check"), ("ar", None), ("en", "Start a new self-check"),
                                  ("es", None)):
        page = submit(client, answers(), lang=language).get_data(as_text=True)
        assert page.count("<html ") == 1 and page.count("</html>") == 1
        assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}"' in page
        assert f'action="/{language}/self-check/new"' in page
        assert (start_again in page) if start_again else ("Start a new self-check" not in page)
        if language != "en":
            assert english_left_in(page, language) == []


EVERYTHING_FLAGGED = answers(
    adult="no", pregnant="yes", breastfeeding="yes", bp_high="yes", bp_treated="no", heart="yes",
    thyroid_overactive="yes", thyroid_treated="no", condition="other", antidepressants_tried="0", psychosis="yes",
    mania="yes", substance="yes", head_eye_pressure="yes", seizures="yes", liver="yes", bladder="yes",
    ketamine_reaction="yes", medicines="yes", ride_home="no")


@pytest.mark.parametrize("self_harm", ["sometimes", "prefer_not", "plan"])
def test_every_flag_and_crisis_variant_renders_in_every_language(client, language, self_harm):
    response = submit(client, {**EVERYTHING_FLAGGED, "self_harm": self_harm}, lang=language.url_tag)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count("<li><strong>") == 16, "every DISCUSS item is listed, once per topic"
    assert ('class="urgent"' in page) is (self_harm == "plan")
    if language.tag != "en":
        assert english_left_in(page, language.tag) == []


def test_a_plan_shows_the_emergency_number_before_anything_else(client):
    page = submit(client, answers(self_harm="plan")).get_data(as_text=True)
    crisis = page[page.index('class="crisis-card"'):]
    emergency = 'Call <a href="tel:911"><bdi dir="ltr">911</bdi></a> or go to the nearest emergency department now.'
    assert crisis.index(emergency) < crisis.index('href="tel:911"><') < crisis.index('href="tel:988"')


def test_thoughts_without_a_plan_put_the_crisis_line_before_the_emergency_number(client):
    page = submit(client, answers(self_harm="sometimes")).get_data(as_text=True)
    crisis = page[page.index('class="crisis-card"'):page.index("</section>", page.index('class="crisis-card"'))]
    assert "emergency department now" not in crisis
    assert crisis.index('href="tel:988"') < crisis.index('href="sms:988"') < crisis.index('href="tel:911"')
    assert "Your clinic does not read these answers right away." in crisis


def test_errors_follow_the_gov_uk_pattern_and_keep_the_answers(client, language):
    language_tag = language.url_tag
    response = submit(client, answers(pregnant=None, bp_systolic="abc", notes="keep me"), lang=language_tag)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert page.index('class="error-summary"') < page.index("<form")
    assert 'href="#pregnant-yes"' in page and 'href="#bp_systolic"' in page
    assert 'id="pregnant-error"' in page and 'id="bp_systolic-error"' in page
    assert 'value="abc"' in page and "keep me</textarea>" in page
    assert re.search(r'id="adult-yes" name="adult" value="yes" checked', page)
    with client.application.test_request_context(), force_locale(language.babel_locale):
        expected_title = gettext("Error: %(title)s", title=gettext("Pre-visit self-check"))
    assert title.strip().startswith(expected_title), "the page title says there is an error"
    if language_tag == "en":
        assert "Choose an answer to this question." in page and "Enter a whole number, like 120." in page
    else:
        assert english_left_in(page, language.tag) == []


def test_a_stale_csrf_token_re_renders_the_form_with_answers_and_stores_nothing(app, client):
    _token, key = form_token(client)
    response = client.post("/en/self-check", data={**answers(notes="still here"), "csrf_token": "stale",
                                                    "idempotency_key": key, "consent": "y"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This page was open for a long time" in page and "still here</textarea>" in page
    assert re.search(r'name="csrf_token" type="hidden" value="[^"]{20,}"', page), "a fresh token to try again"
    assert row_count(app) == 0
    again_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    retry = client.post("/en/self-check", data={**answers(notes="still here"), "csrf_token": again_token,
                                                 "idempotency_key": key, "consent": "y"})
    assert retry.status_code == 200 and row_count(app) == 1


def test_a_missing_session_is_handled_like_a_stale_token(app):
    client = app.test_client()
    token, key = form_token(client)
    fresh = app.test_client()  # another browser: no session cookie
    response = fresh.post("/en/self-check", data={**answers(), "csrf_token": token, "idempotency_key": key})
    assert response.status_code == 422 and row_count(app) == 0


def test_the_same_key_twice_gives_one_row_and_the_same_reference(app, client):
    key = new_key()
    first = reference_in(submit(client, answers(), consent=True, key=key).get_data(as_text=True))
    second = reference_in(submit(client, answers(), consent=True, key=key).get_data(as_text=True))
    assert first and first == second
    assert row_count(app) == 1
    assert not re.search(r"[01258BILOSZ]", first.replace("-", "")), "no look-alike characters"


def test_the_same_key_with_other_answers_is_refused_with_a_way_to_start_a_new_self_check(app, client):
    _, key = form_token(client)
    submit(client, answers(), consent=True, key=key)
    response = submit(client, answers(liver="yes"), consent=True, key=key)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "start a new self-check" in visible_text(page)
    assert row_count(app) == 1
    summary = page[page.index('class="error-summary"'):page.index("</div>", page.index('class="error-summary"'))]
    assert re.search(r'<form method="post" action="/en/self-check/new">\s*<button type="submit"[^>]*>'
                     r"Start a new self-check</button>", summary)
    assert client.post("/en/self-check/new").status_code == 200
    again = submit(client, answers(liver="yes"), consent=True)
    assert again.status_code == 200 and reference_in(again.get_data(as_text=True))
    assert row_count(app) == 2


def test_each_item_to_talk_about_says_why_and_links_to_the_article(client):
    page = submit(client, answers(pregnant="yes", medicines="yes")).get_data(as_text=True)
    items = re.findall(r"<li><strong>(.*?)</strong>(.*?)</li>", page, re.S)
    assert len(items) == 2
    pregnancy = next(rest for text, rest in items if text == "Pregnancy")
    assert "Ketamine is not advised during pregnancy" in pregnancy
    assert '<a href="/en/#who-should-not">Read more: Who should not have it?</a>' in pregnancy
    medicines = next(rest for text, rest in items if text.startswith("Your medicines"))
    assert '<a href="/en/#' in medicines and "Read more: " in medicines


def test_the_consent_box_names_the_clinic(make_app):
    page = make_app(CLINIC_NAME="Harbour Clinic").test_client().get("/en/self-check").get_data(as_text=True)
    label = re.search(r'<label for="consent">(.*?)</label>', page, re.S).group(1)
    assert label == "Send my answers to <bdi>Harbour Clinic</bdi> so my care team can read them before my visit."


@pytest.mark.parametrize("value", ["0", "on", "yes", "false", "Y"])
def test_only_the_consent_box_itself_counts_as_consent(app, client, value):
    token, key = form_token(client)
    response = client.post("/en/self-check", data={**answers(), "csrf_token": token, "idempotency_key": key,
                                                   "consent": value})
    assert response.status_code == 200
    assert "Nothing was stored." in visible_text(response.get_data(as_text=True))
    assert row_count(app) == 0


def test_the_blood_pressure_reading_says_why_we_ask_and_links_to_the_article(client):
    page = client.get("/en/self-check").get_data(as_text=True)
    why = re.search(r'<details class="why" id="bp_reading-why">(.*?)</details>', page, re.S).group(1)
    assert "<summary>Why we ask</summary>" in why and "If you know your last reading, it helps your care team." in why
    assert '<a href="/en/#who-should-not">' in why
    reading = re.search(r'<fieldset aria-describedby="bp_reading-hint bp_reading-why">\s*<legend>(.*?)</legend>', page)
    assert reading.group(1) == "Your last blood pressure reading (optional)", "the reading's label, said once"
    assert '<label for="bp_systolic">Top number</label>' in page
    assert '<label for="bp_diastolic">Bottom number</label>' in page


def test_the_form_reuses_its_key_until_the_patient_starts_again(client):
    _, first = form_token(client)
    _, again = form_token(client)
    assert first == again
    result = submit(client, answers()).get_data(as_text=True)
    start_again = re.search(r'<form method="post" action="([^"]+)" class="no-print">(.*?)</form>', result, re.S)
    assert start_again.group(1) == "/en/self-check/new"
    assert "<input" not in start_again.group(2), "nothing to go stale: a result left open for hours still works"
    assert client.post(start_again.group(1)).status_code == 200
    _, fresh = form_token(client)
    assert fresh != first


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://elsewhere.example"},
                                     {"Sec-Fetch-Site": "same-site", "Origin": "https://other.localhost"}])
def test_another_site_cannot_make_the_form_start_again(client, headers):
    _, key = form_token(client)
    response = client.post("/en/self-check/new", headers=headers)
    assert response.status_code == 303 and response.headers["Location"] == "/en/self-check"
    assert form_token(client)[1] == key


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
                                     {"Origin": "http://localhost"}, {},
                                     # TLS ended at a proxy the app was not told to trust: the browser's word
                                     {"Sec-Fetch-Site": "same-origin", "Origin": "https://localhost"}])
def test_our_own_pages_can_always_start_again(client, headers):
    _, key = form_token(client)
    assert client.post("/en/self-check/new", headers=headers).status_code == 200
    assert form_token(client)[1] != key


def test_answers_never_appear_in_a_cookie_url_or_log_line(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    response = submit(client, answers(pregnant="yes", notes="secret-note-123"), consent=True, name="Zed Q")
    assert response.status_code == 200
    serializer = app.session_interface.get_signing_serializer(app)
    cookies = list(client._cookies.values())
    assert cookies, "the form keeps its CSRF token and key in the session"
    for cookie in cookies:
        session = serializer.loads(cookie.value)
        assert set(session) <= {"csrf_token", "selfcheck_key"}
        assert "secret-note" not in json.dumps(session) and "Zed" not in json.dumps(session)
    assert "secret-note" not in caplog.text and "Zed Q" not in caplog.text
    assert "secret-note" not in response.headers.get("Location", "")


def test_a_clinic_can_leave_out_questions_that_are_not_from_the_article(make_app):
    app = make_app(SELF_CHECK_OFF=["liver", "bladder"], SELF_CHECK_BP_THRESHOLD=[130, 80])
    client = app.test_client()
    page = client.get("/en/self-check").get_data(as_text=True)
    assert 'name="liver"' not in page and 'name="bladder"' not in page and 'name="pregnant"' in page
    response = submit(client, answers(liver=None, bladder=None, bp_systolic="135"))
    assert response.status_code == 200
    assert "<strong>Your blood pressure</strong>" in response.get_data(as_text=True)


@pytest.mark.parametrize("threshold", ["130/80", ["130", "80"], [130], [130, 80, 70], [80, 130], [130, True],
                                       [400, 90], None])
def test_a_blood_pressure_threshold_that_is_not_one_stops_the_app_at_start(make_app, threshold):
    from kinfo.core.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="SELF_CHECK_BP_THRESHOLD"):
        make_app(SELF_CHECK_BP_THRESHOLD=threshold)


def test_an_article_question_cannot_be_switched_off(make_app):
    from kinfo.core.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="article"):
        make_app(SELF_CHECK_OFF=["pregnant"])
