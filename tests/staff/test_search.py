"""Finding a self-check by the reference code a patient reads out at the desk."""

from __future__ import annotations

import re

import pytest

from kinfo.selfcheck import storage as submissions
from kinfo.selfcheck.storage import REFERENCE_ALPHABET
from kinfo.staff.search import LOOK_ALIKES

from ..selfcheck_helpers import answers, new_key
from ..staff_helpers import make_account, sign_in


def _store_with(app, monkeypatch, reference: str) -> str:
    monkeypatch.setattr(submissions, "new_reference", lambda: reference)
    with app.app_context():
        return submissions.store(idempotency_key=new_key(), answers=answers(), outcome_codes=[], urgency="none",
                                 language="en", contact=None)


def _found(client, typed: str) -> list[str]:
    page = client.get("/staff/", query_string={"q": typed}).get_data(as_text=True)
    return sorted(set(re.findall(r'/staff/submissions/([A-Z0-9-]+)"', page)))


@pytest.fixture
def desk(app, client, monkeypatch):
    for reference in ("KM4P-7QXA", "KM4P-7DXA", "HT9C-WEFR", "ACDE-FGHJ"):
        _store_with(app, monkeypatch, reference)
    make_account(app)
    sign_in(client)
    return client


def test_look_alikes_point_only_into_the_alphabet():
    for typed, meant in LOOK_ALIKES.items():
        assert typed not in REFERENCE_ALPHABET and meant and all(char in REFERENCE_ALPHABET for char in meant)


@pytest.mark.parametrize("typed", ["HT9C-WEFR", "ht9cwefr", " ht9c wefr ", "HT9C—WEFR", "ht-9c-we-fr", "HT9C.WEFR"])
def test_case_spaces_and_dashes_do_not_matter(desk, typed):
    assert _found(desk, typed) == ["HT9C-WEFR"]


def test_an_unambiguous_look_alike_is_read_as_the_only_code_character_it_resembles(desk):
    assert _found(desk, "ACDE F6HJ") == ["ACDE-FGHJ"]  # a 6 can only be a G


def test_an_ambiguous_look_alike_lists_every_match_rather_than_picking_one(desk):
    # An O (or a zero) could be D or Q: both patients are listed, so staff check with the person in front of them.
    assert _found(desk, "km4p 7oxa") == ["KM4P-7DXA", "KM4P-7QXA"]
    assert _found(desk, "KM4P-70XA") == ["KM4P-7DXA", "KM4P-7QXA"]
    assert _found(desk, "KM4P-7QXA") == ["KM4P-7QXA"]
    assert _found(desk, "H19C") == ["HT9C-WEFR"]  # a 1 could be J, T or 7: only one code has any of them there


def test_the_first_half_read_out_is_enough_to_list_candidates(desk):
    assert _found(desk, "km4p") == ["KM4P-7DXA", "KM4P-7QXA"]
    assert _found(desk, "wefr") == ["HT9C-WEFR"]


@pytest.mark.parametrize(("typed", "message"), [
    ("KM8P-7QXA", "“8” is never part of a reference code"),
    ("KM", "8 letters and digits"),
    ("KM4P-7QXA-KM4P", "8 letters and digits"),
    ("OOOO-OOOO", "Too many characters could be read more than one way"),
])
def test_a_code_that_cannot_be_says_why_and_finds_nothing(desk, typed, message):
    page = desk.get("/staff/", query_string={"q": typed}).get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page
    assert re.findall(r'/staff/submissions/([A-Z0-9-]+)"', page) == []


def test_a_search_is_audited_and_exports_follow_it(app, desk):
    from sqlalchemy import select

    from kinfo.core.models import AuditEvent

    csv = desk.get("/staff/export.csv", query_string={"q": "ht9c wefr"}).get_data(as_text=True)
    assert "HT9C-WEFR" in csv and "KM4P" not in csv
    desk.get("/staff/", query_string={"q": "ht9c wefr"})
    with app.extensions["kinfo_sessionmaker"]() as session:
        targets = [e.target for e in session.scalars(select(AuditEvent).where(AuditEvent.action == "list"))]
    assert any('"q": "ht9c wefr"' in target for target in targets)
