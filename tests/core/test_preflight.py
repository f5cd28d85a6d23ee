"""The launch check names every blocker a clinic must fix before patients arrive, and passes a site that is
ready."""

from __future__ import annotations

import pytest

from kinfo.core import proxies

READY = {"ENV": "production", "PUBLIC_BASE_URL": "https://kinfo.clinic.example.org", "CLINIC_NAME": "Harbour Clinic",
         "CLINIC_PHONE": "+1 206 555 0199", "CLINIC_ADDRESS": "1 Harbour Way, Seattle", "PROXY_COUNT": 1,
         "SESSION_COOKIE_SECURE": True}


def run_check(app):
    return app.test_cli_runner().invoke(args=["check"])


def test_a_fresh_clone_is_not_ready_and_says_why(app):
    result = run_check(app)
    assert result.exit_code != 0
    for blocker in ("KINFO_ENV", "KINFO_PUBLIC_BASE_URL", "KINFO_CLINIC_NAME", "KINFO_CLINIC_PHONE"):
        assert f"BLOCKER KINFO_{blocker.removeprefix('KINFO_')}" in result.output or blocker in result.output
    assert "No medical translator has reviewed: Español" in result.output


@pytest.mark.parametrize(("setting", "value", "says"), [
    ("PUBLIC_BASE_URL", "http://kinfo.clinic.example.org", "must start with https://"),
    ("PUBLIC_BASE_URL", "https://127.0.0.1", "loopback, private or reserved"),
    ("PUBLIC_BASE_URL", "https://10.0.0.5", "loopback, private or reserved"),
    ("PUBLIC_BASE_URL", "https://kinfo.local", "not public"),
    ("CLINIC_NAME", "Example Infusion Clinic", "still the example"),
    ("CRISIS_CHECKED_ON", "2024-01-01", "last checked on 2024-01-01"),
    ("PROXY_COUNT", 0, "KINFO_PROXY_COUNT is 0"),
    ("PROXY_COUNT", 2, "could choose its own address"),
])
def test_each_blocker_is_named(make_app, monkeypatch, setting, value, says):
    app = make_app(**{**READY, setting: value})
    monkeypatch.setattr(proxies, "seen", lambda app: {"loopback": [1]})  # as the shipped nginx sends
    result = run_check(app)
    assert result.exit_code != 0 and says in result.output, result.output


def test_a_ready_site_passes_and_reminds_where_the_keys_live(make_app, monkeypatch):
    app = make_app(**READY)
    monkeypatch.setattr(proxies, "seen", lambda app: {"loopback": [1]})
    monkeypatch.setattr("kinfo.preflight._timers", lambda alerts: [])
    result = run_check(app)
    assert result.exit_code == 0, result.output
    assert "Back them up apart from the database backups" in result.output and "ready: no blockers" in result.output


def test_requests_record_where_they_came_from_once_per_kind(make_app):
    app = make_app(PROXY_COUNT=1)
    client = app.test_client()
    client.get("/en/", headers={"X-Forwarded-For": "203.0.113.9"})
    client.get("/en/self-check", headers={"X-Forwarded-For": "203.0.113.10"})
    client.get("/en/offline")
    assert proxies.seen(app) == {"loopback": [0, 1]}


def test_requests_the_app_makes_to_itself_are_not_recorded(make_app):
    app = make_app(PROXY_COUNT=1)
    app.test_client().get("/sw.js", headers={"X-Forwarded-For": "203.0.113.9"})  # builds every offline bundle
    assert proxies.seen(app) == {"loopback": [1]}


def test_catalogs_older_than_their_sources_are_a_blocker(make_app, monkeypatch):
    app = make_app(**READY)
    monkeypatch.setattr(proxies, "seen", lambda app: {"loopback": [1]})
    monkeypatch.setattr("kinfo.preflight.check_catalogs", lambda: ["de: messages.mo is missing or older than "
                                                                   "messages.po"])
    result = run_check(app)
    assert result.exit_code != 0
    assert "BLOCKER The translations are not built, so the site serves no page: de:" in result.output
