"""The launch checklist (``flask --app app check``): what a clinic must settle before patients arrive, and
after every change of settings. A blocker makes the command exit non-zero; a warning is printed for a person
to judge. Nothing here changes anything."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from .core import proxies
from .core.config import DEFAULTS, public_base_url_problem
from .core.i18n import LANGUAGES, check_catalogs

CRISIS_CHECK_MAX_AGE = timedelta(days=183)
TIMERS = ("kinfo-purge.timer", "kinfo-alerts.timer")


@dataclass(frozen=True)
class Finding:
    """One line of the checklist."""

    level: str  # "ok", "warn" or "block"
    text: str


def _public_url(url: str) -> Finding:
    problem = public_base_url_problem(url)
    if problem is not None:
        return Finding("block", f"{problem}: it must be the https:// address patients use (it is printed on "
                                "every handout and in its QR code).")
    return Finding("ok", f"Public address: {url}")


def _proxy_count(app) -> Finding:
    count, seen = int(app.config["PROXY_COUNT"]), proxies.seen(app)
    if not seen:
        return Finding("warn", f"KINFO_PROXY_COUNT is {count}; no requests recorded yet to compare it with. "
                               "Open the site once through the proxy (a page nginx has not kept: empty its cache "
                               "first, README), then run this check again.")
    forwarded = sorted({hops for hops_seen in seen.values() for hops in hops_seen})
    if count == 0 and any(hops > 0 for hops in forwarded):
        return Finding("block", "Requests arrive through a proxy (X-Forwarded-For seen) but KINFO_PROXY_COUNT is "
                                "0: every patient looks like the proxy to the per-client limits. Set it to 1 behind "
                                "the shipped nginx site.")
    if count > min(forwarded):
        return Finding("block", f"KINFO_PROXY_COUNT is {count} but some requests came with fewer forwarded "
                                f"addresses ({min(forwarded)}): a client could choose its own address. If those "
                                "were your own tests straight to the app, delete "
                                f"{Path(app.instance_path) / proxies.FILE_NAME}, empty nginx's cache (README), "
                                "open the site through the proxy and run this check again.")
    return Finding("ok", f"KINFO_PROXY_COUNT {count} matches the requests seen ({dict(seen)}).")


def _timers(app_alerts: bool = True) -> list[Finding]:
    if not Path("/run/systemd/system").exists() or not shutil.which("systemctl"):
        return [Finding("warn", "No systemd here: make sure cron runs `kinfo-flask submissions purge` "
                                "daily (README, Retention).")]
    findings = []
    for timer in TIMERS if app_alerts else TIMERS[:1]:
        enabled = subprocess.run(["systemctl", "is-enabled", timer], capture_output=True, text=True, check=False)  # noqa: S603, S607
        if enabled.stdout.strip() == "enabled":
            findings.append(Finding("ok", f"{timer} is enabled."))
        else:
            findings.append(Finding("block", f"{timer} is not enabled: systemctl enable --now {timer}"))
    return findings


def run(app) -> list[Finding]:
    """Every finding, in the order a person would go through them."""
    config = app.config
    findings = []
    if config["ENV"] != "production":
        findings.append(Finding("block", f"KINFO_ENV is {config['ENV']!r}: patients must get production "
                                         "(secure cookies, a real secret key)."))
    else:
        findings.append(Finding("ok", "Production settings, with a real secret key (the app refuses to start "
                                      "without one)."))
    findings.append(_public_url(config["PUBLIC_BASE_URL"]))
    catalogs = check_catalogs()
    if catalogs:
        findings.append(Finding("block", "The translations are not built, so the site serves no page: "
                                         + "; ".join(catalogs) + ". Build them: `python -m kinfo.core.catalogs` "
                                         "in the code's folder, as its owner (README, step 0)."))
    for setting in ("CLINIC_NAME", "CLINIC_PHONE", "CLINIC_ADDRESS"):
        if config[setting] == DEFAULTS[setting]:
            findings.append(Finding("block", f"KINFO_{setting} is still the example ({config[setting]!r})."))
    checked = date.fromisoformat(config["CRISIS_CHECKED_ON"])
    if date.today() - checked > CRISIS_CHECK_MAX_AGE:
        findings.append(Finding("block", f"Crisis numbers were last checked on {checked}: call them, check the "
                                         "settings, then set KINFO_CRISIS_CHECKED_ON to today."))
    else:
        findings.append(Finding("ok", f"Crisis numbers ({config['CRISIS_REGION']}) checked on {checked}."))
    keys = "KINFO_ENCRYPTION_KEYS" if config.get("ENCRYPTION_KEYS") else str(Path(app.instance_path) /
                                                                              "encryption.keys")
    findings.append(Finding("ok", f"Encryption keys read the database. Back them up apart from the database "
                                  f"backups: without {keys} no stored self-check can be read (README)."))
    findings += _timers(bool(config.get("ALERT_EMAILS")))
    findings.append(_proxy_count(app))
    unreviewed = [language.endonym for language in LANGUAGES
                  if language.translation_method != "source" and not language.medical_review]
    if unreviewed:
        findings.append(Finding("warn", "No medical translator has reviewed: " + ", ".join(unreviewed) +
                                ". Every page in them says so."))
    return findings
