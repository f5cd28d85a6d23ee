"""The database: an engine from settings, SQLite tuned for several workers, Alembic migrations on start.

The default is a SQLite file in the instance folder, created on first start. Any SQLAlchemy URL works
through ``KINFO_DATABASE_URL`` (PostgreSQL included).
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import current_app
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from .config import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


# Execution option of a connection whose every statement commits on its own (see ``statements``).
ONE_STATEMENT_TRANSACTIONS = "kinfo_one_statement_transactions"


def _tune_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL for concurrent readers, a busy timeout, secure_delete so deleted rows leave the file, and
    BEGIN IMMEDIATE so a writer takes the lock up front: in WAL mode a transaction that reads and then writes
    fails at once with "database is locked" when another writer got in between, busy timeout or not.
    A connection from ``statements()`` issues no BEGIN: SQLite makes each statement its own transaction."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN itself
        cursor = dbapi_connection.cursor()
        # mmap: each worker process reads pages straight from the file's shared mapping instead of copying
        # them in with a system call, which matters because another worker's commit empties this
        # connection's page cache.
        for pragma in ("journal_mode=WAL", f"busy_timeout={int(busy_timeout_ms)}", "secure_delete=ON",
                       "foreign_keys=ON", "synchronous=NORMAL", f"mmap_size={64 * 1024 * 1024}"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if not connection.get_execution_options().get(ONE_STATEMENT_TRANSACTIONS):
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, busy_timeout_ms: int = 10000) -> Engine:
    """An engine that never puts bound values (answers!) into error messages or logs."""
    engine = create_engine(url, hide_parameters=True, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine, busy_timeout_ms)
    return engine


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, lock_path: Path) -> None:
    """Bring the schema to the newest migration; one process at a time (gunicorn starts several)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with engine.begin() as connection:
            config = alembic_config(str(engine.url))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")


def engine() -> Engine:
    return current_app.extensions["kinfo_db"]


@contextmanager
def statements() -> Iterator[Connection]:
    """A connection for writes that are one statement each, like ``INSERT … ON CONFLICT DO NOTHING``.

    On SQLite every statement is a transaction of its own, so the write lock is held only while SQLite
    runs the statement, never while Python prepares the next one: several workers writing at once wait
    for each other far less. Elsewhere the statements are committed together when the block ends.
    """
    with current_app.extensions["kinfo_db_statements"].connect() as connection:
        yield connection
        connection.commit()


@contextmanager
def session() -> Session:
    """A session in one transaction: committed on success, rolled back on error."""
    with current_app.extensions["kinfo_sessionmaker"].begin() as db_session:
        yield db_session


def init_app(app) -> None:
    """Create the engine and run migrations (the SQLite file appears on first start)."""
    url = app.config.get("DATABASE_URL") or f"sqlite:///{Path(app.instance_path) / 'kinfo.sqlite3'}"
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    db_engine = make_engine(url, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    upgrade(db_engine, Path(app.instance_path) / "migrate.lock")
    app.extensions["kinfo_db"] = db_engine
    # The same engine and pool, its connections marked once for statements() rather than on every use.
    app.extensions["kinfo_db_statements"] = db_engine.execution_options(**{ONE_STATEMENT_TRANSACTIONS: True})
    app.extensions["kinfo_sessionmaker"] = sessionmaker(db_engine, expire_on_commit=False)
