"""Bad input: a clear translated error or the right status, nothing stored, never a 500."""

from __future__ import annotations

import pytest

from kinfo.selfcheck.rules import is_forbidden

from ..selfcheck_helpers import answers, form_token, new_key, row_count, submit

ARABIC_LETTER = "ش"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"adult": "maybe"}, "Choose one of the answers shown."),
        ({"self_harm": "yes"}, "Choose one of the answers shown."),
        ({"pregnant": None}, "Choose an answer to this question."),
        ({"bp_high": "yes"}, "Choose an answer to this question."),  # its follow-up now applies
        ({"bp_systolic": "abc"}, "Enter a whole number, like 120."),
        ({"bp_systolic": "12.5"}, "Enter a whole number, like 120."),
        ({"bp_systolic": "9" * 5000}, "Enter a whole number, like 120."),
        ({"bp_systolic": "-120"}, "Enter a whole number, like 120."),
        ({"bp_systolic": "49"}, "Enter a number from 50 to 300."),
        ({"bp_diastolic": "201"}, "Enter a number from 30 to 200."),
        ({"bp_systolic": "120", "bp_diastolic": "120"}, "The bottom number must be lower than the top number."),
        ({"notes": ARABIC_LETTER * 1001}, "Use 1000 characters or fewer (you used 1001)."),
        ({"notes": "a\x00b"}, "Remove invisible or special control characters from this text."),
        ({"notes": "bell\x07"}, "Remove invisible or special control characters from this text."),
        ({"notes": "evil\u202etxt.exe"}, "Remove invisible or special control characters from this text."),
        ({"notes": "isolate\u2066x\u2069"}, "Remove invisible or special control characters from this text."),
        ({"notes": "broken \ufffd text"}, "Remove invisible or special control characters from this text."),
    ],
)
def test_bad_answers_get_a_clear_message_and_store_nothing(app, client, changes, message):
    response = submit(client, answers(**changes), consent=True)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert row_count(app) == 0


def test_notes_count_characters_not_bytes(app, client):
    response = submit(client, answers(notes=ARABIC_LETTER * 1000), consent=True)  # 2,000 bytes, 1,000 chars
    assert response.status_code == 200 and row_count(app) == 1


def test_a_note_at_the_limit_with_line_breaks_is_accepted_as_the_browser_counted_it(app, client):
    """The textarea's maxlength counts a line break as one character; the browser sends it as CR LF."""
    lines = ["x" * 90] * 11  # 990 characters and 10 line breaks: 1,000 in the browser, 1,010 sent
    response = submit(client, answers(notes="\r\n".join(lines)), consent=True)
    assert response.status_code == 200 and row_count(app) == 1
    over = submit(client, answers(notes="\r\n".join(lines) + "x"), consent=True, key=new_key())
    assert over.status_code == 422 and "you used 1001" in over.get_data(as_text=True)


def test_digits_of_any_script_are_numbers(app, client):
    response = submit(client, answers(bp_systolic="١٥٠", bp_diastolic="٩٠"), consent=True)
    assert response.status_code == 200
    assert "<strong>Your blood pressure</strong>" in response.get_data(as_text=True)


def test_a_lone_surrogate_is_refused_as_text():
    assert any(map(is_forbidden, "half \ud800 a pair"))
    assert not any(map(is_forbidden, "Tiếng Việt, العربية, 简体中文\nnew line"))


@pytest.mark.parametrize(
    ("field", "sent"),
    [
        ("notes", b"a%ED%A0%80b"),  # a lone surrogate, percent-encoded
        ("notes", b"a%FFb"),  # a byte that is never UTF-8
        ("name", b"J%C0%AF"),  # an overlong encoding of "/"
        ("notes", b"a\xed\xa0\x80b"),  # raw bytes, not percent-encoded
    ],
)
def test_bytes_that_are_not_text_are_refused_beside_the_field_and_the_other_answers_kept(app, client, field, sent):
    token, key = form_token(client)
    body = (f"csrf_token={token}&idempotency_key={key}&consent=y&" + "&".join(
        f"{k}={v}" for k, v in answers(adult="no").items())).encode() + b"&" + field.encode() + b"=" + sent
    response = client.post("/en/self-check", data=body, content_type="application/x-www-form-urlencoded")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Remove invisible or special control characters from this text." in page
    assert "%ED" not in page and "%FF" not in page and "%C0" not in page
    assert 'id="adult-no" name="adult" value="no" checked' in page  # the answers are kept
    assert 'id="condition-depression" name="condition" value="depression" checked' in page
    assert 'id="consent" name="consent" value="y" checked' in page
    assert row_count(app) == 0


def test_a_repeated_field_is_refused(app, client):
    token, key = form_token(client)
    body = f"csrf_token={token}&idempotency_key={key}&consent=y&adult=no&" + "&".join(
        f"{k}={v}" for k, v in answers().items())
    response = client.post("/en/self-check", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422
    assert "answered more than once" in response.get_data(as_text=True)
    assert row_count(app) == 0


@pytest.mark.parametrize("key", ["", "not-a-uuid", "2B1C6C3E-8B44-4D4E-9A3E-0F6C1F0A1B2C", "x" * 5000])
def test_a_malformed_idempotency_key_stores_nothing(app, client, key):
    response = submit(client, answers(), consent=True, key=key or " ")
    assert response.status_code == 422 and row_count(app) == 0


def test_a_body_over_the_limit_is_413(app, client):
    token, key = form_token(client)
    response = client.post("/en/self-check", data={**answers(), "csrf_token": token, "idempotency_key": key,
                                                    "notes": "x" * 20000, "consent": "y"})
    assert response.status_code == 413
    assert "What you sent is too large" in response.get_data(as_text=True)
    assert row_count(app) == 0


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_a_wrong_method_is_405(client, method):
    assert client.open("/en/self-check", method=method).status_code == 405


def test_garbage_never_causes_a_500(app, client):
    token, key = form_token(client)
    for body in ["%", "a=%zz", "=&=&", "adult[]=yes", "\x00=\x00", "consent=" + "y" * 100]:
        response = client.post("/en/self-check", data=body, content_type="application/x-www-form-urlencoded")
        assert response.status_code < 500, body
    response = client.post("/en/self-check", data=b"\xff\xfe\x00garbage", content_type="multipart/form-data")
    assert response.status_code < 500
    assert row_count(app) == 0
