"""Encryption at rest for answers and contact details (Fernet, with MultiFernet for key rotation).

Keys come from ``KINFO_ENCRYPTION_KEYS`` (comma-separated, newest first). Without it, the first start
creates one in ``instance/encryption.keys``. A key that cannot read the database stops the app: it never
falls back to storing plaintext.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import select

from . import db
from .config import ConfigurationError
from .models import KeyCheck, Submission

KEY_CHECK_PLAINTEXT = b"kinfo key check"


def _key_file(app) -> Path:
    return Path(app.instance_path) / "encryption.keys"


def load_keys(app) -> list[str]:
    """The configured keys, newest first; creates the instance key file on first start if none is set."""
    configured = app.config.get("ENCRYPTION_KEYS")
    if configured:
        keys = configured if isinstance(configured, list) else str(configured).split(",")
        return [key.strip() for key in keys if key.strip()]
    path = _key_file(app)
    path.parent.mkdir(parents=True, exist_ok=True)
    # gunicorn's workers start at the same moment: one of them makes the key, the others wait and read it.
    with path.with_name("encryption.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # private from the start
            with os.fdopen(descriptor, "w") as key_file:
                key_file.write(Fernet.generate_key().decode() + "\n")
        return [line.strip() for line in path.read_text().splitlines() if line.strip()]


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


def _check_key(app, multi: MultiFernet) -> None:
    with db.session() as session:
        check = session.scalar(select(KeyCheck).limit(1))
        if check is None:
            if session.scalar(select(Submission.id).limit(1)) is not None:
                raise ConfigurationError("Submissions exist but the key check row is missing.")
            session.add(KeyCheck(token=multi.encrypt(KEY_CHECK_PLAINTEXT)))
            return
        try:
            multi.decrypt(check.token)
        except InvalidToken as error:
            raise ConfigurationError(
                "The encryption key cannot read this database: refusing to start. Set KINFO_ENCRYPTION_KEYS "
                "(or restore instance/encryption.keys) to the key the data was written with."
            ) from error


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
    """Put a new key first in the instance key file (the older keys stay so existing data stays readable)."""
    path = _key_file(app)
    keys = [Fernet.generate_key().decode(), *load_keys(app)]
    path.write_text("\n".join(keys) + "\n")


def init_app(app) -> None:
    """Load the keys and prove they read the database, or stop."""
    try:
        multi = MultiFernet([Fernet(key) for key in load_keys(app)])
    except (ValueError, TypeError) as error:
        raise ConfigurationError("An encryption key is not a valid Fernet key.") from error
    app.extensions["kinfo_fernet"] = multi
    with app.app_context():
        _check_key(app, multi)
