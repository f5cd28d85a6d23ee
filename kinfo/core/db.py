"""The database: an engine from settings, SQLite tuned for several workers.

The default is a SQLite file in the instance folder, created on first start. Any SQLAlchemy URL works
through ``KINFO_DATABASE_URL`` (PostgreSQL included). The schema is brought up to date by
``kinfo.core.schema``, once per server start, never by each worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from . import files

# Execution option of a connection whose every statement commits on its own (see ``statements``).
ONE_STATEMENT_TRANSACTIONS = "kinfo_one_statement_transactions"

def _tune_sqlite(engine: Engine, busy_timeout_seconds: float) -> None:
    """WAL for concurrent readers, a busy timeout, secure_delete so deleted rows leave the file, and
    BEGIN IMMEDIATE so a writer takes the lock up front: in WAL mode a transaction that reads and then writes
    fails at once with "database is locked" when another writer got in between, busy timeout or not.
    A connection from ``statements()`` or ``reading()`` issues no BEGIN: SQLite makes each statement its own
    transaction, and a read takes no write lock."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN itself
        cursor = dbapi_connection.cursor()
        # mmap: each worker process reads pages straight from the file's shared mapping instead of copying
        # them in with a system call, which matters because another worker's commit empties this
        # connection's page cache.
        for pragma in ("journal_mode=WAL", f"busy_timeout={int(busy_timeout_seconds * 1000)}", "secure_delete=ON",
                       "foreign_keys=ON", "synchronous=NORMAL", f"mmap_size={64 * 1024 * 1024}"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if not connection.get_execution_options().get(ONE_STATEMENT_TRANSACTIONS):
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, busy_timeout_seconds: float = 10) -> Engine:
    """An engine that never puts bound values (answers!) into error messages or logs."""
    engine = create_engine(url, hide_parameters=True, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine, busy_timeout_seconds)
    return engine


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
def reading(app=None) -> Iterator[Connection]:
    """A connection for reads only. On SQLite it takes no write lock, so it is answered at once even while
    another process holds one (a purge, a key rotation, a maintenance shell)."""
    with (app or current_app).extensions["kinfo_db_statements"].connect() as connection:
        yield connection


@contextmanager
def session() -> Session:
    """A session in one transaction: committed on success, rolled back on error."""
    with current_app.extensions["kinfo_sessionmaker"].begin() as db_session:
        yield db_session


def init_app(app) -> None:
    """Create the engine (the SQLite file, private, appears on first start; the schema is kinfo.core.schema's)."""
    instance = files.private_instance_folder(Path(app.instance_path))
    url = app.config.get("DATABASE_URL")
    if not url:
        database = instance / "kinfo.sqlite3"
        files.create_private(database)  # before SQLite makes it 0644; its -wal and -shm files copy its mode
        url = f"sqlite:///{database}"
    db_engine = make_engine(url, float(app.config["SQLITE_BUSY_TIMEOUT"]))
    app.extensions["kinfo_db"] = db_engine
    # The same engine and pool, its connections marked once for statements() rather than on every use.
    app.extensions["kinfo_db_statements"] = db_engine.execution_options(**{ONE_STATEMENT_TRANSACTIONS: True})
    app.extensions["kinfo_sessionmaker"] = sessionmaker(db_engine, expire_on_commit=False)
