"""Counters in the app's own database: exact under concurrency, one row per counted thing, windows that
start again, and forgotten by the purge once their window is over; on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from kinfo.core import db, limits
from kinfo.core.models import RateCounter

WINDOW = timedelta(minutes=15)


def rows(app) -> int:
    with app.extensions["kinfo_sessionmaker"]() as session:
        return session.scalar(select(func.count()).select_from(RateCounter))


def test_thirty_takes_at_once_are_numbered_one_to_thirty(backend_app):  # noqa: F811
    """Each take is one atomic upsert that returns its own number: no two get the same, none is lost."""
    with backend_app.app_context():
        key = limits.keyed("test", "same thing")
    counts, start = [], threading.Barrier(30)

    def take_one():
        with backend_app.app_context():
            start.wait()
            with db.statements() as connection:
                counts.append(limits.take(connection, key, WINDOW).count)

    threads = [threading.Thread(target=take_one) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(counts) == list(range(1, 31))
    assert rows(backend_app) == 1, "one row, however many takes"


def test_a_count_starts_again_once_its_window_is_over_and_says_when_it_ends(backend_app):  # noqa: F811
    then = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with backend_app.app_context(), db.statements() as connection:
        key = limits.keyed("test", "window")
        assert limits.take(connection, key, WINDOW, now=then).count == 1
        second = limits.take(connection, key, WINDOW, now=then + timedelta(minutes=14))
        assert second.count == 2 and second.window_ends == then + WINDOW
        assert second.retry_after(now=then + timedelta(minutes=14)) == 60
        again = limits.take(connection, key, WINDOW, now=then + WINDOW)
        assert again.count == 1 and again.window_ends == then + 2 * WINDOW


def test_give_back_and_forget(backend_app):  # noqa: F811
    with backend_app.app_context(), db.statements() as connection:
        key = limits.keyed("test", "give back")
        for _ in range(3):
            limits.take(connection, key, WINDOW)
        limits.give_back(connection, key)
        assert limits.take(connection, key, WINDOW).count == 3
        limits.forget(connection, key)
        assert limits.take(connection, key, WINDOW).count == 1


def test_the_purge_forgets_counts_whose_window_is_over(backend_app):  # noqa: F811
    now = datetime.now(UTC)
    with backend_app.app_context(), db.statements() as connection:
        limits.take(connection, limits.keyed("test", "old"), WINDOW, now=now - timedelta(hours=1))
        limits.take(connection, limits.keyed("test", "current"), WINDOW, now=now - timedelta(minutes=5))
    runner = backend_app.test_cli_runner()
    assert runner.invoke(args=["submissions", "purge"]).exit_code == 0
    assert rows(backend_app) == 1


def test_keys_hide_what_they_count(app):
    with app.app_context():
        key = limits.keyed("sign-in", "nurse@clinic.example", "203.0.113.9")
        assert len(key) == 64 and "nurse" not in key and "203" not in key
        assert key != limits.keyed("sign-in", "nurse@clinic.example", "203.0.113.10")


@pytest.mark.parametrize(("remote", "client"), [
    ("203.0.113.9", "203.0.113.9"),
    ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),  # one /64: a home or a phone has all of it
    ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
    ("::ffff:203.0.113.9", "203.0.113.9"),
])
def test_clients_are_told_apart_by_address_and_ipv6_by_network(app, remote, client):
    with app.test_request_context(environ_base={"REMOTE_ADDR": remote}):
        assert limits.client_address() == client


def test_several_counts_in_one_statement_come_back_in_the_order_asked(backend_app):  # noqa: F811
    with backend_app.app_context(), db.statements() as connection:
        first, second = limits.keyed("test", "first"), limits.keyed("test", "second")
        limits.take(connection, second, WINDOW)
        limits.take(connection, second, WINDOW)
        assert [count.count for count in limits.take_each(connection, [first, second], WINDOW)] == [1, 3]
        assert [count.count for count in limits.take_each(connection, [second, first], WINDOW)] == [4, 2]
