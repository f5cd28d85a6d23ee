"""Settings: safe defaults, and no start in production without a real secret key."""

from __future__ import annotations

import pytest

from kinfo import create_app
from kinfo.core.config import ConfigurationError


@pytest.mark.parametrize("key", [None, "", "dev", "changeme", "short-but-not-placeholder"])
def test_production_refuses_to_start_without_a_real_secret_key(tmp_path, key):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app({"ENV": "production", "SECRET_KEY": key}, instance_path=str(tmp_path))


def test_production_starts_with_a_real_key_and_secure_cookies(tmp_path):
    app = create_app({"ENV": "production", "SECRET_KEY": "k" * 48}, instance_path=str(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_the_environment_overrides_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("KINFO_ENV", "production")
    monkeypatch.setenv("KINFO_SECRET_KEY", "e" * 48)
    monkeypatch.setenv("KINFO_CLINIC_NAME", "Harbour Clinic")
    monkeypatch.setenv("KINFO_CRISIS_REGION", "UK")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["CLINIC_NAME"] == "Harbour Clinic"
    assert "<bdi>999</bdi>" in app.test_client().get("/en/").get_data(as_text=True)


def test_development_makes_and_keeps_its_own_key(tmp_path):
    first = create_app({"ENV": "development"}, instance_path=str(tmp_path)).config["SECRET_KEY"]
    second = create_app({"ENV": "development"}, instance_path=str(tmp_path)).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    "settings",
    [
        {"CRISIS_REGION": "FR"},
        {"CRISIS_LINES": {"US": [{"kind": "call", "number": "988", "name": "x"}]}},
        {"CRISIS_LINES": {"US": [{"kind": "emergency", "number": ""}]}},
        {"CRISIS_LINES": {"US": [{"kind": "shout", "number": "1"}]}},
    ],
)
def test_crisis_settings_that_cannot_help_anyone_stop_the_app(tmp_path, settings):
    with pytest.raises(ConfigurationError):
        create_app({"ENV": "test", "SECRET_KEY": "k" * 48, **settings}, instance_path=str(tmp_path))
