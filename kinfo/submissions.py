"""Storing a consented self-check exactly once, encrypted, with a short reference code for the patient."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

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


def _insert(dialect: str):
    """INSERT … ON CONFLICT DO NOTHING, values bound at execution so the compiled statement is reused."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(SUBMISSIONS).on_conflict_do_nothing()


def store(*, idempotency_key: str, answers: dict, outcome_codes: list[str], urgency: str, language: str,
          contact: dict | None) -> str:
    """Store a submission once and return its reference code.

    The same key with the same answers returns the first reference (a replay, a refresh, a double tap);
    the same key with other answers raises ``DifferentAnswersForKey``. The insert never reads first: it is
    ``INSERT … ON CONFLICT DO NOTHING`` and then a look-up by key, so concurrent writers cannot race.
    """
    digest = answers_digest({"answers": answers, "contact": contact})
    dialect = db.engine().dialect.name
    for _attempt in range(8):
        values = {
            "idempotency_key": idempotency_key,
            "reference": new_reference(),
            "created_at": datetime.now(UTC),
            "language": language,
            "consent_version": CONSENT_VERSION,
            "urgency": urgency,
            "answers_digest": digest,
            "answers": encrypt_json(answers),
            "outcome": encrypt_json(outcome_codes),
            "contact": encrypt_json(contact) if contact else None,
        }
        with db.engine().begin() as connection:  # Core, not the ORM: one statement each way, nothing to track
            connection.execute(_insert(dialect), values)
            row = connection.execute(
                select(SUBMISSIONS.c.reference, SUBMISSIONS.c.answers_digest)
                .where(SUBMISSIONS.c.idempotency_key == idempotency_key)
            ).one_or_none()
        if row is None:
            continue  # the reference code collided with another submission's: draw a new one
        if not secrets.compare_digest(row.answers_digest, digest):
            raise DifferentAnswersForKey(row.reference)
        return row.reference
    raise RuntimeError("could not draw a free reference code")  # 8 collisions in a row: not a real case
