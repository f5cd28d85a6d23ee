"""The schema is migrated where a server starts, under a lock, and only when it must: a start on a current
schema reads, writes nothing and takes no lock; workers and periodic commands never migrate."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest
from alembic import command
from cryptography.fernet import Fernet
from sqlalchemy import Engine, event, select, text

from kinfo.core import schema
from kinfo.core.config import PROJECT_ROOT
from kinfo.core.models import KeyCheck

from ..conftest import TEST_SECRET
from ..load.submit_load import free_port


def downgrade(app, revision: str) -> None:
    """Put the database back at an older revision, as if the code had just been updated."""
    engine = app.extensions["kinfo_db"]
    with engine.begin() as connection:
        config = schema.alembic_config(str(engine.url))
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def revision(app) -> str | None:
    return schema.current_revision(app)


class Writes:
    """Every statement any engine runs while this is active that could write or lock."""

    def __init__(self):
        self.seen: list[str] = []

    def __enter__(self):
        event.listen(Engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(Engine, "before_cursor_execute", self._record)

    def _record(self, _connection, _cursor, statement, *_args):
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb in {"INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "BEGIN"} or "advisory" in statement:
            self.seen.append(statement)


def test_a_start_on_a_current_schema_writes_nothing_and_takes_no_lock(make_app, tmp_path):
    make_app(SQLITE_BUSY_TIMEOUT=0.5).extensions["kinfo_db"].dispose()  # the first start: creates everything
    holder = sqlite3.connect(tmp_path / "instance" / "kinfo.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a purge or a key rotation holding the write lock
    try:
        started = time.monotonic()
        with Writes() as writes:
            app = make_app(SQLITE_BUSY_TIMEOUT=0.5)
        assert time.monotonic() - started < 5
        assert writes.seen == []
        assert app.test_client().get("/en/self-check").status_code == 200
    finally:
        holder.rollback()
        holder.close()
    app.extensions["kinfo_db"].dispose()


def test_the_first_start_migrates_and_stores_the_key_check_once(make_app, database_url):  # noqa: F811
    app = make_app(DATABASE_URL=database_url)
    assert revision(app) == schema.head()
    with app.extensions["kinfo_sessionmaker"]() as session:
        assert len(session.scalars(select(KeyCheck)).all()) == 1
    app.extensions["kinfo_db"].dispose()


def _start_when_all_are_ready(url: str, instance: str, key: str, ready, results) -> None:
    from kinfo import create_app

    ready.wait()
    try:
        app = create_app({"ENV": "test", "SECRET_KEY": TEST_SECRET, "DATABASE_URL": url, "ENCRYPTION_KEYS": [key]},
                         instance_path=instance)
        app.extensions["kinfo_db"].dispose()
        results.put("started")
    except Exception as error:  # reported to the test, which shows it
        results.put(f"{type(error).__name__}: {error}"[:300])


def test_instances_starting_together_on_a_new_database_migrate_it_once(tmp_path, database_url):  # noqa: F811
    """Six instances, each with its own instance folder (on PostgreSQL: as on four machines), start at the
    same moment on an empty database: all of them start, on one schema and one key check row."""
    key = Fernet.generate_key().decode()
    url = database_url or f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    fork = multiprocessing.get_context("fork")  # the test has made no engine yet: nothing shared is inherited
    ready, results = fork.Barrier(6), fork.Queue()
    starts = [fork.Process(target=_start_when_all_are_ready,
                            args=(url, str(tmp_path / f"instance{n}"), key, ready, results)) for n in range(6)]
    for start in starts:
        start.start()
    outcomes = [results.get(timeout=120) for _ in starts]
    for start in starts:
        start.join(60)
    assert outcomes == ["started"] * 6
    from kinfo import create_app

    app = create_app({"ENV": "test", "SECRET_KEY": TEST_SECRET, "DATABASE_URL": url, "ENCRYPTION_KEYS": [key]},
                     instance_path=str(tmp_path / "check"))
    assert revision(app) == schema.head()
    with app.extensions["kinfo_sessionmaker"]() as session:
        assert len(session.scalars(select(KeyCheck)).all()) == 1
    app.extensions["kinfo_db"].dispose()


def test_a_periodic_command_refuses_an_older_schema_and_leaves_it_alone(app, runner):
    downgrade(app, "0002")
    result = runner.invoke(args=["submissions", "purge"])
    assert result.exit_code == 1
    assert "schema revision 0002" in result.output and "flask --app app db upgrade" in result.output
    assert revision(app) == "0002"
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert revision(app) == schema.head()
    assert runner.invoke(args=["submissions", "purge"]).exit_code == 0


def test_a_gunicorn_worker_only_reads_the_schema(make_app, caplog):
    """The master migrates before it starts workers; a worker that finds an older schema says so and serves."""
    make_app().extensions["kinfo_db"].dispose()
    older = make_app()
    downgrade(older, "0002")
    older.extensions["kinfo_db"].dispose()
    with caplog.at_level(logging.ERROR, logger="kinfo.core.schema"), Writes() as writes:
        worker = make_app(SCHEMA_MANAGED_BY_SERVER=True)
    assert revision(worker) == "0002" and writes.seen == []
    assert "schema revision 0002" in caplog.text
    assert worker.test_client().get("/en/").status_code == 200
    worker.extensions["kinfo_db"].dispose()


def flask_command(instance, *args, **extra_env):
    env = {**os.environ, "KINFO_ENV": "production", "KINFO_SECRET_KEY": TEST_SECRET,
           "KINFO_INSTANCE_PATH": str(instance), **extra_env}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_a_command_on_a_new_install_creates_no_schema_and_says_how(tmp_path):
    result = flask_command(tmp_path / "instance", "staff", "deactivate", "nobody@clinic.example")
    assert result.returncode == 1
    assert "none (not created yet)" in result.stderr and "flask --app app run" in result.stderr
    with sqlite3.connect(tmp_path / "instance" / "kinfo.sqlite3") as connection:
        assert connection.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)


def test_flask_run_creates_and_migrates_the_database_on_first_start(tmp_path):
    """README command (a): `flask --app app run` on a fresh clone needs no other step."""
    port = free_port()
    env = {**os.environ, "KINFO_ENV": "development", "KINFO_INSTANCE_PATH": str(tmp_path / "instance")}
    server = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "run", "--port", str(port)],
                              cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/en/self-check", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(10)
    with sqlite3.connect(tmp_path / "instance" / "kinfo.sqlite3") as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == (schema.head(),)
        assert connection.execute("SELECT count(*) FROM key_check").fetchone() == (1,)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_migrations_downgrade_and_upgrade_again(make_app, backend):
    app = make_app()
    downgrade(app, "0001")
    assert revision(app) == "0001"
    assert schema.upgrade(app.extensions["kinfo_db"]) is True
    assert schema.upgrade(app.extensions["kinfo_db"]) is False
    with app.extensions["kinfo_db"].connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM rate_counter")).scalar() == 0
    app.extensions["kinfo_db"].dispose()
