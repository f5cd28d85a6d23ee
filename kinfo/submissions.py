"""Storing a consented self-check exactly once, encrypted, with a short reference code for the patient."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from functools import cache

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from . import db
from .encryption import answers_digest, encrypt_json
from .models import Submission

# No look-alikes: no 0/O, 1/I/L, 2/Z, 5/S, 8/B. 23 symbols, 8 of them: about 78 billion codes.
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY3479"
CONSENT_VERSION = "1"


class DifferentAnswersForKey(Exception):
    """The idempotency key was already used for other answers: refuse rather than overwrite or duplicate."""

    def __init__(self, reference: str):
        super().__init__("idempotency key already used with different answers")
        self.reference = reference


def new_reference() -> str:
    """A short code a patient can read out on the phone: ``ACDE-7K4P``."""
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{code[:4]}-{code[4:]}"


SUBMISSIONS = Submission.__table__  # the plain table: no ORM bookkeeping on the write path


@cache
def _upsert(dialect: str):
    """One statement, built once per dialect with every value bound at execution: insert the submission, or,
    if its idempotency key is already stored, touch nothing and return that row's reference and digest.

    (``DO UPDATE`` sets the key to itself only so that ``RETURNING`` gives the existing row; ``DO NOTHING``
    would return no row and need a second statement inside the write lock.)"""
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(SUBMISSIONS)
    return insert.on_conflict_do_update(
        index_elements=[SUBMISSIONS.c.idempotency_key],
        set_={"idempotency_key": insert.excluded.idempotency_key},
    ).returning(SUBMISSIONS.c.reference, SUBMISSIONS.c.answers_digest)


def store(*, idempotency_key: str, answers: dict, outcome_codes: list[str], urgency: str, language: str,
          contact: dict | None) -> str:
    """Store a submission once and return its reference code.

    The same key with the same answers returns the first reference (a replay, a refresh, a double tap);
    the same key with other answers raises ``DifferentAnswersForKey``. Nothing is read first: the one
    ``INSERT … ON CONFLICT (idempotency_key)`` statement decides, so concurrent writers cannot race.
    """
    digest = answers_digest({"answers": answers, "contact": contact})
    engine = db.engine()
    upsert = _upsert(engine.dialect.name)
    values = {
        "idempotency_key": idempotency_key,
        "created_at": datetime.now(UTC),
        "language": language,
        "consent_version": CONSENT_VERSION,
        "urgency": urgency,
        "answers_digest": digest,
        "answers": encrypt_json(answers),
        "outcome": encrypt_json(outcome_codes),
        "contact": encrypt_json(contact) if contact else None,
    }
    attempts = 8
    while True:
        values["reference"] = new_reference()
        try:
            with engine.begin() as connection:  # Core, not the ORM: nothing to track
                row = connection.execute(upsert, values).one()
        except IntegrityError:
            # The only other unique column is the reference: it collided with another submission's, so
            # draw a new one. Anything else (a bug) is raised as it is once the attempts are used up.
            attempts -= 1
            if not attempts:
                raise
            continue
        if not secrets.compare_digest(row.answers_digest, digest):
            raise DifferentAnswersForKey(row.reference)
        return row.reference
