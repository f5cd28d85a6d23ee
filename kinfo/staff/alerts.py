"""Telling the clinic by email that a self-check needs review — never what it says.

The outbox row is written by the database with the self-check (migration 0004). ``flask alerts send``, run
every minute by a timer (README), sends at most one message per ``ALERT_INTERVAL_MINUTES`` however many
self-checks arrived, retries a failed send with growing waits (1, 2, 4 … up to 60 minutes), and never runs
twice at once (a file lock). Sending happens outside the patient's request, so a slow or broken mail server
can neither delay nor fail a submission. The message holds no name, answers, reference code or urgency;
the single word "urgent" only when ``ALERT_SAY_URGENT`` allows it."""

from __future__ import annotations

import fcntl
import smtplib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale, gettext
from sqlalchemy import delete, func, select, update

from ..core import db
from ..core.models import AlertOutbox

MAX_WAIT = timedelta(minutes=60)
KEEP_SENT = timedelta(days=2)  # sent rows are kept briefly: the newest one paces the next message


def recipients() -> list[str]:
    """The addresses to tell, from ``ALERT_EMAILS`` (a list, or one comma-separated string)."""
    value = current_app.config["ALERT_EMAILS"]
    if isinstance(value, str):
        value = value.split(",")
    return [address.strip() for address in value if address and address.strip()]


def compose(urgent: bool) -> EmailMessage:
    """The message: that a self-check needs review, with a link to the staff list, nothing more."""
    config = current_app.config
    with force_locale(config["ALERT_LANGUAGE"]):
        if urgent and config["ALERT_SAY_URGENT"]:
            subject = gettext("Urgent: a self-check needs review")
        else:
            subject = gettext("A self-check needs review")
        body = gettext("A self-check sent to %(clinic)s needs review. Sign in to read it:\n%(link)s\n\n"
                       "This message holds no patient information.", clinic=config["CLINIC_NAME"],
                       link=config["PUBLIC_BASE_URL"].rstrip("/") + "/staff/")
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, config["ALERT_FROM"], ", ".join(recipients())
    message["Message-ID"] = make_msgid(domain=config["ALERT_FROM"].rpartition("@")[2] or "localhost")
    message.set_content(body)
    return message


def _deliver(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=15) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        smtp.send_message(message)


def send_pending(now: datetime | None = None) -> str:
    """Send one message for every waiting arrival when the interval and any back-off allow; returns what
    happened ("sent", "nothing", "waiting", "retry", "off")."""
    now = now or datetime.now(UTC)
    lock_path = Path(current_app.instance_path) / "alerts.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # an overlapping timer run waits, so nothing is sent twice
        return _send_locked(now)


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=moment.tzinfo or UTC) if moment else None


def _send_locked(now: datetime) -> str:
    with db.session() as session:
        session.execute(delete(AlertOutbox).where(AlertOutbox.sent_at < now - KEEP_SENT))
        pending = session.scalars(select(AlertOutbox).where(AlertOutbox.sent_at.is_(None))
                                  .order_by(AlertOutbox.id)).all()
        if not recipients():  # alerts are off: nobody to tell, so nothing waits
            session.execute(delete(AlertOutbox).where(AlertOutbox.sent_at.is_(None)))
            session.commit()
            return "off"
        if not pending:
            session.commit()
            return "nothing"
        last_sent = _aware(session.scalar(select(func.max(AlertOutbox.sent_at))))
        interval = timedelta(minutes=current_app.config["ALERT_INTERVAL_MINUTES"])
        retry_at = max((_aware(row.next_attempt_at) for row in pending if row.next_attempt_at), default=None)
        if (last_sent and now < last_sent + interval) or (retry_at and now < retry_at):
            session.commit()
            return "waiting"
        ids = [row.id for row in pending]
        try:
            _deliver(compose(any(row.urgent for row in pending)))
        except (OSError, smtplib.SMTPException) as error:
            attempts = max(row.attempts for row in pending) + 1
            wait = min(timedelta(minutes=2 ** (attempts - 1)), MAX_WAIT)
            session.execute(update(AlertOutbox).where(AlertOutbox.id.in_(ids))
                            .values(attempts=attempts, next_attempt_at=now + wait))
            session.commit()
            current_app.logger.warning("alert not sent (attempt %s, next in %s): %s", attempts, wait,
                                       type(error).__name__)
            return "retry"
        session.execute(update(AlertOutbox).where(AlertOutbox.id.in_(ids)).values(sent_at=now))
        session.commit()
        return "sent"


alerts_cli = AppGroup("alerts", help="Email alerts that a self-check needs review (no health data).")


@alerts_cli.command("send")
def send_command() -> None:
    """Send what is waiting, if the interval and back-off allow (run every minute by a timer)."""
    click.echo(send_pending())


def check_settings(config) -> None:
    """Stop at start on alert settings that could never work (a typo here would only show as silence)."""
    from ..core.config import ConfigurationError
    from ..core.i18n import BY_URL_TAG

    if str(config["ALERT_LANGUAGE"]).lower() not in BY_URL_TAG:
        raise ConfigurationError(f"ALERT_LANGUAGE {config['ALERT_LANGUAGE']!r} is not a shipped language.")
    interval = config["ALERT_INTERVAL_MINUTES"]
    if not isinstance(interval, int) or isinstance(interval, bool) or interval < 1:
        raise ConfigurationError(f"ALERT_INTERVAL_MINUTES must be a whole number of minutes, 1 or more, not "
                                 f"{interval!r}.")
    addresses = config["ALERT_EMAILS"]
    addresses = addresses.split(",") if isinstance(addresses, str) else addresses
    for address in addresses:
        if isinstance(address, str) and not address.strip():
            continue
        if not isinstance(address, str) or address.count("@") != 1 or any(c in address for c in "\r\n,;<>"):
            raise ConfigurationError(f"ALERT_EMAILS: {address!r} is not an email address.")


def init_app(app) -> None:
    """Check the settings and register ``flask alerts …``."""
    check_settings(app.config)
    app.cli.add_command(alerts_cli)
