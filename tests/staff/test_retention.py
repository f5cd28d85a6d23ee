"""Retention: old self-checks are purged for good, on command, and the purge is audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from kinfo.core.models import AuditEvent, Submission

from ..selfcheck_helpers import answers, new_key, row_count, submit


def _age_all(app, days: int) -> None:
    with app.extensions["kinfo_db"].begin() as connection:
        connection.execute(update(Submission).values(created_at=datetime.now(UTC) - timedelta(days=days)))


def test_purge_removes_old_self_checks_and_leaves_no_trace_in_the_file(app, runner, tmp_path):
    client = app.test_client()
    submit(client, answers(notes="OLD-NOTE-4411"), consent=True, key=new_key())
    _age_all(app, 31)
    submit(client, answers(notes="NEW-NOTE-5522"), consent=True, key=new_key())
    with app.extensions["kinfo_sessionmaker"]() as session:
        old_reference = session.scalars(select(Submission.reference).order_by(Submission.id)).first()
    result = runner.invoke(args=["submissions", "purge"])
    assert result.exit_code == 0, result.output
    assert "purged 1 self-check(s) older than 30 days" in result.output
    assert row_count(app) == 1
    app.extensions["kinfo_db"].dispose()
    raw = b"".join(path.read_bytes() for path in (tmp_path / "instance").glob("kinfo.sqlite3*"))
    assert old_reference.encode() not in raw
    with app.extensions["kinfo_sessionmaker"]() as session:
        purge = session.scalar(select(AuditEvent).where(AuditEvent.action == "purge"))
    assert purge.actor == "cli" and purge.target.startswith("1 older than 30")


def test_the_retention_age_is_a_setting(make_app):
    app = make_app(SUBMISSION_RETENTION_DAYS=7)
    submit(app.test_client(), answers(), consent=True)
    _age_all(app, 8)
    assert "purged 1" in app.test_cli_runner().invoke(args=["submissions", "purge"]).output

