"""Characters that show nothing, or change how the text around them shows, are made visible to staff: on
the staff pages as highlighted codes, and as the same marks in the CSV and FHIR exports."""

from __future__ import annotations

import csv
import io

import pytest

from kinfo.selfcheck import storage
from kinfo.staff.invisible import is_hidden, marked

from ..selfcheck_helpers import answers, new_key
from ..staff_helpers import make_account, sign_in

# One of each kind a patient's phone, a copy-paste or a hostile sender could put into free text.
HIDDEN = {
    "\u202e": "right-to-left override", "\u2066": "left-to-right isolate", "\u200b": "zero-width space",
    "\u200d": "zero-width joiner", "\u2060": "word joiner", "\ufeff": "byte-order mark", "\u00ad": "soft hyphen",
    "\U000e0041": "tag latin capital a", "\U000e007f": "cancel tag", "\ufff9": "interlinear annotation anchor",
    "\u034f": "combining grapheme joiner", "\u3164": "hangul filler", "\u115f": "hangul choseong filler",
    "\ufe0f": "variation selector 16", "\U000e0100": "variation selector 17", "\u180e": "mongolian vowel separator",
    "\u2800": "braille blank", "\u2028": "line separator", "\u2029": "paragraph separator", "\x07": "bell",
    "\ue000": "private use",
}
VISIBLE = "Ana, ñ, الألم, 简体, Tiếng Việt, no\u00a0break, wide\u3000space, two\nlines, é (e\u0301)"


@pytest.mark.parametrize(("char", "name"), HIDDEN.items())
def test_each_hidden_kind_is_marked(char, name):
    assert is_hidden(char), name
    assert marked(f"a{char}b") == f"a⟨U+{ord(char):04X}⟩b"


def test_ordinary_text_in_every_script_is_left_as_typed():
    assert not any(is_hidden(char) for char in VISIBLE)
    assert marked(VISIBLE) == VISIBLE


@pytest.fixture
def signed_in_with_hidden_text(app, client):
    """A stored self-check whose notes and name hold every hidden kind: the form refuses such text, so it is
    stored directly, as older or imported data might be."""
    note = "call me " + "".join(f"[{char}]" for char in HIDDEN)
    with app.app_context():
        reference = storage.store(idempotency_key=new_key(), answers={**answers(), "notes": note}, outcome_codes=[],
                                  urgency="none", language="en",
                                  contact={"name": "Ana\u202eevil", "phone": "+1\u200b555"})
    make_account(app)
    sign_in(client)
    return client, reference


def test_the_staff_page_shows_every_hidden_character_as_a_code(signed_in_with_hidden_text):
    client, reference = signed_in_with_hidden_text
    page = client.get(f"/staff/submissions/{reference}").get_data(as_text=True)
    for char in HIDDEN:
        assert char not in page
        assert f'<span class="control">⟨U+{ord(char):04X}⟩</span>' in page
    assert "Ana<span class=\"control\">⟨U+202E⟩</span>evil" in page


def test_the_csv_and_fhir_exports_carry_the_same_marks(signed_in_with_hidden_text):
    client, reference = signed_in_with_hidden_text
    body = client.get("/staff/export.csv").data.decode("utf-8").lstrip("\ufeff")
    (row,) = list(csv.DictReader(io.StringIO(body)))
    fhir = client.get(f"/staff/fhir/QuestionnaireResponse/{reference}").get_json()
    (notes,) = [item["answer"][0]["valueString"] for item in fhir["item"] if item["linkId"] == "notes"]
    for text in (row["notes"], notes):
        for char in HIDDEN:
            assert char not in text and f"[⟨U+{ord(char):04X}⟩]" in text
    assert row["name"] == "Ana⟨U+202E⟩evil" and row["phone"] == "'+1⟨U+200B⟩555"
