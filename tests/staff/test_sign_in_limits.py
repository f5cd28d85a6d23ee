"""Sign-in limits that keep guessers out without locking staff out, and keep no trace of what strangers type;
on SQLite and on PostgreSQL."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import MetaData, func, select, update

from kinfo.core.models import AuditEvent, AuditTally, RateCounter, StaffSession

from ..conftest import client_from
from ..staff_helpers import make_account, sign_in

# Lower than the defaults (5 and 20) so that each test checks few passwords: argon2 is slow on purpose.
PER_ACCOUNT, PER_CLIENT = 3, 6


@pytest.fixture
def limited_app(make_app, database_url):  # noqa: F811
    app = make_app(DATABASE_URL=database_url, STAFF_MAX_FAILURES_PER_ACCOUNT=PER_ACCOUNT,
                   STAFF_MAX_FAILURES_PER_CLIENT=PER_CLIENT)
    yield app
    app.extensions["kinfo_db"].dispose()


def count(app, model, *where) -> int:
    with app.extensions["kinfo_sessionmaker"]() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def every_stored_text(app) -> str:
    """Every value of every row of every table, as text: what a copy of the database would give away."""
    engine = app.extensions["kinfo_db"]
    tables = MetaData()
    tables.reflect(engine)
    values = []
    with engine.connect() as connection:
        for table in tables.sorted_tables:
            values += [repr(tuple(row)) for row in connection.execute(select(table))]
    return "\n".join(values)


def test_the_owner_signs_in_from_their_own_address_while_someone_hammers_the_account(limited_app):
    make_account(limited_app)
    attacker = client_from(limited_app, "203.0.113.66")
    statuses = [sign_in(attacker, password=f"guess number {n}").status_code for n in range(PER_ACCOUNT + 3)]
    assert statuses == [401] * PER_ACCOUNT + [429] * 3
    assert sign_in(attacker).status_code == 429, "the right password from the guessing address still waits"
    owner = client_from(limited_app, "198.51.100.7")
    response = sign_in(owner)
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"


def test_failures_from_one_address_over_many_accounts_are_limited_too(limited_app):
    make_account(limited_app)
    guesser = client_from(limited_app, "203.0.113.66")
    statuses = [sign_in(guesser, email=f"guess{n}@clinic.example", password="wrong password here").status_code
                for n in range(PER_CLIENT + 2)]
    assert statuses == [401] * PER_CLIENT + [429] * 2
    assert sign_in(client_from(limited_app, "198.51.100.7")).status_code == 302


def test_a_refusal_says_when_to_try_again(app):
    make_account(app)
    client = app.test_client()
    for _ in range(5):
        sign_in(client, password="wrong password here")
    response = sign_in(client)
    assert response.status_code == 429 and "Too many attempts" in response.get_data(as_text=True)
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60


def test_failed_sign_ins_for_unknown_accounts_are_counted_and_what_was_typed_is_kept_nowhere(limited_app):
    make_account(limited_app)
    typed = [f"{secrets.token_hex(117)}@x.example" for _ in range(9)]  # 244 characters each, as in the issue
    events_before = count(limited_app, AuditEvent)
    for number, email in enumerate(typed):
        client = client_from(limited_app, f"203.0.113.{number % 3 + 1}")
        assert sign_in(client, email=email, password="wrong password here").status_code == 401
    assert count(limited_app, AuditEvent) == events_before, "no audit row for each stranger's attempt"
    with limited_app.extensions["kinfo_sessionmaker"]() as session:
        tallies = {t.action: t.count for t in session.scalars(select(AuditTally))}
    assert tallies == {"login_failed_unknown_account": 9}
    dump = every_stored_text(limited_app)
    for email in typed:
        assert email[:40] not in dump
    assert count(limited_app, RateCounter) == 3 + 9, "one row per address, and one per account from each"


def test_a_failed_sign_in_for_a_real_account_is_audited_under_that_account(app, client):
    make_account(app, email="nurse@clinic.example")
    sign_in(client, email="  Nurse@Clinic.example ", password="wrong password here")
    with app.extensions["kinfo_sessionmaker"]() as session:
        events = [(event.actor, event.action) for event in session.scalars(
            select(AuditEvent).where(AuditEvent.action != "account_created"))]
    assert events == [("nurse@clinic.example", "login_failed")]


def test_attempts_refused_by_the_limits_are_counted_not_recorded(limited_app):
    make_account(limited_app)
    client = limited_app.test_client()
    for _ in range(PER_ACCOUNT + 10):
        sign_in(client, password="wrong password here")
    with limited_app.extensions["kinfo_sessionmaker"]() as session:
        tallies = {t.action: t.count for t in session.scalars(select(AuditTally))}
        failed = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login_failed"))
    assert tallies == {"login_refused_by_limits": 10} and failed == PER_ACCOUNT


def test_the_daily_purge_forgets_old_counts_and_sessions_idle_past_their_life(app, runner):
    make_account(app)
    sign_in(app.test_client(), password="wrong password here")
    sign_in(app.test_client())
    long_ago = datetime.now(UTC) - timedelta(days=1)
    with app.extensions["kinfo_db"].begin() as connection:
        connection.execute(update(RateCounter).values(window_start=long_ago))
        connection.execute(update(StaffSession).values(last_seen=long_ago))
    assert runner.invoke(args=["submissions", "purge"]).exit_code == 0
    assert count(app, RateCounter) == 0 and count(app, StaffSession) == 0
