"""Acknowledged means on disk: the connection that stores a self-check commits durably before the patient
sees a reference; and a connection that broke is dropped, so the next request gets a fresh one."""

from __future__ import annotations

import sqlite3

from sqlalchemy import event

from kinfo import create_app
from kinfo.core import db

from ..conftest import TEST_SECRET
from ..selfcheck_helpers import answers, new_key, reference_in, row_count, submit


def test_the_connection_that_stores_a_self_check_syncs_each_commit_to_disk(backend_app):  # noqa: F811
    """SQLite: synchronous=FULL (NORMAL could lose the last commits in a power cut). PostgreSQL: as configured,
    and kinfo never turns synchronous_commit off."""
    seen = []

    def on_execute(connection, cursor, statement, *_args):
        if statement.lstrip().upper().startswith("INSERT INTO SUBMISSION"):
            probe = cursor.connection.cursor()  # the same database connection, between its statements
            probe.execute("PRAGMA synchronous" if connection.dialect.name == "sqlite" else "SHOW synchronous_commit")
            seen.append(probe.fetchone()[0])
            probe.close()

    engine = backend_app.extensions["kinfo_db"]
    event.listen(engine, "before_cursor_execute", on_execute)
    reference = reference_in(submit(backend_app.test_client(), answers(), consent=True, key=new_key())
                             .get_data(as_text=True))
    assert reference
    assert seen == ([2] if engine.dialect.name == "sqlite" else ["on"])  # 2 is FULL


def test_a_read_only_connection_is_dropped_and_the_next_request_gets_a_fresh_one(make_app, tmp_path):
    """SQLite keeps a connection opened while its files were unwritable read-only for good ("attempt to write
    a readonly database" forever). Here the pool's first connection is such a one (opened read-only on
    purpose): the write fails, the connection is dropped, and the next try on a fresh one stores the row."""
    make_app().extensions["kinfo_db"].dispose()
    database = tmp_path / "instance" / "kinfo.sqlite3"
    app = create_app({"ENV": "test", "SECRET_KEY": TEST_SECRET}, instance_path=str(tmp_path / "instance"))
    engine = app.extensions["kinfo_db"]
    engine.dispose()
    opened = []

    @event.listens_for(engine.pool, "connect")
    def _first_read_only(dbapi_connection, _record):
        opened.append(dbapi_connection)

    original_creator = engine.pool._creator

    def creator(*args):
        if not opened:  # the first connection of the pool: opened while the file was read-only
            return sqlite3.connect(f"file:{database}?mode=ro", uri=True, check_same_thread=False)
        return original_creator(*args)

    engine.pool._creator = creator
    reference = reference_in(submit(app.test_client(), answers(), consent=True, key=new_key()).get_data(as_text=True))
    assert reference, "stored on a fresh connection, not refused by the broken one"
    assert row_count(app) == 1 and len(opened) >= 2
    engine.dispose()


def test_only_errors_that_break_a_connection_drop_it():
    assert db.is_broken_connection_error(sqlite3.OperationalError("attempt to write a readonly database"))
    assert db.is_broken_connection_error(sqlite3.OperationalError("disk I/O error"))
    assert db.is_broken_connection_error(sqlite3.OperationalError("database is locked"))
    assert not db.is_broken_connection_error(sqlite3.OperationalError("no such table: submission"))
    assert not db.is_broken_connection_error(sqlite3.IntegrityError("UNIQUE constraint failed"))
