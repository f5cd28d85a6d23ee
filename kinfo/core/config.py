"""Paths, defaults and clinic settings.

Every setting can be overridden from the environment with the prefix ``KINFO_`` (values that parse as JSON
are read as JSON, so ``KINFO_CRISIS_LINES`` can hold a whole table; text settings are taken as written), or
from ``instance/kinfo.cfg``. Each is checked for its kind as the app starts (``_check_kinds``).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import socket
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import files

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"
TRANSLATIONS_DIR = PROJECT_ROOT / "translations"

# Where development and tests serve the site when PUBLIC_BASE_URL is not set.
LOCAL_BASE_URL = "http://127.0.0.1:5000"
# Names that never reach the public internet (RFC 6761, 6762 appendix G, 8375 and ICANN's .internal); a
# printed address under one of them works only inside the clinic's own network, if at all.
NOT_PUBLIC_NAMES = ("localhost", "local", "internal", "home.arpa", "invalid", "intranet", "private", "corp",
                    "home", "lan")

# Values people paste from tutorials; a production key must be none of these and long enough to guess at.
PLACEHOLDER_SECRETS = {"", "dev", "secret", "changeme", "change-me", "please-change-me", "test", "xxx"}
MINIMUM_SECRET_LENGTH = 32

# Crisis help by region (see kinfo/core/crisis.py for every field). Numbers and names are proper nouns and stay
# as the services write them; the sentences around them are translated. Check every fact below, then change
# ``CRISIS_CHECKED_ON``.
# US: 988 answers calls in English and Spanish (press 2) and offers interpreters in 240+ languages on a call
# (say your language in English); its text line answers in English, and in Spanish when the message is AYUDA.
DEFAULT_CRISIS_LINES: dict[str, list[dict]] = {
    "US": [
        {"kind": "emergency", "number": "911"},
        {"kind": "crisis", "number": "988", "name": "988 Suicide & Crisis Lifeline",
         "names": {"es": "988 Línea de Prevención del Suicidio y Crisis"},
         "text": {"en": "", "es": "AYUDA"}, "options": {"es": "2"}, "option_means": "language",
         "interpreters": "say_language"},
    ],
    "UK": [
        {"kind": "emergency", "number": "999"},
        {"kind": "crisis", "number": "111", "name": "NHS 111", "options": {"*": "2"},
         "option_means": "mental_health", "interpreters": "on_request"},
        {"kind": "crisis", "number": "116 123", "name": "Samaritans"},
    ],
}

DEFAULTS: dict[str, object] = {
    # "production" unless told otherwise: the safe default refuses to start without a real secret key.
    "ENV": "production",
    "SECRET_KEY": None,
    "CLINIC_NAME": "Example Infusion Clinic",
    "CLINIC_PHONE": "+1 555 0100",
    "CLINIC_ADDRESS": "100 Example Street, Springfield",
    # The site's public https:// address, printed on handouts and in their QR codes and used for hreflang
    # links. Required in production (see public_base_url_problem); development and tests use the local one.
    "PUBLIC_BASE_URL": None,
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
    # SQLite: seconds a write waits for another process's write lock (a purge, a key rotation) before failing.
    "SQLITE_BUSY_TIMEOUT": 10,
    # Set by gunicorn.conf.py for its workers (KINFO_SCHEMA_MANAGED_BY_SERVER): the server's start and reload
    # migrate the schema, so a worker only reads it (kinfo.core.schema). Not a setting to change by hand.
    "SCHEMA_MANAGED_BY_SERVER": False,
    # Fernet keys, newest first (comma-separated in the environment); default: instance/encryption.keys.
    "ENCRYPTION_KEYS": None,
    # Self-check: questions a clinic switches off (only those not from the article), and the blood
    # pressure reading (top, bottom) at or above which the patient is asked to talk about it.
    "SELF_CHECK_OFF": [],
    "SELF_CHECK_BP_THRESHOLD": [140, 90],
    # The clinic's time zone, an IANA name (e.g. "America/Chicago"): staff pages show times in it.
    "CLINIC_TIME_ZONE": "UTC",
    # Alerts (kinfo/staff/alerts.py, sent by `flask alerts send` every minute): addresses told that a
    # self-check needs review — never what it says. Empty: no alerts. At most one message per interval.
    "ALERT_EMAILS": [],
    "ALERT_FROM": "kinfo@localhost",
    "ALERT_INTERVAL_MINUTES": 10,
    "ALERT_SAY_URGENT": False,  # allow the one word "urgent" when a crisis self-check is waiting
    "ALERT_LANGUAGE": "en",
    "SMTP_HOST": "localhost",
    "SMTP_PORT": 25,
    "SMTP_STARTTLS": False,
    "SMTP_USERNAME": "",
    "SMTP_PASSWORD": "",
    "WTF_CSRF_TIME_LIMIT": 3600,
    # Staff: sessions end after this many idle minutes; logins are throttled per account and per client
    # address over a window (counted in the database, so the limit holds across every worker).
    "STAFF_IDLE_MINUTES": 30,
    "STAFF_THROTTLE_MINUTES": 15,
    # Per account from one client address (an attacker elsewhere cannot lock the account's owner out), and
    # per client address over every account.
    "STAFF_MAX_FAILURES_PER_ACCOUNT": 5,
    "STAFF_MAX_FAILURES_PER_CLIENT": 20,
    # Consented self-checks stored per minute, from one client address and in all; more are answered 429
    # with Retry-After (the page keeps the outcome, the phone keeps the self-check and sends it later).
    # They bound how fast anyone can fill the database; replays of a stored self-check never count.
    "SUBMISSIONS_PER_CLIENT_PER_MINUTE": 10,
    "SUBMISSIONS_PER_MINUTE": 60,
    # Self-checks older than this are purged by `flask submissions purge` (run it daily, see README).
    "SUBMISSION_RETENTION_DAYS": 30,
    # The waiting-room tablet (/tablet/, kinfo/selfcheck/tablet.py): idle minutes before it asks "Still there?"
    # (or, on an empty form, goes straight back to its start page), and seconds that question waits.
    "TABLET_IDLE_MINUTES": 3,
    "TABLET_STILL_THERE_SECONDS": 60,
    # The clinic's own addresses or networks (e.g. ["203.0.113.7", "10.20.0.0/24"], or comma-separated in the
    # environment): self-checks from them skip the per-client limit above (a tablet sends one patient after
    # another), but still count in SUBMISSIONS_PER_MINUTE.
    "TABLET_CLIENT_ADDRESSES": [],
    # Number of reverse proxies in front of the app that set X-Forwarded-For (for the client address).
    "PROXY_COUNT": 0,
    # Every form message is ours and translated (kinfo/selfcheck/forms.py); WTForms' own catalog is never needed.
    "WTF_I18N_ENABLED": False,
}


# Settings that are text, whatever they look like: the environment's JSON reading would turn a phone number
# written as digits (KINFO_CLINIC_PHONE=5035550142) into a number, and every page that writes it would fail.
TEXT_SETTINGS = ("SECRET_KEY", "CLINIC_NAME", "CLINIC_PHONE", "CLINIC_ADDRESS", "PUBLIC_BASE_URL", "CRISIS_REGION",
                 "CRISIS_CHECKED_ON", "LEAVE_URL", "CLINIC_TIME_ZONE", "ALERT_FROM", "ALERT_LANGUAGE", "SMTP_HOST",
                 "SMTP_USERNAME", "SMTP_PASSWORD", "DATABASE_URL", "ENV")
# Whole numbers, with the smallest value that makes sense (0 self-checks a minute: none stored, each kept on the
# phone and sent later; 0 idle minutes: a staff session ends with each request).
NUMBER_SETTINGS = {"PROXY_COUNT": 0, "PUBLIC_MAX_AGE": 0, "ALERT_INTERVAL_MINUTES": 1,
                   "SMTP_PORT": 1, "STAFF_IDLE_MINUTES": 0, "STAFF_THROTTLE_MINUTES": 1,
                   "STAFF_MAX_FAILURES_PER_ACCOUNT": 1, "STAFF_MAX_FAILURES_PER_CLIENT": 1,
                   "SUBMISSIONS_PER_CLIENT_PER_MINUTE": 0, "SUBMISSIONS_PER_MINUTE": 0,
                   "SUBMISSION_RETENTION_DAYS": 1, "WTF_CSRF_TIME_LIMIT": 1}
FLAG_SETTINGS = ("ALERT_SAY_URGENT", "SMTP_STARTTLS", "PAGE_CACHE", "SCHEMA_MANAGED_BY_SERVER")


class ConfigurationError(RuntimeError):
    """The app was asked to start with settings that would be unsafe or cannot work."""


def load(app, test_config: dict | None = None) -> None:
    """Fill ``app.config`` from defaults, ``instance/kinfo.cfg``, the environment, then ``test_config``."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        _check_instance_folder(Path(app.instance_path))
        app.config.from_pyfile("kinfo.cfg", silent=True)
        app.config.from_prefixed_env("KINFO")
        for name in TEXT_SETTINGS:  # as written, never read as JSON
            if f"KINFO_{name}" in os.environ:
                app.config[name] = os.environ[f"KINFO_{name}"]
    else:
        app.config.from_mapping(test_config)
    _check_kinds(app.config)
    if app.debug and app.config["ENV"] == "production" and "KINFO_ENV" not in os.environ:
        # `flask run --debug` is local development by definition.
        app.config["ENV"] = "development"
    _check_secret_key(app)
    _check_clinic_settings(app.config)
    _check_public_base_url(app)
    _check_leave_url(app.config["LEAVE_URL"])
    if app.config["ENV"] != "production":
        app.config["SESSION_COOKIE_SECURE"] = False


def _check_instance_folder(path: Path) -> None:
    """The instance folder (settings file, keys, SQLite database) must be readable by whoever runs the app: a
    command once run as root leaves it root's, and the service user's next start fails on a file it cannot
    open. Say so plainly, with the fix."""
    if not path.exists():
        return
    if not os.access(path, os.R_OK | os.X_OK):  # (a folder made read-only for a while is allowed)
        raise ConfigurationError(
            f"The instance folder {path} belongs to {files.owner(path)} and this user ({files.owner()}) cannot use "
            f"it. Run kinfo's commands as the user the site runs as (kinfo-flask, in deploy/), or give the folder "
            f"back to that user: chown -R kinfo:kinfo {path}")
    # In production only: a developer's container may well run as root on a checkout that is someone else's.
    production = os.environ.get("KINFO_ENV", DEFAULTS["ENV"]) == "production"
    if production and os.geteuid() == 0 and path.stat().st_uid != 0:
        raise ConfigurationError(
            f"This is root, and the instance folder {path} belongs to {files.owner(path)}: a file this command "
            f"created there (a key, the database) would be root's, and the site could no longer read it. Run "
            f"it as {files.owner(path)}, with the site's settings: kinfo-flask <command> (deploy/kinfo-flask)")


def _check_kinds(config) -> None:
    """Each setting of the kind it must be, before anything uses it: one wrong value must stop the start with
    a message naming it, not break every page later."""
    for name in TEXT_SETTINGS:
        value = config.get(name)
        if value is not None and not isinstance(value, str):
            raise ConfigurationError(f"KINFO_{name} must be text, not {value!r}.")
    for name, smallest in NUMBER_SETTINGS.items():
        value = config.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < smallest:
            raise ConfigurationError(f"KINFO_{name} must be a whole number of at least {smallest}, not {value!r}.")
    timeout = config["SQLITE_BUSY_TIMEOUT"]  # seconds, fractions too
    if isinstance(timeout, str):
        with contextlib.suppress(ValueError):
            timeout = config["SQLITE_BUSY_TIMEOUT"] = float(timeout)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 0:
        raise ConfigurationError(f"KINFO_SQLITE_BUSY_TIMEOUT must be a number of seconds, not {timeout!r}.")
    for name in FLAG_SETTINGS:
        if not isinstance(config.get(name), bool):
            raise ConfigurationError(f"KINFO_{name} must be true or false, not {config.get(name)!r}.")
    checked = config["CRISIS_CHECKED_ON"]
    try:
        checked_on = date.fromisoformat(checked)
        if len(checked) != len("2026-11-25"):
            raise ValueError(checked)
    except ValueError as error:
        raise ConfigurationError(f"KINFO_CRISIS_CHECKED_ON must be the date the crisis numbers were last "
                                 f"checked, written like 2026-11-25 (year-month-day), not {checked!r}.") from error
    if checked_on > date.today() + timedelta(days=1):  # a day's grace for time zones
        raise ConfigurationError(f"KINFO_CRISIS_CHECKED_ON {checked} is in the future: write the date the crisis "
                                 "numbers were last checked.")


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
        path = files.private_folder(Path(app.instance_path)) / "secret_key"
        if not path.exists():
            files.write_atomically(path, secrets.token_urlsafe(48))  # private, and whole after a crash
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
    from .crisis import validate  # crisis.py reads this module's ConfigurationError

    validate(config)
    _check_time_zone(config["CLINIC_TIME_ZONE"])
    _check_tablet_settings(config)


def _check_tablet_settings(config) -> None:
    """Idle times that are positive numbers, and clinic addresses that parse (kept parsed, as networks)."""
    for name in ("TABLET_IDLE_MINUTES", "TABLET_STILL_THERE_SECONDS"):
        value = config[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 24 * 60:
            raise ConfigurationError(f"{name} must be a number greater than 0, not {value!r}.")
    addresses = config["TABLET_CLIENT_ADDRESSES"]
    if isinstance(addresses, str):
        addresses = [part for part in addresses.split(",") if part.strip()]
    if not isinstance(addresses, list | tuple):
        raise ConfigurationError(f"TABLET_CLIENT_ADDRESSES must be a list of addresses, not {addresses!r}.")
    networks = []
    for address in addresses:
        try:
            networks.append(ipaddress.ip_network(str(address).strip(), strict=False))
        except ValueError as error:
            raise ConfigurationError(f"TABLET_CLIENT_ADDRESSES: {address!r} is not an IP address or network "
                                     "such as '203.0.113.7' or '10.20.0.0/24'.") from error
    config["TABLET_CLIENT_NETWORKS"] = tuple(networks)


def _check_time_zone(name) -> None:
    """Refuse a clinic time zone that is not an IANA name this machine knows (e.g. "CST" or "GMT+1")."""
    try:
        if not isinstance(name, str) or not name or name != name.strip():
            raise ValueError(name)
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError) as error:
        raise ConfigurationError(f"CLINIC_TIME_ZONE {name!r} is not an IANA time zone name such as "
                                 "'America/Chicago' or 'Europe/Berlin'.") from error


def public_base_url_problem(url: str | None) -> str | None:
    """Why ``url`` cannot be the address printed on handouts, or None when it can.

    Judged from the address alone, with no DNS lookup: it must be https://, with a host name or address
    that people outside the clinic's network can reach.
    """
    if not url:
        return "KINFO_PUBLIC_BASE_URL is not set"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as error:
        return f"KINFO_PUBLIC_BASE_URL {url!r} is not a valid address ({error})"
    if parts.scheme != "https":
        return f"KINFO_PUBLIC_BASE_URL {url!r} must start with https://"
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment:
        return f"KINFO_PUBLIC_BASE_URL {url!r} must be a plain address, without a user name, query or fragment"
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return f"KINFO_PUBLIC_BASE_URL {url!r} names no host"
    address = _ip_literal(host)
    if address is not None:
        if not address.is_global:
            return f"KINFO_PUBLIC_BASE_URL {url!r} names a loopback, private or reserved address"
        return None
    if "." not in host or any(host == name or host.endswith("." + name) for name in NOT_PUBLIC_NAMES):
        return f"KINFO_PUBLIC_BASE_URL {url!r} names a host that is not public ({host})"
    return None


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host written as an IP literal stands for, in any form a browser accepts (``127.1``,
    ``2130706433``, ``0x7f.0.0.1`` are all 127.0.0.1), or None for a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host.split(".")[-1][:1].isdigit():  # browsers read a host whose last label is a number as IPv4
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _check_public_base_url(app) -> None:
    config = app.config
    if config["ENV"] != "production":
        config["PUBLIC_BASE_URL"] = (config["PUBLIC_BASE_URL"] or LOCAL_BASE_URL).rstrip("/")
        return
    problem = public_base_url_problem(config["PUBLIC_BASE_URL"])
    if problem is None:
        config["PUBLIC_BASE_URL"] = config["PUBLIC_BASE_URL"].rstrip("/")
        return
    # Handouts would print an address nobody can open. Commands still run (they report this), but no page
    # is served until the setting is fixed.
    app.logger.error("Not serving: %s. Set it to the site's public https:// address.", problem)

    @app.before_request
    def _refuse_without_a_public_address():
        return ("The site's public address is not set correctly: set KINFO_PUBLIC_BASE_URL to its public "
                "https:// address.\n", 503, {"Content-Type": "text/plain; charset=utf-8", "Retry-After": "60"})
