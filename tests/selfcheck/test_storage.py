"""Storage: exactly once, encrypted at rest, on SQLite and on PostgreSQL through the same code."""

from __future__ import annotations

import multiprocessing

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from kinfo import create_app
from kinfo.core.config import ConfigurationError
from kinfo.core.encryption import decrypt_json, rotate
from kinfo.core.models import Submission
from kinfo.selfcheck import storage as submissions

from ..conftest import TEST_SECRET
from ..selfcheck_helpers import answers, new_key, reference_in, row_count, submit


def stored(app) -> list[Submission]:
    with app.extensions["kinfo_sessionmaker"]() as session:
        return list(session.scalars(select(Submission)))


def test_a_consented_submission_is_stored_once_with_codes_language_and_consent_version(backend_app):
    client = backend_app.test_client()
    key = new_key()
    data = answers(pregnant="yes", notes="Ich bin nervös", bp_systolic="150")
    reference = reference_in(submit(client, data, lang="vi", consent=True, key=key, name="Ana", phone="+1 555")
                             .get_data(as_text=True))
    again = reference_in(submit(client, data, lang="vi", consent=True, key=key, name="Ana", phone="+1 555")
                         .get_data(as_text=True))
    assert reference == again
    (row,) = stored(backend_app)
    assert (row.reference, row.language, row.consent_version, row.urgency) == (reference, "vi", "1", "discuss")
    assert row.idempotency_key == key and row.created_at is not None
    with backend_app.app_context():
        saved = decrypt_json(row.answers)
        assert saved["pregnant"] == "yes" and saved["bp_systolic"] == 150 and saved["notes"] == "Ich bin nervös"
        assert decrypt_json(row.contact) == {"name": "Ana", "phone": "+1 555"}
        assert "pregnant:yes" in decrypt_json(row.outcome) and "bp_reading:high" in decrypt_json(row.outcome)
    columns = {column.name for column in Submission.__table__.columns}
    assert not columns & {"ip", "ip_address", "user_agent", "remote_addr"}


def test_a_reference_code_already_taken_is_drawn_again_on_every_backend(backend_app, monkeypatch):
    draws = iter(["ACDE-FGHJ", "ACDE-FGHJ", "ACDE-FGHJ", "KMNP-QRTU"])
    monkeypatch.setattr(submissions, "new_reference", lambda: next(draws))
    client = backend_app.test_client()
    first = reference_in(submit(client, answers(), consent=True, key=new_key()).get_data(as_text=True))
    second = reference_in(submit(client, answers(), consent=True, key=new_key()).get_data(as_text=True))
    assert (first, second) == ("ACDE-FGHJ", "KMNP-QRTU")
    assert sorted(row.reference for row in stored(backend_app)) == ["ACDE-FGHJ", "KMNP-QRTU"]


NO_UPDATES = {
    "sqlite": ["CREATE TRIGGER submissions_are_never_updated BEFORE UPDATE ON submission "
               "BEGIN SELECT RAISE(ABORT, 'a replay updated a submission'); END"],
    "postgresql": [
        "CREATE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'a replay updated a submission'; END $$",
        "CREATE TRIGGER submissions_are_never_updated BEFORE UPDATE ON submission "
        "FOR EACH ROW EXECUTE FUNCTION refuse_update()",
    ],
}


def test_a_replay_changes_no_stored_row_on_every_backend(backend_app):
    engine = backend_app.extensions["kinfo_db"]
    with engine.begin() as connection:
        for statement in NO_UPDATES[engine.dialect.name]:
            connection.execute(text(statement))
    client = backend_app.test_client()
    key = new_key()
    first = reference_in(submit(client, answers(), consent=True, key=key).get_data(as_text=True))
    assert reference_in(submit(client, answers(), consent=True, key=key).get_data(as_text=True)) == first
    assert submit(client, answers(seizures="yes"), consent=True, key=key).status_code == 409
    assert [row.reference for row in stored(backend_app)] == [first]


def test_only_a_taken_reference_code_is_drawn_again_other_database_errors_are_raised(backend_app, monkeypatch):
    draws = []
    monkeypatch.setattr(submissions, "new_reference", lambda: draws.append(1) or "ACDE-FGHJ")
    with backend_app.app_context(), pytest.raises(IntegrityError):
        submissions.store(idempotency_key=new_key(), answers={}, outcome_codes=[], urgency="none",
                          language=None, contact=None)  # language is NOT NULL
    assert len(draws) == 1 and row_count(backend_app) == 0


def test_same_key_other_answers_is_refused_on_every_backend(backend_app):
    client = backend_app.test_client()
    key = new_key()
    submit(client, answers(), consent=True, key=key)
    assert submit(client, answers(seizures="yes"), consent=True, key=key).status_code == 409
    assert row_count(backend_app) == 1


def test_no_consent_stores_nothing_on_every_backend(backend_app):
    submit(backend_app.test_client(), answers(pregnant="yes"), name="Ana")
    assert row_count(backend_app) == 0


def test_answers_and_contact_are_not_readable_in_the_database_file(app, client, tmp_path):
    note = "UNMISTAKABLE-NOTE-7731 nervous about needles"
    submit(client, answers(notes=note), consent=True, name="Quentin Zebulon", phone="+44 7700 900123")
    app.extensions["kinfo_db"].dispose()
    raw = b"".join(path.read_bytes() for path in (tmp_path / "instance").glob("kinfo.sqlite3*"))
    assert raw, "the database file exists"
    for secret in (b"UNMISTAKABLE", b"needles", b"Quentin", b"Zebulon", b"7700 900123", b"pregnant"):
        assert secret not in raw


def test_a_wrong_key_stops_the_app_rather_than_storing_plaintext(make_app, tmp_path):
    app = make_app(ENCRYPTION_KEYS=[Fernet.generate_key().decode()])
    submit(app.test_client(), answers(), consent=True)
    app.extensions["kinfo_db"].dispose()
    with pytest.raises(ConfigurationError, match="cannot read this database"):
        make_app(ENCRYPTION_KEYS=[Fernet.generate_key().decode()])


def test_a_lost_key_file_stops_the_app(make_app, tmp_path):
    app = make_app()
    submit(app.test_client(), answers(), consent=True)
    app.extensions["kinfo_db"].dispose()
    (tmp_path / "instance" / "encryption.keys").unlink()
    with pytest.raises(ConfigurationError):
        make_app()


def test_an_invalid_key_stops_the_app(make_app):
    with pytest.raises(ConfigurationError, match="not a valid Fernet key"):
        make_app(ENCRYPTION_KEYS=["not-a-key"])


def _load_keys_when_all_are_ready(instance: str, ready, keys) -> None:
    from types import SimpleNamespace

    from kinfo.core.encryption import load_keys

    ready.wait()
    keys.put(load_keys(SimpleNamespace(config={}, instance_path=instance)))


def test_workers_starting_together_on_a_new_install_share_one_new_key(tmp_path):
    """gunicorn starts every worker at once; each would otherwise make a key of its own."""
    spawn = multiprocessing.get_context("spawn")
    ready, keys = spawn.Barrier(6), spawn.Queue()
    workers = [spawn.Process(target=_load_keys_when_all_are_ready, args=(str(tmp_path / "new"), ready, keys))
               for _ in range(6)]
    for worker in workers:
        worker.start()
    seen = [keys.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(60)
    on_disk = (tmp_path / "new" / "encryption.keys").read_text().split()
    assert len(on_disk) == 1 and all(loaded == on_disk for loaded in seen)


def test_the_embedded_default_creates_a_private_key_file(app, tmp_path):
    key_file = tmp_path / "instance" / "encryption.keys"
    assert key_file.exists() and key_file.stat().st_mode & 0o077 == 0


def test_rotation_re_encrypts_so_only_the_new_key_is_needed(make_app, database_url):
    old_key = Fernet.generate_key().decode()
    app = make_app(DATABASE_URL=database_url, ENCRYPTION_KEYS=[old_key])
    submit(app.test_client(), answers(notes="rotate me"), consent=True)
    before = stored(app)[0].answers
    new_key_value = Fernet.generate_key().decode()
    rotated_app = make_app(DATABASE_URL=database_url, ENCRYPTION_KEYS=[new_key_value, old_key])
    assert rotate(rotated_app) == 1
    after = stored(rotated_app)[0].answers
    assert after != before
    only_new = make_app(DATABASE_URL=database_url, ENCRYPTION_KEYS=[new_key_value])
    with only_new.app_context():
        assert decrypt_json(stored(only_new)[0].answers)["notes"] == "rotate me"
    for each in (app, rotated_app, only_new):
        each.extensions["kinfo_db"].dispose()


def test_rotation_goes_batch_by_batch_through_every_submission(make_app, database_url, monkeypatch):
    """Each batch is its own short transaction (the site keeps storing meanwhile); none is skipped."""
    monkeypatch.setattr("kinfo.core.encryption.ROTATION_BATCH", 2)
    old_key, new_key_value = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app = make_app(DATABASE_URL=database_url, ENCRYPTION_KEYS=[old_key])
    client = app.test_client()
    for number in range(5):
        submit(client, answers(notes=f"patient {number}"), consent=True, key=new_key(), name=f"P{number}")
    rotated_app = make_app(DATABASE_URL=database_url, ENCRYPTION_KEYS=[new_key_value, old_key])
    assert rotate(rotated_app) == 5
    only_new = make_app(DATABASE_URL=database_url, ENCRYPTION_KEYS=[new_key_value])
    with only_new.app_context():
        rows = stored(only_new)
        assert sorted(decrypt_json(row.answers)["notes"] for row in rows) == [f"patient {n}" for n in range(5)]
        assert sorted(decrypt_json(row.contact)["name"] for row in rows) == [f"P{n}" for n in range(5)]
        assert all(decrypt_json(row.outcome) is not None for row in rows)
    for each in (app, rotated_app, only_new):
        each.extensions["kinfo_db"].dispose()


def test_the_rotate_command_adds_a_key_to_the_instance_file_and_re_encrypts_with_it(app, runner, tmp_path, make_app):
    submit(app.test_client(), answers(notes="rotate me"), consent=True)
    result = runner.invoke(args=["submissions", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted 1 submission" in result.output
    keys = (tmp_path / "instance" / "encryption.keys").read_text().split()
    assert len(keys) == 2
    only_new = make_app(ENCRYPTION_KEYS=[keys[0]])  # the old key gone: the newest alone must read everything
    with only_new.app_context():
        assert decrypt_json(stored(only_new)[0].answers)["notes"] == "rotate me"
    only_new.extensions["kinfo_db"].dispose()


def test_sqlite_runs_in_wal_mode_with_secure_delete_a_busy_timeout_and_mmap(app):
    with app.extensions["kinfo_db"].connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
        assert connection.exec_driver_sql("PRAGMA mmap_size").scalar() == 64 * 1024 * 1024
    assert app.extensions["kinfo_db"].hide_parameters


def test_the_migrations_build_exactly_the_models_on_every_backend(backend_app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from kinfo.core.models import Base

    with backend_app.extensions["kinfo_db"].connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_production_config_refuses_to_run_without_a_secret_but_creates_its_database(tmp_path):
    app = create_app({"ENV": "production", "SECRET_KEY": TEST_SECRET}, instance_path=str(tmp_path / "i"))
    assert (tmp_path / "i" / "kinfo.sqlite3").exists()
    app.extensions["kinfo_db"].dispose()
