"""Settings: safe defaults, no start in production without a real secret key, and no page served in
production until the address printed on handouts is a real public https:// one."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from kinfo import create_app
from kinfo.core.config import PROJECT_ROOT, ConfigurationError, public_base_url_problem

REAL_KEY = "k" * 48


@pytest.mark.parametrize("key", [None, "", "dev", "changeme", "short-but-not-placeholder"])
def test_production_refuses_to_start_without_a_real_secret_key(tmp_path, key):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app({"ENV": "production", "SECRET_KEY": key}, instance_path=str(tmp_path))


def test_production_starts_with_a_real_key_and_secure_cookies(tmp_path):
    app = create_app({"ENV": "production", "SECRET_KEY": REAL_KEY, "PUBLIC_BASE_URL": "https://kinfo.test"},
                     instance_path=str(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.test_client().get("/en/").status_code == 200


def test_the_environment_overrides_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("KINFO_ENV", "production")
    monkeypatch.setenv("KINFO_SECRET_KEY", "e" * 48)
    monkeypatch.setenv("KINFO_PUBLIC_BASE_URL", "https://kinfo.test")
    monkeypatch.setenv("KINFO_CLINIC_NAME", "Harbour Clinic")
    monkeypatch.setenv("KINFO_CRISIS_REGION", "UK")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["CLINIC_NAME"] == "Harbour Clinic"
    assert '<bdi dir="ltr">999</bdi>' in app.test_client().get("/en/").get_data(as_text=True)


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


PUBLIC_ADDRESSES = ["https://kinfo.test", "https://info.clinic.example.org/", "https://clinic.org:8443",
                    "https://8.8.8.8", "https://[2606:4700::1111]", "https://kinfo.test/patients"]
NOT_PUBLIC = {
    None: "is not set",
    "": "is not set",
    "http://kinfo.test": "https://",
    "ftp://kinfo.test": "https://",
    "kinfo.test": "https://",
    "https://": "no host",
    "https://127.0.0.1:5000": "loopback",
    "https://127.1": "loopback",
    "https://2130706433": "loopback",
    "https://0x7f.0.0.1": "loopback",
    "https://10.0.0.5": "private",
    "https://192.168.1.20": "private",
    "https://172.16.0.1": "private",
    "https://169.254.10.1": "private",
    "https://100.64.0.1": "private",
    "https://0.0.0.0": "private",
    "https://[::1]": "loopback",
    "https://[fd00::1]": "private",
    "https://[::ffff:127.0.0.1]": "loopback",
    "https://localhost": "not public",
    "https://LOCALHOST.": "not public",
    "https://kinfo.localhost": "not public",
    "https://printer.local": "not public",
    "https://kinfo.internal": "not public",
    "https://router.home.arpa": "not public",
    "https://intranet": "not public",
    "https://kinfo.corp": "not public",
    "https://user:secret@kinfo.test": "plain address",
    "https://kinfo.test/?lang=en": "plain address",
    "https://kinfo.test:port": "not a valid address",
}


@pytest.mark.parametrize("url", PUBLIC_ADDRESSES)
def test_a_public_https_address_can_be_printed(url):
    assert public_base_url_problem(url) is None


@pytest.mark.parametrize(("url", "reason"), NOT_PUBLIC.items(), ids=[repr(url) for url in NOT_PUBLIC])
def test_an_address_nobody_outside_the_clinic_can_open_is_refused_without_a_dns_lookup(url, reason, monkeypatch):
    import socket

    def no_dns(*args, **kwargs):
        raise AssertionError("the address is judged without a DNS lookup")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    monkeypatch.setattr(socket, "gethostbyname", no_dns)
    problem = public_base_url_problem(url)
    assert problem is not None and "KINFO_PUBLIC_BASE_URL" in problem and reason in problem


@pytest.mark.parametrize("url", [None, "http://127.0.0.1:5000", "https://192.168.1.20", "https://kinfo.local"])
def test_production_serves_no_page_until_the_public_address_is_real(tmp_path, url, caplog):
    app = create_app({"ENV": "production", "SECRET_KEY": REAL_KEY, "PUBLIC_BASE_URL": url},
                     instance_path=str(tmp_path))
    assert "Not serving: KINFO_PUBLIC_BASE_URL" in caplog.text
    client = app.test_client()
    for path in ("/", "/en/", "/en/handout", "/handouts", "/staff/login"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert "KINFO_PUBLIC_BASE_URL" in response.get_data(as_text=True)
        assert "public" not in response.headers.get("Cache-Control", "")


def test_flask_commands_still_run_in_production_and_report_the_missing_address(tmp_path):
    env = {name: value for name, value in os.environ.items() if not name.startswith("KINFO_")}
    env.update(KINFO_ENV="production", KINFO_SECRET_KEY=REAL_KEY, KINFO_INSTANCE_PATH=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "translate", "compile"],
                            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Not serving: KINFO_PUBLIC_BASE_URL is not set" in result.stderr


@pytest.mark.parametrize("env", ["development", "test"])
def test_development_and_tests_print_the_local_address_by_default(tmp_path, env):
    app = create_app({"ENV": env, "SECRET_KEY": REAL_KEY}, instance_path=str(tmp_path))
    assert app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    page = app.test_client().get("/en/handout").get_data(as_text=True)
    assert '<bdi class="address">http://127.0.0.1:5000/en/</bdi>' in page


def test_a_trailing_slash_in_the_public_address_makes_no_double_slash(tmp_path):
    app = create_app({"ENV": "production", "SECRET_KEY": REAL_KEY, "PUBLIC_BASE_URL": "https://kinfo.test/"},
                     instance_path=str(tmp_path))
    page = app.test_client().get("/es/").get_data(as_text=True)
    assert 'hreflang="x-default" href="https://kinfo.test/"' in page and "kinfo.test//" not in page


def production_env(tmp_path, **settings) -> dict:
    env = {name: value for name, value in os.environ.items() if not name.startswith("KINFO_")}
    env.update(KINFO_ENV="production", KINFO_SECRET_KEY=REAL_KEY, KINFO_PUBLIC_BASE_URL="https://kinfo.test",
               KINFO_INSTANCE_PATH=str(tmp_path / "instance"), **settings)
    return env


def test_a_phone_number_written_as_digits_stays_a_phone_number(tmp_path, monkeypatch):
    for name, value in production_env(tmp_path, KINFO_CLINIC_PHONE="5035550142", KINFO_CLINIC_NAME="2024").items():
        monkeypatch.setenv(name, value)
    app = create_app()
    page = app.test_client().get("/en/").get_data(as_text=True)
    assert app.config["CLINIC_PHONE"] == "5035550142" and 'href="tel:5035550142"' in page


@pytest.mark.parametrize(("name", "value", "says"), [
    ("KINFO_CRISIS_CHECKED_ON", "12/01/2026", "written like 2026-11-25"),
    ("KINFO_CRISIS_CHECKED_ON", "2062-12-01", "is in the future"),
    ("KINFO_PROXY_COUNT", "yes", "KINFO_PROXY_COUNT must be a whole number"),
    ("KINFO_PROXY_COUNT", "-1", "KINFO_PROXY_COUNT must be a whole number"),
    ("KINFO_SUBMISSION_RETENTION_DAYS", "0", "at least 1"),
    ("KINFO_SMTP_STARTTLS", "yes", "true or false"),
])
def test_a_setting_of_the_wrong_kind_stops_the_start_and_names_it(tmp_path, monkeypatch, name, value, says):
    for setting, text in production_env(tmp_path, **{name: value}).items():
        monkeypatch.setenv(setting, text)
    with pytest.raises(ConfigurationError, match=says):
        create_app()


def test_a_flask_command_says_why_the_app_cannot_start_in_one_line(tmp_path):
    env = production_env(tmp_path)
    del env["KINFO_SECRET_KEY"]  # the settings file was not loaded
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "check"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.startswith("BLOCKER Refusing to start in production without a real SECRET_KEY")
    assert "Traceback" not in result.stderr


def test_root_does_not_write_into_the_site_users_instance_folder(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o700)
    if os.geteuid() == 0:
        os.chown(instance, 65534, 65534)  # the site's user (here: nobody); else it is this test's own user
    monkeypatch.setattr("kinfo.core.config.os.geteuid", lambda: 0)  # a command run as root
    for name, value in production_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match="This is root, and the instance folder .* kinfo-flask <command>"):
        create_app()
    assert list(instance.iterdir()) == []  # nothing created for the site to trip over
