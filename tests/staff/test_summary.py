"""The detail page opens with a clinical summary in staff wording; staff pages are for staff (no patient
crisis box or footer, a tappable phone number, times in the clinic's own time zone)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from kinfo.core.config import ConfigurationError
from kinfo.selfcheck import storage as submissions
from kinfo.selfcheck.questions import QUESTIONS, READINGS
from kinfo.selfcheck.rules import Level

from ..pages import visible_text
from ..selfcheck_helpers import answers, new_key, reference_in, submit
from ..staff_helpers import make_account, sign_in

FLAGGED = [(question, answer) for question in QUESTIONS for answer in question.flags]


def _send(app, lang: str = "en", name: str | None = None, phone: str | None = None, **changes) -> str:
    """A consented self-check sent through the real form; its reference code."""
    extra = {key: value for key, value in (("name", name), ("phone", phone)) if value is not None}
    response = submit(app.test_client(), answers(**changes), lang=lang, consent=True, key=new_key(), **extra)
    reference = reference_in(response.get_data(as_text=True))
    assert reference, "the self-check was stored"
    return reference


def _summary(page: str) -> list[str]:
    section = re.search(r'<section class="clinical-summary".*?</section>', page, re.S).group(0)
    return [" ".join(visible_text(item).split()) for item in re.findall(r"<li.*?</li>", section, re.S)]


def _answers_for(question, answer) -> dict:
    changes = {question.id: answer}
    if question.follows:  # a follow-up applies only after its parent's first triggering answer
        changes[question.follows[0]] = question.follows[1][0]
    return changes


def test_every_flagged_answer_has_staff_wording_in_the_table():
    for question, answer in FLAGGED:
        assert str(question.staff.get(answer, "")).strip(), f"{question.id}:{answer} has no staff wording"
        assert str(question.staff[answer]) != str(question.flags[answer].text), "staff wording is not the patient's"
    for reading in READINGS:
        assert "%(reading)s" in str(reading.staff) and "%(threshold)s" in str(reading.staff)


@pytest.mark.parametrize(("question", "answer"), FLAGGED, ids=[f"{q.id}:{a}" for q, a in FLAGGED])
def test_the_summary_says_each_flag_in_staff_wording_not_the_patients_sentence(app, client, question, answer):
    reference = _send(app, **_answers_for(question, answer))
    make_account(app)
    sign_in(client)
    page = client.get(f"/staff/submissions/{reference}").get_data(as_text=True)
    lines = _summary(page)
    flag = question.flags[answer]
    with app.test_request_context():
        expected = str(question.staff[answer])
        patient_sentence = str(flag.text)
    assert any(line.endswith(expected) for line in lines), (expected, lines)
    assert patient_sentence not in visible_text(page)
    word = {Level.CRISIS: "Urgent", Level.DISCUSS: "To discuss", Level.INFO: "For information"}[flag.level]
    assert f"{word} {expected}" in lines


def test_the_summary_is_ordered_by_urgency_and_urgent_is_said_in_words_and_an_icon(app, client):
    reference = _send(app, ride_home="no", pregnant="unsure", self_harm="plan", medicines="yes")
    make_account(app)
    sign_in(client)
    page = client.get(f"/staff/submissions/{reference}").get_data(as_text=True)
    assert _summary(page) == [
        "Urgent Thoughts of death or self-harm, with a plan — crisis help shown",
        "To discuss Pregnancy: not sure",
        "To discuss Takes opioids / benzodiazepines / gabapentinoids / MAOIs / stimulants — see notes",
        "For information No adult to take them home",
    ]
    urgent = re.search(r'<li class="level-crisis">.*?</li>', page, re.S).group(0)
    assert 'class="urgent-icon" aria-hidden="true"' in urgent
    # The summary comes first; the full answers follow it.
    assert page.index("clinical-summary") < page.index("Received (") < page.index('class="answers"')


def test_a_high_reading_is_compared_with_the_clinics_threshold(make_app):
    app = make_app(SELF_CHECK_BP_THRESHOLD=[150, 95])
    client = app.test_client()
    reference = _send(app, bp_high="yes", bp_treated="no", bp_systolic="165", bp_diastolic="102", liver="yes")
    make_account(app)
    sign_in(client)
    lines = _summary(client.get(f"/staff/submissions/{reference}").get_data(as_text=True))
    assert lines == ["To discuss High blood pressure (known or possible), not under control",
                     "To discuss BP 165/102 (threshold 150/95)", "To discuss Liver disease"]
    reading_only = _send(app, bp_systolic="165", bp_diastolic="102")
    lines = _summary(client.get(f"/staff/submissions/{reading_only}").get_data(as_text=True))
    assert lines == ["To discuss BP 165/102 (threshold 150/95)"]


def test_a_code_the_table_no_longer_knows_is_listed_never_dropped(app, client):
    with app.app_context():
        reference = submissions.store(idempotency_key=new_key(), answers=answers(), outcome_codes=["retired:yes"],
                                      urgency="discuss", language="en", contact=None)
    make_account(app)
    sign_in(client)
    lines = _summary(client.get(f"/staff/submissions/{reference}").get_data(as_text=True))
    assert lines == ["To discuss Unrecognised item: retired:yes"]


def test_the_summary_renders_in_every_shipped_language(app, client, language):
    reference = _send(app, self_harm="sometimes", bp_systolic="170", bp_diastolic="100", condition="other")
    make_account(app, language=language.url_tag)
    sign_in(client)
    response = client.get(f"/staff/submissions/{reference}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{language.tag}" dir="{language.direction}"' in page
    lines = _summary(page)
    assert len(lines) == 3 and all(lines) and "170/100" in lines[1]


def test_staff_pages_carry_no_patient_crisis_box_or_footer(app, client):
    reference = _send(app, self_harm="plan")
    make_account(app)
    assert 'class="crisis"' not in client.get("/staff/login").get_data(as_text=True)
    sign_in(client)
    for path in ("/staff/", f"/staff/submissions/{reference}"):
        page = client.get(path).get_data(as_text=True)
        assert 'class="crisis"' not in page and 'class="site-footer"' not in page, path
        assert "Sign out" in page


def test_the_phone_is_a_tel_link_and_times_are_in_the_clinics_zone(make_app):
    app = make_app(CLINIC_TIME_ZONE="America/Chicago")
    client = app.test_client()
    reference = _send(app, name="Ana", phone="+1 (555) 010-0199")
    make_account(app)
    sign_in(client)
    page = client.get(f"/staff/submissions/{reference}").get_data(as_text=True)
    assert '<a href="tel:+15550100199" dir="ltr"><bdi>+1 (555) 010-0199</bdi></a>' in page
    assert "Received (America/Chicago)" in page and "(UTC)" not in page
    with app.app_context():
        from flask_babel import force_locale

        from kinfo.staff.clinic_time import clinic_datetime
        with app.test_request_context(), force_locale("en"):
            assert clinic_datetime(datetime(2026, 1, 5, 15, 30, tzinfo=UTC), "short") == "1/5/26, 9:30\u202fAM"
    listing = client.get("/staff/").get_data(as_text=True)
    assert "Received (America/Chicago)" in listing and re.search(r"\d+ seconds? ago", listing)


@pytest.mark.parametrize("zone", ["CST", "GMT+1", "", " Europe/Berlin", "../etc/passwd", 5])
def test_a_time_zone_that_is_not_an_iana_name_stops_the_app(make_app, zone):
    with pytest.raises(ConfigurationError, match="CLINIC_TIME_ZONE"):
        make_app(CLINIC_TIME_ZONE=zone)
