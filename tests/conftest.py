"""Fixtures: a fresh app per test with its own instance folder (and so its own SQLite file and keys)."""

from __future__ import annotations

import pytest

from kinfo import create_app
from kinfo.core.i18n import LANGUAGES, translated_languages

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


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


def pytest_generate_tests(metafunc):
    """``language`` and ``translated_language`` parameters run once per shipped language, Arabic always in."""
    if "language" in metafunc.fixturenames:
        metafunc.parametrize("language", LANGUAGES, ids=[language.tag for language in LANGUAGES])
    if "translated_language" in metafunc.fixturenames:
        languages = translated_languages()
        metafunc.parametrize("translated_language", languages, ids=[language.tag for language in languages])
