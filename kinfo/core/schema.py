"""The database schema: read without the write lock, migrated under a lock, and only where a server starts.

Where the schema is brought up to date (Alembic, ``migrations/``):
- ``gunicorn app:app``: once, in the master, as it starts and on every reload (``gunicorn.conf.py`` runs
  ``flask db upgrade``); its workers only read the revision, so a worker restarting while another process
  holds SQLite's write lock still boots and serves.
- ``flask --app app run``, and an app built in a test or by another WSGI server: as it starts.
- ``flask --app app db upgrade``: on demand.
Never in other commands (``flask submissions purge`` runs daily from cron): they refuse to run on an older
schema rather than change it under a running site.

A start reads the revision first and takes a lock only when it must migrate: SQLite's write lock, and on
PostgreSQL an advisory lock besides, so two instances starting together never race.
"""

from __future__ import annotations

import logging
import zlib
from functools import cache

import click
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from . import db, encryption
from .config import PROJECT_ROOT, ConfigurationError

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
# One number for every kinfo instance that shares a PostgreSQL database (advisory locks are per database).
ADVISORY_LOCK = zlib.crc32(b"kinfo schema migration")

log = logging.getLogger(__name__)


class SchemaBehind(ConfigurationError):
    """The database is at an older revision than this code, and this process may not migrate it."""


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@cache
def head() -> str:
    """The newest revision in ``migrations/``."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(app) -> str | None:
    """The database's revision (None before the first migration), read without any write lock."""
    with db.reading(app) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> bool:
    """Migrate to the newest revision under the database's write lock; True if this call migrated.

    The revision is read again once the lock is held: another process may have migrated meanwhile."""
    with engine.begin() as connection:  # SQLite: BEGIN IMMEDIATE, which waits for (and then holds) the lock
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
        if MigrationContext.configure(connection).get_current_revision() == head():
            return False
        config = alembic_config(str(engine.url))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return True


def prepare(app, may_migrate: bool) -> None:
    """Make sure the schema is the newest (migrating if allowed) and the encryption key reads the database.

    When the schema is already current and the key check row exists, nothing is written and no lock taken."""
    revision = current_revision(app)
    if revision != head():
        if not may_migrate:
            raise SchemaBehind(
                f"The database is at schema revision {revision or 'none (not created yet)'}; this version of "
                f"kinfo needs {head()}. Start or reload the server, which migrates it (`gunicorn app:app`, "
                "`flask --app app run`), or run `flask --app app db upgrade`.")
        if upgrade(app.extensions["kinfo_db"]):
            log.info("database migrated from %s to %s", revision, head())
    encryption.check_key(app)


def in_a_command() -> bool:
    """Whether this app is being built for a flask command other than ``flask run`` (whose database work
    checks the schema when it runs: ``kinfo.cli``)."""
    context = click.get_current_context(silent=True)
    return context is not None and context.info_name != "run"


def on_start(app) -> None:
    """The start-up step for the database; see the module's docstring for where migrations happen."""
    if in_a_command():
        return
    if not app.config["SCHEMA_MANAGED_BY_SERVER"]:
        prepare(app, may_migrate=True)
        return
    # A gunicorn worker: the master migrated before starting it. It only reads, and a database that cannot
    # be read this moment must not stop it from booting (gunicorn would take every other worker down with
    # it); the requests that need the database will say so, and recover, on their own.
    try:
        prepare(app, may_migrate=False)
    except SchemaBehind as error:
        log.error("%s Serving with it anyway: the server's migration step failed, see its log.", error)
    except SQLAlchemyError as error:
        log.error("Could not read the database while starting (%s); serving, and trying again per request.",
                  type(error).__name__)
