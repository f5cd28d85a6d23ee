"""Follow-up: a status per self-check with who and when, an encrypted staff note, every change audited; the
list filters by status, pages through every match and keeps urgent new self-checks in sight."""

from __future__ import annotations

import re

from sqlalchemy import select, text

from kinfo.core.encryption import rotate
from kinfo.core.models import AuditEvent, Submission
from kinfo.selfcheck import storage as submissions

from ..pages import visible_text
from ..selfcheck_helpers import answers, new_key
from ..staff_helpers import make_account, page_token, sign_in


def _store(app, urgency: str = "none", outcome: list | None = None, contact: dict | None = None) -> str:
    with app.app_context():
        return submissions.store(idempotency_key=new_key(), answers=answers(), outcome_codes=outcome or [],
                                 urgency=urgency, language="en", contact=contact)


def _save(client, reference: str, **form):
    token = page_token(client, f"/staff/submissions/{reference}")
    return client.post(f"/staff/submissions/{reference}/follow-up", data={"csrf_token": token, **form})


def _events(app) -> list[tuple[str, str, str]]:
    with app.extensions["kinfo_sessionmaker"]() as session:
        return [(e.actor, e.action, e.target) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_a_new_self_check_is_new_and_each_change_says_who_and_when_and_is_audited(app, client):
    reference = _store(app)
    nurse = make_account(app)
    sign_in(client)
    page = client.get(f"/staff/submissions/{reference}").get_data(as_text=True)
    assert "Status: New" in visible_text(page)
    response = _save(client, reference, status="reviewed", note="")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/staff/submissions/{reference}#follow-up")
    response = _save(client, reference, status="contacted", note="Called back, booked for Tuesday")
    page = visible_text(client.get(f"/staff/submissions/{reference}").get_data(as_text=True))
    assert f"Status: Contacted (last changed by {nurse}," in page
    assert f"{nurse} changed the status from New to Reviewed." in page
    assert f"{nurse} changed the status from Reviewed to Contacted." in page
    assert f"{nurse} wrote the note." in page
    assert (nurse, "status_changed", f"{reference} new>reviewed") in _events(app)
    assert (nurse, "status_changed", f"{reference} reviewed>contacted") in _events(app)
    assert (nurse, "note_changed", f"{reference} written") in _events(app)
    assert "Tuesday" not in repr(_events(app)), "the audit log never holds the note's text"
    _save(client, reference, status="contacted", note="")
    assert (nurse, "note_changed", f"{reference} removed") in _events(app)


def test_the_note_is_encrypted_at_rest_and_survives_key_rotation(make_app):
    app = make_app()
    client = app.test_client()
    reference = _store(app)
    make_account(app)
    sign_in(client)
    _save(client, reference, status="reviewed", note="Prefers a call after 5 pm")
    with app.extensions["kinfo_db"].connect() as connection:
        stored = connection.execute(text("SELECT staff_note FROM submission")).scalar_one()
    assert b"5 pm" not in stored and stored.startswith(b"gAAAAA")
    rotate(app)
    assert "Prefers a call after 5 pm" in client.get(f"/staff/submissions/{reference}").get_data(as_text=True)


def test_a_refused_change_changes_nothing_and_keeps_what_was_typed(app, client):
    reference = _store(app)
    make_account(app)
    sign_in(client)
    for form, message in (({"status": "closed", "note": "kept text"}, "Choose a status"),
                          ({"status": "reviewed", "note": "x" * 501}, "at most 500 characters"),
                          ({"status": "reviewed", "note": "bad \x00 byte"}, "cannot be stored")):
        response = _save(client, reference, **form)
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and message in page and 'role="alert"' in page
        assert form["note"].replace("\x00", "") [:20] in page.replace("\x00", "")
    with app.extensions["kinfo_sessionmaker"]() as session:
        row = session.scalar(select(Submission))
        assert row.status == "new" and row.staff_note is None and row.status_changed_by is None
    assert not [e for e in _events(app) if e[1] in ("status_changed", "note_changed")]


def test_a_change_needs_a_signed_in_session_and_its_token(app, client):
    reference = _store(app)
    response = client.post(f"/staff/submissions/{reference}/follow-up", data={"status": "reviewed"})
    assert response.status_code in (302, 400)
    make_account(app)
    sign_in(client)
    assert client.post(f"/staff/submissions/{reference}/follow-up", data={"status": "reviewed"}).status_code == 400
    with app.extensions["kinfo_sessionmaker"]() as session:
        assert session.scalar(select(Submission)).status == "new"


def test_the_list_shows_name_flag_count_and_status_and_filters_by_status(app, client):
    crisis = _store(app, "crisis", ["self_harm:plan", "pregnant:yes"], {"name": "Amal Haddad", "phone": "555"})
    calm = _store(app)
    make_account(app)
    sign_in(client)
    _save(client, calm, status="reviewed", note="")
    page = client.get("/staff/").get_data(as_text=True)
    rows = re.findall(r"<tr.*?</tr>", page.split("<tbody>")[1], re.S)
    first = [" ".join(visible_text(cell).split()) for cell in re.findall(r"<td>(.*?)</td>", rows[0], re.S)]
    assert first[0] == crisis and first[2] == "Amal Haddad" and first[5] == "2" and first[6] == "New"
    assert "Urgent: crisis help shown" in first[4] and "ago" in first[1]
    reviewed = client.get("/staff/?status=reviewed").get_data(as_text=True)
    assert calm in reviewed and crisis not in reviewed
    assert crisis in client.get("/staff/?status=new").get_data(as_text=True)
    assert client.get("/staff/?status=<bogus>").status_code == 200


def test_the_list_pages_through_every_match_and_urgent_new_ones_stay_first(make_app):
    app = make_app(SUBMISSIONS_PER_MINUTE=1000, SUBMISSIONS_PER_CLIENT_PER_MINUTE=1000)  # 61 in one minute
    client = app.test_client()
    urgent = _store(app, "crisis", ["self_harm:sometimes"])
    newer = [_store(app) for _ in range(60)]
    make_account(app)
    sign_in(client)
    seen = []
    page_number = 1
    while True:
        page = client.get(f"/staff/?page={page_number}").get_data(as_text=True)
        seen += re.findall(r'/staff/submissions/([A-Z0-9-]+)"', page)
        if 'rel="next"' not in page:
            break
        page_number += 1
    assert page_number == 2 and "Page 2 of 2" in page
    assert seen[0] == urgent, "an urgent new self-check is never pushed out of sight by newer ones"
    assert sorted(seen) == sorted([urgent, *newer]) and len(seen) == 61
    _save(client, urgent, status="reviewed", note="")
    first_page = client.get("/staff/").get_data(as_text=True)
    assert urgent not in first_page, "once reviewed it takes its place by date"
    assert client.get("/staff/?page=-3").status_code == 200 and client.get("/staff/?page=x").status_code == 200
