"""Alerts: a real SMTP server on loopback is told that a self-check needs review — once, however many
arrive in an interval, again after a failure, and never anything about the patient."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from kinfo.core.models import AlertOutbox
from kinfo.staff.alerts import send_pending

from ..selfcheck_helpers import answers, new_key, reference_in, submit


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.controller, inbox.port = controller, port
    yield inbox
    if controller._thread is not None:
        controller.stop()


@pytest.fixture
def alert_app(make_app, smtp):
    return make_app(ALERT_EMAILS=["nurse@clinic.example", "desk@clinic.example"], SMTP_HOST="127.0.0.1",
                    SMTP_PORT=smtp.port, ALERT_INTERVAL_MINUTES=10, PUBLIC_BASE_URL="https://clinic.example",
                    SUBMISSIONS_PER_CLIENT_PER_MINUTE=100)  # a flood from one test client, past the usual limit


def _send(app, now=None) -> str:
    with app.app_context():
        return send_pending(now)


def _pending(app) -> int:
    with app.extensions["kinfo_sessionmaker"]() as session:
        return session.scalar(select(func.count()).select_from(AlertOutbox).where(AlertOutbox.sent_at.is_(None)))


def _patient_sends(app, key=None, **changes):
    return submit(app.test_client(), answers(**changes), consent=True, key=key or new_key(),
                  name="Rosa Delgado", phone="+1 555 0142")


def test_a_self_check_is_told_once_to_every_address_with_nothing_about_the_patient(alert_app, smtp):
    page = _patient_sends(alert_app, self_harm="plan", pregnant="yes").get_data(as_text=True)
    reference = reference_in(page)
    assert _send(alert_app) == "sent"
    assert _send(alert_app) == "nothing"
    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert sorted(recipients) == ["desk@clinic.example", "nurse@clinic.example"]
    text = message.as_string()
    assert message["Subject"] == "A self-check needs review"
    assert "https://clinic.example/staff/" in text
    for health in (reference, reference.replace("-", ""), "Rosa", "Delgado", "0142", "urgent", "Urgent", "crisis",
                   "pregnan", "harm", "blood"):
        assert health not in text, health


def test_the_word_urgent_only_when_the_clinic_allows_it(make_app, smtp):
    app = make_app(ALERT_EMAILS="nurse@clinic.example", SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port,
                   ALERT_SAY_URGENT=True)
    _patient_sends(app, self_harm="sometimes")
    assert _send(app) == "sent"
    assert smtp.messages[-1][1]["Subject"] == "Urgent: a self-check needs review"


def test_a_replay_writes_no_second_outbox_row(alert_app, smtp):
    key = new_key()
    _patient_sends(alert_app, key=key)
    _patient_sends(alert_app, key=key)  # the same form sent again: a refresh, a double tap
    assert _pending(alert_app) == 1
    assert _send(alert_app) == "sent" and len(smtp.messages) == 1


def test_without_consent_nothing_is_stored_and_nobody_is_told(alert_app, smtp):
    submit(alert_app.test_client(), answers(), consent=False, key=new_key())
    assert _pending(alert_app) == 0 and _send(alert_app) == "nothing" and smtp.messages == []


def test_a_flood_becomes_one_message_per_interval(alert_app, smtp):
    start = datetime.now(UTC)
    for _ in range(12):
        _patient_sends(alert_app)
    assert _send(alert_app, start) == "sent"
    for _ in range(5):
        _patient_sends(alert_app)
    assert _send(alert_app, start + timedelta(minutes=1)) == "waiting"
    assert _send(alert_app, start + timedelta(minutes=9)) == "waiting"
    assert len(smtp.messages) == 1
    assert _send(alert_app, start + timedelta(minutes=10)) == "sent"
    assert len(smtp.messages) == 2 and _pending(alert_app) == 0


def test_server_down_then_up_delivers_once_with_back_off(alert_app, smtp):
    smtp.controller.stop()
    _patient_sends(alert_app)
    start = datetime.now(UTC)
    assert _send(alert_app, start) == "retry"
    assert _send(alert_app, start + timedelta(seconds=30)) == "waiting", "waits before trying again"
    assert _send(alert_app, start + timedelta(minutes=1)) == "retry"
    assert _send(alert_app, start + timedelta(minutes=2)) == "waiting", "the second wait is longer"
    smtp.controller = Controller(smtp, hostname="127.0.0.1", port=smtp.port)
    smtp.controller.start()
    assert _send(alert_app, start + timedelta(minutes=3)) == "sent"
    assert _send(alert_app, start + timedelta(minutes=30)) == "nothing"
    assert len(smtp.messages) == 1


def test_the_submission_never_waits_for_or_fails_on_the_mail_server(alert_app, smtp):
    smtp.controller.stop()
    response = _patient_sends(alert_app)
    assert response.status_code == 200 and reference_in(response.get_data(as_text=True))


def test_with_no_address_alerts_are_off_and_nothing_waits(app, runner):
    submit(app.test_client(), answers(), consent=True, key=new_key())
    result = runner.invoke(args=["alerts", "send"])
    assert result.exit_code == 0 and result.output.strip() == "off"
    assert _pending(app) == 0


def test_the_outbox_row_comes_with_the_self_check_and_never_with_a_replay_on_every_backend(make_app, database_url,  # noqa: F811
                                                                                           smtp):
    app = make_app(DATABASE_URL=database_url, ALERT_EMAILS=["nurse@clinic.example"], SMTP_HOST="127.0.0.1",
                   SMTP_PORT=smtp.port)
    try:
        key = new_key()
        _patient_sends(app, key=key, self_harm="plan")
        _patient_sends(app, key=key, self_harm="plan")
        _patient_sends(app)
        assert _pending(app) == 2
        with app.extensions["kinfo_sessionmaker"]() as session:
            assert [row.urgent for row in session.scalars(select(AlertOutbox).order_by(AlertOutbox.id))] == [True,
                                                                                                             False]
        assert _send(app) == "sent" and len(smtp.messages) == 1
    finally:
        app.extensions["kinfo_db"].dispose()


@pytest.mark.parametrize(("setting", "value", "problem"), [
    ("ALERT_LANGUAGE", "hy", "ALERT_LANGUAGE"), ("ALERT_INTERVAL_MINUTES", 0, "ALERT_INTERVAL_MINUTES"),
    ("ALERT_INTERVAL_MINUTES", "5", "ALERT_INTERVAL_MINUTES"),
    ("ALERT_EMAILS", ["nurse.clinic.example"], "ALERT_EMAILS"),
    ("ALERT_EMAILS", "a@x.example, b@y.example\nBcc: c@z.example", "ALERT_EMAILS"),
])
def test_alert_settings_that_could_never_work_stop_the_app(make_app, setting, value, problem):
    from kinfo.core.config import ConfigurationError

    with pytest.raises(ConfigurationError, match=problem):
        make_app(**{setting: value})
    make_app(ALERT_EMAILS="a@x.example, b@y.example", ALERT_LANGUAGE="ar")
