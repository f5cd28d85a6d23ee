"""The database: an engine from settings, SQLite tuned for several workers and for durable commits, and
connections dropped when they break.

The default is a SQLite file in the instance folder, created on first start. Any SQLAlchemy URL works
through ``KINFO_DATABASE_URL`` (PostgreSQL included). The schema is brought up to date by
``kinfo.core.schema``, once per server start, never by each worker.
"""

from __future__ import annotations

import contextlib
import sqlite3
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

# SQLite errors after which a connection is not worth keeping: one opened while the files were unwritable
# stays read-only for good ("attempt to write a readonly database" long after the files are writable again),
# and one that saw an I/O error or a lock it could not get is replaced just as cheaply.
BROKEN_SQLITE_CONNECTION = ("readonly database", "disk i/o error", "database is locked", "unable to open",
                            "database or disk is full")
# PostgreSQL states after which a fresh connection may succeed where this one cannot: a read-only
# transaction (a standby after a failover), and the server going away or refusing writes for lack of space.
BROKEN_POSTGRESQL_STATES = {"25006", "53100", "57P01", "57P02", "57P03", "08000", "08003", "08006"}


def _tune_sqlite(engine: Engine, busy_timeout_seconds: float) -> None:
    """WAL for concurrent readers, a busy timeout, secure_delete so deleted rows leave the file, and
    BEGIN IMMEDIATE so a writer takes the lock up front: in WAL mode a transaction that reads and then writes
    fails at once with "database is locked" when another writer got in between, busy timeout or not.
    A connection from ``statements()`` or ``reading()`` issues no BEGIN: SQLite makes each statement its own
    transaction, and a read takes no write lock.

    ``synchronous=FULL``: every commit is on the disk before it returns, so a reference code shown to a
    patient survives a crash or power cut (with NORMAL, the last commits before a crash could vanish)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN itself
        cursor = dbapi_connection.cursor()
        # mmap: each worker process reads pages straight from the file's shared mapping instead of copying
        # them in with a system call, which matters because another worker's commit empties this
        # connection's page cache.
        # The busy timeout first: switching a new database to WAL needs a lock that another process starting
        # at the same moment may hold, and without a timeout SQLite gives up at once ("database is locked").
        for pragma in (f"busy_timeout={int(busy_timeout_seconds * 1000)}", "journal_mode=WAL", "secure_delete=ON",
                       "foreign_keys=ON", "synchronous=FULL", f"mmap_size={64 * 1024 * 1024}"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if not connection.get_execution_options().get(ONE_STATEMENT_TRANSACTIONS):
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_broken_connection_error(error: BaseException) -> bool:
    """Whether a database error means the connection that raised it should be dropped, not reused."""
    if isinstance(error, sqlite3.OperationalError):
        message = str(error).lower()
        return any(part in message for part in BROKEN_SQLITE_CONNECTION)
    return getattr(error, "sqlstate", None) in BROKEN_POSTGRESQL_STATES


def _drop_broken_connections(engine: Engine) -> None:
    """Treat the errors above like a lost connection: SQLAlchemy closes the connection and every other one
    in this process's pool, so the next request opens fresh ones instead of failing the same way forever."""

    @event.listens_for(engine, "handle_error")
    def _on_error(context):
        if not context.is_disconnect and is_broken_connection_error(context.original_exception):
            context.is_disconnect = True
            # The failed statement must go first: SQLite only defers closing a connection one of whose
            # statements is still alive (here, referenced from the error's traceback until the garbage
            # collector gets to it), and such a zombie keeps the file's shared memory open read-only for
            # every new connection this process opens after it — the very fault this is meant to end.
            cursor = getattr(context.execution_context, "cursor", None)
            if cursor is not None:
                with contextlib.suppress(Exception):
                    cursor.close()


def make_engine(url: str, busy_timeout_seconds: float = 10) -> Engine:
    """An engine that never puts bound values (answers!) into error messages or logs."""
    engine = create_engine(url, hide_parameters=True, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine, busy_timeout_seconds)
    _drop_broken_connections(engine)
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
