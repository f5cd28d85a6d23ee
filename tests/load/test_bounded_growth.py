"""Anyone, without an account, can make the database grow only as far as the limits allow: a few thousand
anonymous requests of every kind, from a few addresses, add at most the allowed self-checks, no audit row
for a stranger, and one counter row per counted thing. On SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import MetaData, func, select

from ..conftest import client_from
from ..selfcheck_helpers import CALM_ANSWERS
from ..staff_helpers import make_account

ADDRESSES = [f"203.0.113.{n}" for n in range(1, 5)]
ROUNDS = 25
# The defaults for self-checks (10 per address and 60 in all per minute); sign-in limits lowered so that
# few passwords are checked (argon2 is slow on purpose): the bound is the same rule either way.
SETTINGS = {"SUBMISSIONS_PER_CLIENT_PER_MINUTE": 10, "SUBMISSIONS_PER_MINUTE": 60,
            "STAFF_MAX_FAILURES_PER_ACCOUNT": 2, "STAFF_MAX_FAILURES_PER_CLIENT": 4}
PAGES = ["/", "/en/", "/ar/", "/en", "/zh-Hans/", "/en/self-check", "/en/handout", "/handouts", "/language/es",
         "/en/offline-bundle.json", "/sw.js", "/en/manifest.webmanifest", "/en/offline", "/en/self-check/rules.json",
         "/en/self-check/offline-form", "/fhir/Questionnaire/kinfo-previsit", "/nope", "/staff/",
         "/staff/export.csv", "/staff/fhir/Bundle", "/staff/?endpoint=x"]


@pytest.fixture
def app(make_app, database_url):  # noqa: F811
    app = make_app(DATABASE_URL=database_url, **SETTINGS)
    yield app
    app.extensions["kinfo_db"].dispose()


def row_counts(app) -> dict[str, int]:
    tables = MetaData()
    tables.reflect(app.extensions["kinfo_db"])
    with app.extensions["kinfo_db"].connect() as connection:
        return {table.name: connection.scalar(select(func.count()).select_from(table))
                for table in tables.sorted_tables}


def database_bytes(app) -> int:
    """The size of what is kept: on SQLite, the file once its write-ahead log (a reused buffer of a few MB)
    has been written back into it."""
    engine = app.extensions["kinfo_db"]
    if engine.dialect.name == "sqlite":
        with app.extensions["kinfo_db_statements"].connect() as connection:  # outside any transaction
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return Path(engine.url.database).stat().st_size
    with engine.connect() as connection:
        return connection.scalar(select(func.pg_database_size(func.current_database())))


def tokens(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def one_round(client, sent: Counter, statuses: Counter) -> None:
    """One of each kind of anonymous request."""

    def count(kind: str, response) -> None:
        sent[kind] += 1
        statuses[response.status_code] += 1

    for path in PAGES:
        count("page", client.get(path))
    form_token = tokens(client, "/en/self-check")
    form = {**CALM_ANSWERS, "csrf_token": form_token}
    count("self-check, no consent", client.post("/en/self-check", data={**form, "idempotency_key": str(uuid.uuid4())}))
    for _ in range(2):
        count("self-check, consented", client.post("/en/self-check", data={
            **form, "idempotency_key": str(uuid.uuid4()), "consent": "y", "notes": secrets.token_hex(200)}))
    count("self-check, bad token", client.post("/en/self-check", data={**form, "csrf_token": "x", "consent": "y"}))
    count("self-check, bad answers", client.post("/en/self-check", data={**form, "adult": "maybe", "consent": "y"}))
    for _ in range(2):
        body = {"idempotency_key": str(uuid.uuid4()), "answers": CALM_ANSWERS, "consent": True, "name": "x" * 100}
        count("phone, consented", client.post("/en/self-check/submissions", content_type="application/json",
                                              data=json.dumps(body)))
    count("phone, malformed", client.post("/en/self-check/submissions", content_type="application/json", data="{"))
    count("start again", client.post("/en/self-check/new"))
    login_token = tokens(client, "/staff/login")
    count("sign-in, unknown account", client.post("/staff/login", data={
        "csrf_token": login_token, "email": f"{secrets.token_hex(117)}@x.example", "password": "guess"}))
    count("sign-in, real account", client.post("/staff/login", data={
        "csrf_token": login_token, "email": "nurse@clinic.example", "password": "wrong password here"}))
    count("sign-in, no token", client.post("/staff/login", data={"email": "a@b.example", "password": "x"}))
    count("staff form, no session", client.post("/staff/language", data={"language": "es"}))


def test_anonymous_requests_of_every_kind_grow_the_database_only_as_the_limits_allow(app):
    make_account(app)
    before, bytes_before = row_counts(app), database_bytes(app)
    clients = [client_from(app, address) for address in ADDRESSES]
    sent, statuses = Counter(), Counter()
    started = time.monotonic()
    for _ in range(ROUNDS):
        for client in clients:
            one_round(client, sent, statuses)
    minutes = int((time.monotonic() - started) // 60) + 1  # fixed one-minute windows the run could span
    after, bytes_after = row_counts(app), database_bytes(app)
    added = {table: after[table] - before[table] for table in after if after[table] != before[table]}
    total = sum(sent.values())
    print(f"\n{total} requests in {time.monotonic() - started:.1f} s: {dict(sent)}\nstatuses {dict(statuses)}"
          f"\nrows added {added}; database {bytes_before} -> {bytes_after} bytes")

    assert total >= 2000 and not any(status >= 500 for status in statuses)
    allowed_self_checks = min(len(ADDRESSES) * SETTINGS["SUBMISSIONS_PER_CLIENT_PER_MINUTE"],
                              SETTINGS["SUBMISSIONS_PER_MINUTE"]) * minutes
    assert added.get("submission", 0) == allowed_self_checks, "the limit, exactly, is what got through"
    assert statuses[429] >= sent["self-check, consented"] + sent["phone, consented"] - allowed_self_checks
    assert added.get("audit_event", 0) <= len(ADDRESSES) * SETTINGS["STAFF_MAX_FAILURES_PER_ACCOUNT"], (
        "only failed sign-ins for the real account, up to its limit from each address")
    assert added.get("audit_tally", 0) <= 2 * 2, "two counted actions, a row per day each"
    counters = len(ADDRESSES) * (1 + SETTINGS["STAFF_MAX_FAILURES_PER_CLIENT"] + 1) + 1
    assert added.get("rate_counter", 0) <= counters, "a counter row per address and kind, not per request"
    assert set(added) <= {"submission", "audit_event", "audit_tally", "rate_counter", "alert_outbox"}
    assert added.get("alert_outbox", 0) <= allowed_self_checks, "one alert row per stored self-check at most"
    assert bytes_after - bytes_before <= allowed_self_checks * 16 * 1024 + 512 * 1024
