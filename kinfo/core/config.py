"""Paths, defaults and clinic settings.

Every setting can be overridden from the environment with the prefix ``KINFO_`` (values that parse as JSON
are read as JSON, so ``KINFO_CRISIS_LINES`` can hold a whole table), or from ``instance/kinfo.cfg``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"
TRANSLATIONS_DIR = PROJECT_ROOT / "translations"

# Values people paste from tutorials; a production key must be none of these and long enough to guess at.
PLACEHOLDER_SECRETS = {"", "dev", "secret", "changeme", "change-me", "please-change-me", "test", "xxx"}
MINIMUM_SECRET_LENGTH = 32

# Crisis help by region. Numbers and names are proper nouns and stay as written; the sentence around each
# line is translated from its ``kind`` (see templates/_crisis.html). Check the numbers before changing the
# ``CRISIS_CHECKED_ON`` date.
DEFAULT_CRISIS_LINES: dict[str, list[dict[str, str]]] = {
    "US": [
        {"kind": "emergency", "number": "911"},
        {"kind": "call_or_text", "number": "988", "name": "988 Suicide & Crisis Lifeline"},
    ],
    "UK": [
        {"kind": "emergency", "number": "999"},
        {"kind": "call_option", "number": "111", "option": "2", "name": "NHS 111"},
        {"kind": "call", "number": "116 123", "name": "Samaritans"},
    ],
}

DEFAULTS: dict[str, object] = {
    # "production" unless told otherwise: the safe default refuses to start without a real secret key.
    "ENV": "production",
    "SECRET_KEY": None,
    "CLINIC_NAME": "Example Infusion Clinic",
    "CLINIC_PHONE": "+1 555 0100",
    "CLINIC_ADDRESS": "100 Example Street, Springfield",
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    "CRISIS_REGION": "US",
    "CRISIS_LINES": DEFAULT_CRISIS_LINES,
    "CRISIS_CHECKED_ON": "2026-11-25",
    # Where "Leave this page" goes: a path on this site or an http(s) address. The default, our own empty page,
    # works offline and names nothing; an everyday site elsewhere hides more but needs a connection.
    "LEAVE_URL": "/leave",
    # Public pages may be kept by the browser and by shared caches for this many seconds.
    "PUBLIC_MAX_AGE": 300,
    # Keep rendered public pages in memory (kinfo.pagecache). Off only to measure the difference.
    "PAGE_CACHE": True,
    "BABEL_TRANSLATION_DIRECTORIES": str(TRANSLATIONS_DIR),
    "BABEL_DEFAULT_LOCALE": "en",
    "LANGUAGE_COOKIE": "kinfo_lang",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": True,
    # A self-check with every note filled is well under this; anything bigger is refused with 413.
    "MAX_CONTENT_LENGTH": 16 * 1024,
    "MAX_FORM_MEMORY_SIZE": 16 * 1024,
    # SQLAlchemy URL; default: a SQLite file in the instance folder, created on first start.
    "DATABASE_URL": None,
    # Fernet keys, newest first (comma-separated in the environment); default: instance/encryption.keys.
    "ENCRYPTION_KEYS": None,
    # Self-check: questions a clinic switches off (only those not from the article), and the blood
    # pressure reading (top, bottom) at or above which the patient is asked to talk about it.
    "SELF_CHECK_OFF": [],
    "SELF_CHECK_BP_THRESHOLD": [140, 90],
    "WTF_CSRF_TIME_LIMIT": 3600,
    # Staff: sessions end after this many idle minutes; logins are throttled per account and per client
    # address over a window (counted in the database, so the limit holds across every worker).
    "STAFF_IDLE_MINUTES": 30,
    "STAFF_THROTTLE_MINUTES": 15,
    "STAFF_MAX_FAILURES_PER_ACCOUNT": 5,
    "STAFF_MAX_FAILURES_PER_CLIENT": 20,
    # Self-checks older than this are purged by `flask submissions purge` (run it daily, see README).
    "SUBMISSION_RETENTION_DAYS": 30,
    # Number of reverse proxies in front of the app that set X-Forwarded-For (for the client address).
    "PROXY_COUNT": 0,
    # Every form message is ours and translated (kinfo/selfcheck/forms.py); WTForms' own catalog is never needed.
    "WTF_I18N_ENABLED": False,
}


class ConfigurationError(RuntimeError):
    """The app was asked to start with settings that would be unsafe or cannot work."""


def load(app, test_config: dict | None = None) -> None:
    """Fill ``app.config`` from defaults, ``instance/kinfo.cfg``, the environment, then ``test_config``."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("kinfo.cfg", silent=True)
        app.config.from_prefixed_env("KINFO")
    else:
        app.config.from_mapping(test_config)
    if app.debug and app.config["ENV"] == "production" and "KINFO_ENV" not in os.environ:
        # `flask run --debug` is local development by definition.
        app.config["ENV"] = "development"
    _check_secret_key(app)
    _check_clinic_settings(app.config)
    _check_leave_url(app.config["LEAVE_URL"])
    if app.config["ENV"] != "production":
        app.config["SESSION_COOKIE_SECURE"] = False


def _check_secret_key(app) -> None:
    key = app.config.get("SECRET_KEY")
    if app.config["ENV"] == "production":
        if not key or key.strip().lower() in PLACEHOLDER_SECRETS or len(key) < MINIMUM_SECRET_LENGTH:
            raise ConfigurationError(
                "Refusing to start in production without a real SECRET_KEY: set KINFO_SECRET_KEY to a "
                f"random value of at least {MINIMUM_SECRET_LENGTH} characters, for example the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        return
    if not key:
        # Development and tests: one random key per instance folder, so sessions survive restarts.
        path = Path(app.instance_path) / "secret_key"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        app.config["SECRET_KEY"] = path.read_text().strip()


def _check_leave_url(url: object) -> None:
    """A path on this site (``/leave``) or an http(s) address; nothing a link could run or misread."""
    if not isinstance(url, str):
        raise ConfigurationError(f"LEAVE_URL must be a path or an http(s) address, not {url!r}.")
    own_path = url.startswith("/") and not url.startswith("//")
    elsewhere = url.startswith(("https://", "http://")) and len(url.split("/", 3)[2]) > 0
    if not (own_path or elsewhere) or any(ch.isspace() or ch in '\\"<>' for ch in url):
        raise ConfigurationError(f"LEAVE_URL {url!r} must be a path on this site (like /leave) or an http(s) "
                                 "address (like https://www.bbc.co.uk/weather).")


def _check_clinic_settings(config) -> None:
    region = config["CRISIS_REGION"]
    lines = config["CRISIS_LINES"]
    if region not in lines:
        raise ConfigurationError(f"CRISIS_REGION {region!r} has no entry in CRISIS_LINES ({sorted(lines)}).")
    known_kinds = {"emergency", "call_or_text", "call", "text", "call_option"}
    for line in lines[region]:
        if line.get("kind") not in known_kinds or not line.get("number"):
            raise ConfigurationError(f"Crisis line {line!r} needs a number and a kind out of {known_kinds}.")
    if not any(line["kind"] == "emergency" for line in lines[region]):
        raise ConfigurationError(f"Crisis help for {region} needs an emergency number.")
