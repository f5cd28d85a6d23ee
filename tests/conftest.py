"""Fixtures: a fresh app per test with its own instance folder (and so its own SQLite file and keys)."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import create_engine, text

from kinfo import create_app
from kinfo.core.i18n import LANGUAGES, Language, translated_languages

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
# The throwaway PostgreSQL server tests/run starts (it sets this); the PostgreSQL legs need it.
POSTGRES_URL = os.environ.get("KINFO_TEST_POSTGRES_URL")


@pytest.fixture
def make_app(tmp_path):
    """Build an app with test settings; keyword arguments override settings."""

    def factory(**settings):
        config = {"ENV": "test", "SECRET_KEY": TEST_SECRET, "TESTING": True, **settings}
        return create_app(config, instance_path=str(tmp_path / "instance"))

    return factory


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def client_from(app, address: str):
    """A test client whose requests come from ``address`` (for the per-client limits)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@contextmanager
def new_postgres_database(prefix: str):
    """A new, empty database on the test PostgreSQL server, dropped afterwards with whatever is connected."""
    assert POSTGRES_URL, "the PostgreSQL legs need KINFO_TEST_POSTGRES_URL: tests/run starts a server and sets it"
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request):
    """A fresh database per test: a SQLite file, or a new database on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield None  # the default: instance/kinfo.sqlite3
        return
    with new_postgres_database("kinfo_test") as url:
        yield url


@pytest.fixture
def backend_app(make_app, database_url):
    """The app on each backend in turn (SQLite, then PostgreSQL)."""
    app = make_app(DATABASE_URL=database_url)
    yield app
    app.extensions["kinfo_db"].dispose()


# The heavier browser flows (offline, install, reflow, layout shifts, listen, leave…) run in full for these
# languages — the source, both scripts of every right-to-left and CJK kind we ship first, and a long one — and
# for a rotating sample of the others; every page check runs in every language.
ALWAYS_IN_FULL = ("en", "ar", "zh-Hans", "de")
SAMPLE_SIZE = 1


def sampled_languages(day: date | None = None, setting: str | None = None) -> tuple[Language, ...]:
    """The languages the heavier flows run in today: ``ALWAYS_IN_FULL`` and ``SAMPLE_SIZE`` of the others,
    a different one each day, so every language has its turn within ``len(others)`` days.

    ``KINFO_TEST_LANGUAGES`` overrides the sample: ``all`` for every language (before a release), or a
    comma-separated list of tags (to reproduce a failure)."""
    setting = os.environ.get("KINFO_TEST_LANGUAGES", "") if setting is None else setting
    if setting.strip() == "all":
        return LANGUAGES
    always = [language for language in LANGUAGES if language.tag in ALWAYS_IN_FULL]
    if setting.strip():
        wanted = {tag.strip().lower() for tag in setting.split(",")}
        return tuple(always + [language for language in LANGUAGES if language.url_tag in wanted
                               and language not in always])
    others = [language for language in LANGUAGES if language.tag not in ALWAYS_IN_FULL]
    start = (day or date.today()).toordinal() * SAMPLE_SIZE
    sample = [others[(start + offset) % len(others)] for offset in range(min(SAMPLE_SIZE, len(others)))]
    return tuple(language for language in LANGUAGES if language in always or language in sample)


def pytest_report_header(config):
    tags = ", ".join(language.tag for language in sampled_languages())
    return f"kinfo: heavier browser flows run in {tags} (KINFO_TEST_LANGUAGES=all for every language)"


def pytest_generate_tests(metafunc):
    """``language`` and ``translated_language`` parameters run once per shipped language; a test marked
    ``sampled_languages`` (a heavier browser flow) runs in today's sample instead."""
    if "language" in metafunc.fixturenames:
        sampled = metafunc.definition.get_closest_marker("sampled_languages") is not None
        languages = sampled_languages() if sampled else LANGUAGES
        metafunc.parametrize("language", languages, ids=[language.tag for language in languages])
    if "translated_language" in metafunc.fixturenames:
        languages = translated_languages()
        metafunc.parametrize("translated_language", languages, ids=[language.tag for language in languages])
