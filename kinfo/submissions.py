"""Storing a consented self-check exactly once, encrypted, with a short reference code for the patient."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import bindparam, select
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


@cache
def _statements(dialect: str):
    """INSERT … ON CONFLICT DO NOTHING and the look-up by key, built once per dialect with every value bound
    at execution: building a statement per request costs more than running it."""
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(SUBMISSIONS).on_conflict_do_nothing()
    by_key = (select(SUBMISSIONS.c.reference, SUBMISSIONS.c.answers_digest)
              .where(SUBMISSIONS.c.idempotency_key == bindparam("key")))
    return insert, by_key


def store(*, idempotency_key: str, answers: dict, outcome_codes: list[str], urgency: str, language: str,
          contact: dict | None) -> str:
    """Store a submission once and return its reference code.

    The same key with the same answers returns the first reference (a replay, a refresh, a double tap);
    the same key with other answers raises ``DifferentAnswersForKey``. The insert never reads first: it is
    ``INSERT … ON CONFLICT DO NOTHING`` and then a look-up by key, so concurrent writers cannot race.
    """
    digest = answers_digest({"answers": answers, "contact": contact})
    engine = db.engine()
    insert, by_key = _statements(engine.dialect.name)
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
        with engine.begin() as connection:  # Core, not the ORM: one statement each way, nothing to track
            connection.execute(insert, values)
            row = connection.execute(by_key, {"key": idempotency_key}).one_or_none()
        if row is None:
            continue  # the reference code collided with another submission's: draw a new one
        if not secrets.compare_digest(row.answers_digest, digest):
            raise DifferentAnswersForKey(row.reference)
        return row.reference
    raise RuntimeError("could not draw a free reference code")  # 8 collisions in a row: not a real case
