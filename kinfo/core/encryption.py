"""Encryption at rest for answers and contact details (Fernet, with MultiFernet for key rotation).

Keys come from ``KINFO_ENCRYPTION_KEYS`` (comma-separated, newest first). Without it, the first start
creates one in ``instance/encryption.keys``. A key that cannot read the database stops the app: it never
falls back to storing plaintext.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
from contextlib import contextmanager
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import db, files
from .config import ConfigurationError
from .models import KeyCheck, Submission

KEY_CHECK_PLAINTEXT = b"kinfo key check"


BACKUP_ADVICE = "see \"Back up the encryption keys\" in README.md"


def _key_file(app) -> Path:
    return Path(app.instance_path) / "encryption.keys"


def _read_key_file(path: Path) -> list[str]:
    """The keys in an existing key file. A file that is empty, cannot be read or holds something that is not
    a key stops the app: a new key would make every stored self-check unreadable for good."""
    try:
        keys = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except PermissionError as error:
        # The file is most likely fine, only not this user's (a command run as root rewrote it): a backup
        # from before a key rotation would lose what the rotation re-encrypted.
        raise ConfigurationError(
            f"The encryption key file {path} belongs to {files.owner(path)} and this user ({files.owner()}) "
            f"cannot read it: refusing to start. Do not replace it: give it back to the user the site runs as "
            f"(chown kinfo:kinfo {path}), and run kinfo's commands as that user (kinfo-flask, in deploy/).") from error
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigurationError(
            f"The encryption key file {path} cannot be read ({error.__class__.__name__}): refusing to start. "
            f"Restore it from your backup ({BACKUP_ADVICE}).") from error
    if not keys:
        raise ConfigurationError(
            f"The encryption key file {path} is empty: refusing to start. Restore it from your backup "
            f"({BACKUP_ADVICE}).")
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError) as error:
            raise ConfigurationError(
                f"The encryption key file {path} holds a line that is not a valid Fernet key (damaged?): refusing "
                f"to start. Restore it from your backup ({BACKUP_ADVICE}).") from error
    return keys


@contextmanager
def _key_file_lock(path: Path):
    """One process at a time creates or rewrites the key file (gunicorn workers, a rotation)."""
    files.private_folder(path.parent)
    lock_path = path.with_name("encryption.lock")
    files.create_private(lock_path)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def load_keys(app) -> list[str]:
    """The configured keys, newest first; creates the instance key file on first start if none is set.

    The file is written to a temporary file, synced, then renamed (kinfo.core.files.write_atomically): a
    crash at any moment leaves no key file (and nothing encrypted yet) or the whole key, never an empty one."""
    configured = app.config.get("ENCRYPTION_KEYS")
    if configured:
        keys = configured if isinstance(configured, list) else str(configured).split(",")
        return [key.strip() for key in keys if key.strip()]
    path = _key_file(app)
    # gunicorn's workers start at the same moment: one of them makes the key, the others wait and read it.
    with _key_file_lock(path):
        for left_over in path.parent.glob(f".{path.name}.*.tmp"):  # a write a crash cut short: never used
            with contextlib.suppress(FileNotFoundError):
                left_over.unlink()
        if not path.exists():
            files.write_atomically(path, Fernet.generate_key().decode() + "\n")
        return _read_key_file(path)


def fernet() -> MultiFernet:
    return current_app.extensions["kinfo_fernet"]


def encrypt_json(value) -> bytes:
    return fernet().encrypt(json.dumps(value, ensure_ascii=False, sort_keys=True).encode())


def decrypt_json(token: bytes):
    return json.loads(fernet().decrypt(token))


def answers_digest(answers: dict) -> str:
    """A keyed digest of the answers: lets us tell "same answers" apart without storing them in the clear
    (a plain hash of a few yes/no answers could be reversed by trying them all)."""
    key = hashlib.sha256(b"kinfo answers digest\0" + current_app.config["SECRET_KEY"].encode()).digest()
    canonical = json.dumps(answers, ensure_ascii=False, sort_keys=True).encode()
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()


def check_key(app) -> None:
    """Prove the keys read the database, or stop. Only reads, without taking a write lock, unless this is
    the database's first start and the key check row must be written."""
    multi: MultiFernet = app.extensions["kinfo_fernet"]
    with db.reading(app) as connection:
        token = connection.scalar(select(KeyCheck.token).order_by(KeyCheck.id).limit(1))
    if token is None:
        token = _write_key_check(app, multi)
    try:
        multi.decrypt(token)
    except InvalidToken as error:
        raise ConfigurationError(
            "The encryption key cannot read this database: refusing to start. Set KINFO_ENCRYPTION_KEYS (or "
            f"restore instance/encryption.keys from your backup, {BACKUP_ADVICE}) to the key the data was "
            "written with.") from error


def _write_key_check(app, multi: MultiFernet) -> bytes:
    """The first start: store a token made with the current key (one row, whoever of several starting
    processes gets there first)."""
    try:
        with app.extensions["kinfo_sessionmaker"].begin() as session:  # SQLite: under the write lock
            existing = session.scalar(select(KeyCheck.token).order_by(KeyCheck.id).limit(1))
            if existing is not None:
                return existing
            if session.scalar(select(Submission.id).limit(1)) is not None:
                raise ConfigurationError("Submissions exist but the key check row is missing.")
            token = multi.encrypt(KEY_CHECK_PLAINTEXT)
            session.add(KeyCheck(id=1, token=token))
        return token
    except IntegrityError:  # another process stored row 1 between our read and our write (PostgreSQL)
        with db.reading(app) as connection:
            return connection.scalar(select(KeyCheck.token).where(KeyCheck.id == 1))


ROTATION_BATCH = 200


def rotate(app) -> int:
    """Re-encrypt every stored token with the newest key; returns how many submissions were rewritten.

    A batch at a time, each in its own short transaction, so the site goes on storing new self-checks
    meanwhile (SQLite lets one writer in at a time, and a web worker waits for it). Every key stays
    configured until the command has finished, so a run stopped half-way loses nothing: run it again."""
    multi = app.extensions["kinfo_fernet"]
    count, after_id = 0, 0
    with app.app_context():
        while True:
            with db.session() as session:
                batch = session.scalars(select(Submission).where(Submission.id > after_id)
                                        .order_by(Submission.id).limit(ROTATION_BATCH)).all()
                for submission in batch:
                    submission.answers = multi.rotate(submission.answers)
                    submission.outcome = multi.rotate(submission.outcome)
                    if submission.contact is not None:
                        submission.contact = multi.rotate(submission.contact)
                    if submission.staff_note is not None:  # the follow-up note (kinfo.staff.followup)
                        submission.staff_note = multi.rotate(submission.staff_note)
            if not batch:
                break
            count += len(batch)
            after_id = batch[-1].id
        with db.session() as session:
            for check in session.scalars(select(KeyCheck)):
                check.token = multi.rotate(check.token)
    return count


def add_new_key_to_instance_file(app) -> None:
    """Put a new key first in the instance key file (the older keys stay so existing data stays readable).

    Written like the first key (kinfo.core.files.write_atomically): a crash leaves the old list or the new
    one, whole."""
    path = _key_file(app)
    with _key_file_lock(path):
        keys = [Fernet.generate_key().decode(), *_read_key_file(path)]
        files.write_atomically(path, "\n".join(keys) + "\n")


def init_app(app) -> None:
    """Load the keys (creating the instance key file on first start). ``check_key`` proves they read the
    database once the schema is known to be current (kinfo.core.schema)."""
    try:
        multi = MultiFernet([Fernet(key) for key in load_keys(app)])
    except (ValueError, TypeError) as error:
        raise ConfigurationError("An encryption key is not a valid Fernet key.") from error
    app.extensions["kinfo_fernet"] = multi
