"""Crisis first: help comes before anything else on the page, whatever else is missing or refused, and a
failure to store never hides it. The crisis lines speak the page's language."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from ..pages import visible_text
from ..selfcheck_helpers import answers, form_token, new_key, row_count, submit


def post(client, data: dict, lang: str = "en"):
    token, key = form_token(client, lang)
    return client.post(f"/{lang}/self-check", data={"csrf_token": token, "idempotency_key": key, **data})


@pytest.mark.parametrize("answer", ["plan", "sometimes", "prefer_not"])
def test_a_patient_who_answers_only_the_self_harm_question_sees_crisis_help_before_any_error(app, client, answer):
    response = post(client, {"self_harm": answer})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert page.index('class="crisis-card"') < page.index('class="error-summary"') < page.index("<form")
    assert 'class="crisis"' not in page, "the card takes the place of the crisis line: one crisis element"
    assert ("emergency department now" in page) is (answer == "plan")
    assert 'id="self_harm-plan" name="self_harm" value="plan"' in page or answer != "plan"
    assert re.search(rf'value="{answer}" checked', page), "the answer is kept"
    assert row_count(app) == 0


def test_crisis_help_comes_first_also_when_the_page_was_open_too_long(app, client):
    response = client.post("/en/self-check", data={"self_harm": "plan", "csrf_token": "stale", "notes": "kept"})
    page = response.get_data(as_text=True)
    assert page.index('class="crisis-card"') < page.index("open for a long time") and "kept</textarea>" in page


def test_the_card_says_the_clinic_does_not_read_answers_right_away(client):
    page = visible_text(submit(client, answers(self_harm="sometimes"), consent=True, key=new_key()).get_data(
        as_text=True))
    assert page.count("Your clinic does not read these answers right away.") == 2  # the card and the "sent" note
    assert page.index("Please get support now") < page.index("Your answers were sent")


INTERPRETER = ("On a call, say the name of your language in English: “%(english_name)s”. An interpreter can join "
               "the call.")
PRESS = "When the call is answered, press %(option)s to talk in your language."
TEXT_ONLY_IN = "Text messages to this line are answered only in %(text_languages)s."


@pytest.mark.parametrize(("tag", "text_link", "button", "name", "guidance"), [
    ("en", 'href="sms:988"', 'Text <bdi dir="ltr">988</bdi>', "988 Suicide &amp; Crisis Lifeline", []),
    ("es", 'href="sms:988?body=AYUDA"', "AYUDA", "988 Línea de Prevención del Suicidio y Crisis",
     [(PRESS, {"option": "2"})]),
    ("vi", None, None, "988 Suicide &amp; Crisis Lifeline",
     [(INTERPRETER, {"english_name": "Vietnamese"}), (TEXT_ONLY_IN, {"text_languages": "English, Español"})]),
    ("ar", None, None, "988 Suicide &amp; Crisis Lifeline",
     [(INTERPRETER, {"english_name": "Arabic"}), (TEXT_ONLY_IN, {"text_languages": "English, Español"})]),
    ("zh-hans", None, None, "988 Suicide &amp; Crisis Lifeline", [(INTERPRETER, {"english_name": "Mandarin Chinese"})]),
])
def test_the_crisis_buttons_follow_each_languages_guidance(app, client, tag, text_link, button, name, guidance):
    """988 texts back in English, and in Spanish to the word AYUDA; other languages call and get an interpreter,
    and are told that text messages are answered only in English and Spanish."""
    from flask_babel import force_locale, gettext
    from markupsafe import escape

    from kinfo.core.i18n import BY_URL_TAG

    page = submit(client, answers(self_harm="sometimes"), lang=tag).get_data(as_text=True)
    card = page[page.index('class="crisis-card"'):page.index("</section>", page.index('class="crisis-card"'))]
    assert card.index('href="tel:988"') < card.index('href="tel:911"'), "thoughts without a plan: 988 first"
    assert (text_link in card and button in card) if text_link else ('href="sms:' not in card)
    assert f"<bdi>{name}</bdi>" in card
    with app.test_request_context(), force_locale(BY_URL_TAG[tag].babel_locale):
        for message, values in guidance:
            assert str(escape(gettext(message, **values))) in card


def test_a_clinic_in_the_uk_gets_its_own_lines_and_guidance(make_app):
    page = submit(make_app(CRISIS_REGION="UK").test_client(), answers(self_harm="sometimes")).get_data(as_text=True)
    card = page[page.index('class="crisis-card"'):]
    assert 'href="tel:111"' in card and 'href="tel:116123"' in card and 'href="tel:999"' in card
    assert "choose option 2 for mental health" in card and 'href="sms:' not in card


def hold_the_write_lock(instance: Path) -> sqlite3.Connection:
    """Another program holding the database's write lock (BEGIN IMMEDIATE), as a long purge might."""
    holder = sqlite3.connect(instance / "kinfo.sqlite3", isolation_level=None, timeout=1)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_database_locked_past_its_timeout_gives_the_outcome_crisis_first_and_stores_nothing(make_app, tmp_path):
    app = make_app(SQLITE_BUSY_TIMEOUT=0.2)
    client = app.test_client()
    token, key = form_token(client)
    holder = hold_the_write_lock(tmp_path / "instance")
    try:
        response = client.post("/en/self-check", data={**answers(self_harm="plan", pregnant="yes", notes="kept"),
                                                       "csrf_token": token, "idempotency_key": key, "consent": "y"})
    finally:
        holder.rollback()
        holder.close()
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    text = visible_text(page)
    assert text.index("Please get support now") < text.index("We could not send your answers. Nothing was stored.")
    assert "Show this page at your visit, or try again later" in text and "<strong>Pregnancy</strong>" in page
    assert 'name="notes" value="kept"' in page, "the answers are kept in the page, ready to send again"
    assert row_count(app) == 0
    again = client.post("/en/self-check", data={**answers(self_harm="plan", pregnant="yes", notes="kept"),
                                                "csrf_token": token, "idempotency_key": key, "consent": "y"})
    assert again.status_code == 200 and row_count(app) == 1, "once the lock is gone, sending again works"


def test_the_phones_replay_gets_503_json_while_the_database_is_locked(make_app, tmp_path):
    app = make_app(SQLITE_BUSY_TIMEOUT=0.2)
    client = app.test_client()
    holder = hold_the_write_lock(tmp_path / "instance")
    try:
        response = client.post("/en/self-check/submissions", json={
            "idempotency_key": new_key(), "answers": answers(self_harm="plan"), "consent": True},
            headers={"Sec-Fetch-Site": "same-origin"})
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 503 and response.is_json and response.headers["Retry-After"] == "60"
    assert response.json["error"] == "We could not send your answers. Nothing was stored."
    assert row_count(app) == 0


def test_change_brings_the_answers_back_to_the_form_and_send_needs_the_box(app, client):
    result = submit(client, answers(pregnant="yes", notes="my note")).get_data(as_text=True)
    change = re.search(r'<form id="change-answers" method="post" action="([^"]+)">(.*?)</form>', result, re.S)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', change.group(2)))
    assert fields["pregnant"] == "yes" and fields["notes"] == "my note" and "csrf_token" in fields
    assert 'formaction="/en/self-check/change#q-pregnant"' in result
    form = client.post(change.group(1), data=fields).get_data(as_text=True)
    assert 'value="yes" checked' in form and "my note</textarea>" in form and "There is a problem" not in form
    send = re.search(r'<form method="post" action="/en/self-check" class="send-answers no-print" novalidate id="send">'
                     r"(.*?)</form>", result, re.S).group(1)
    sent = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', send))
    refused = client.post("/en/self-check", data=sent)
    assert refused.status_code == 422 and "To send your answers, tick the box first." in refused.get_data(as_text=True)
    assert row_count(app) == 0
    stored = client.post("/en/self-check", data={**sent, "consent": "y"})
    assert stored.status_code == 200 and row_count(app) == 1
    assert "Your answers were sent to" in visible_text(stored.get_data(as_text=True))
