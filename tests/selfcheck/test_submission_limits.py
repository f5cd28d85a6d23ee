"""Consented self-checks are limited per minute, per client address and in all, so no one can fill the
database; a refusal still shows the patient the outcome, crisis help first, says plainly that nothing was
sent and offers to send the same answers again. On SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text, update

from kinfo.core.models import RateCounter

from ..conftest import client_from
from ..selfcheck_helpers import CALM_ANSWERS, answers, new_key, reference_in, row_count, submit

PER_CLIENT, IN_ALL = 2, 3


@pytest.fixture
def limited_app(make_app, database_url):  # noqa: F811
    app = make_app(DATABASE_URL=database_url, SUBMISSIONS_PER_CLIENT_PER_MINUTE=PER_CLIENT,
                   SUBMISSIONS_PER_MINUTE=IN_ALL)
    yield app
    app.extensions["kinfo_db"].dispose()


def send_json(client, key: str, data: dict | None = None, lang: str = "en"):
    return client.post(f"/{lang}/self-check/submissions", data=json.dumps(
        {"idempotency_key": key, "answers": data or CALM_ANSWERS, "consent": True}),
        content_type="application/json", headers={"Sec-Fetch-Site": "same-origin"})


def end_the_minute(app) -> None:
    with app.extensions["kinfo_db"].begin() as connection:
        connection.execute(update(RateCounter).values(window_start=datetime.now(UTC) - timedelta(minutes=2)))


def test_one_address_gets_its_share_then_429_with_the_outcome_crisis_help_first(limited_app):
    patient = client_from(limited_app, "203.0.113.5")
    for _ in range(PER_CLIENT):
        assert reference_in(submit(patient, answers(), consent=True, key=new_key()).get_data(as_text=True))
    refused = submit(patient, answers(self_harm="plan", pregnant="yes"), consent=True, key=new_key())
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["Cache-Control"] == "no-store"
    assert reference_in(page) is None and row_count(limited_app) == PER_CLIENT
    crisis, notice = page.index('class="crisis-card"'), page.index('class="not-stored"')
    assert crisis < notice, "crisis help comes before anything else"
    assert "We could not send your answers. Nothing was stored." in page
    assert "The clinic received too many self-checks in the last minute." in page and "try again later" in page
    assert 'class="not-sent"' not in page, "the notice takes the place of the one-line \"not sent\""
    assert "Before an infusion, talk with your care team about:" in page, "the outcome is all there"
    other = client_from(limited_app, "198.51.100.8")
    assert reference_in(submit(other, answers(), consent=True, key=new_key()).get_data(as_text=True))


def test_every_address_together_gets_the_total_per_minute(limited_app):
    statuses = [submit(client_from(limited_app, f"203.0.113.{n}"), answers(), consent=True, key=new_key())
                .status_code for n in range(1, IN_ALL + 3)]
    assert statuses == [200] * IN_ALL + [429] * 2
    assert row_count(limited_app) == IN_ALL


def test_send_again_resends_the_same_answers_once_the_minute_is_over(limited_app):
    patient = client_from(limited_app, "203.0.113.5")
    for _ in range(PER_CLIENT):
        submit(patient, answers(), consent=True, key=new_key())
    key = new_key()
    refused = submit(patient, answers(notes="Nervous about needles", pregnant="yes"), lang="ar", consent=True,
                     key=key, name="Ana")
    page = refused.get_data(as_text=True)
    start = page.index('class="send-answers')
    form = page[page.rindex("<form", 0, start):page.index("</form>", start)]
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))  # hidden, ticked and typed
    assert fields["idempotency_key"] == key and fields["notes"] == "Nervous about needles"
    assert fields["name"] == "Ana" and fields["consent"] == "y" and "csrf_token" in fields
    assert 'action="/ar/self-check"' in form
    end_the_minute(limited_app)
    again = patient.post("/ar/self-check", data=fields)
    reference = reference_in(again.get_data(as_text=True))
    assert again.status_code == 200 and reference
    assert reference_in(patient.post("/ar/self-check", data=fields).get_data(as_text=True)) == reference
    assert row_count(limited_app) == PER_CLIENT + 1


def test_a_replay_of_a_stored_self_check_is_never_refused(limited_app):
    patient = client_from(limited_app, "203.0.113.5")
    first_key = new_key()
    first = reference_in(submit(patient, answers(), consent=True, key=first_key).get_data(as_text=True))
    submit(patient, answers(), consent=True, key=new_key())
    assert submit(patient, answers(), consent=True, key=new_key()).status_code == 429
    assert reference_in(submit(patient, answers(), consent=True, key=first_key).get_data(as_text=True)) == first
    assert send_json(patient, first_key).get_json() == {"reference": first}


def test_the_phone_gets_429_with_retry_after_and_json(limited_app):
    patient = client_from(limited_app, "203.0.113.5")
    assert [send_json(patient, new_key()).status_code for _ in range(PER_CLIENT)] == [200] * PER_CLIENT
    refused = send_json(patient, new_key())
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "Nothing was stored" in refused.get_json()["error"]
    assert row_count(limited_app) == PER_CLIENT


def make_read_only(app) -> None:
    """The database turns read-only under the running app: files it cannot write (SQLite, opened read-only
    as root cannot be made to see them otherwise), or a standby after a failover (PostgreSQL)."""
    engine = app.extensions["kinfo_db"]
    if engine.dialect.name == "sqlite":
        app.extensions["kinfo_db"].dispose()
        from kinfo.core import db

        read_only = db.make_engine(f"sqlite:///file:{engine.url.database}?mode=ro&uri=true")
        app.extensions["kinfo_db"] = read_only
        app.extensions["kinfo_db_statements"] = read_only.execution_options(**{db.ONE_STATEMENT_TRANSACTIONS: True})
        return
    admin = create_engine(engine.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{engine.url.database}" SET default_transaction_read_only = on'))
    admin.dispose()
    engine.dispose()


def test_a_database_that_cannot_take_the_write_gets_503_and_the_outcome(limited_app):
    patient = limited_app.test_client()
    make_read_only(limited_app)
    refused = submit(patient, answers(self_harm="plan"), consent=True, key=new_key())
    page = refused.get_data(as_text=True)
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "60"
    assert page.index('class="crisis-card"') < page.index('class="not-stored"')
    assert "The clinic's system could not store your answers just now." in page.replace("&#39;", "'")
    phone = send_json(patient, new_key())
    assert phone.status_code == 503 and phone.headers["Retry-After"] == "60"
