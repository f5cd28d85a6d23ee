"""Storing a consented self-check exactly once, encrypted, with a short reference code for the patient."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from ..core import db, limits
from ..core.encryption import answers_digest, encrypt_json
from ..core.models import Submission

# No look-alikes: no 0/O, 1/I/L, 2/Z, 5/S, 6 (G stays), 8/B. 24 symbols, 8 of them: about 110 billion codes.
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY3479"
REFERENCE_LENGTH = 8
CONSENT_VERSION = "1"
CONFLICT_MESSAGE = _l("Answers from this form were already sent, and these are different. To send new answers, "
                      "start a new self-check.")


# Why a consented self-check was not stored, said under "We could not send your answers. Nothing was stored."
TOO_MANY_MESSAGE = _l("The clinic received too many self-checks in the last minute.")
UNAVAILABLE_MESSAGE = _l("The clinic's system could not store your answers just now.")


class NotStored(Exception):
    """A consented self-check that was not stored, for now: too many arrived (429) or the database could not
    take it (503). Nothing of it is in the database; the patient still sees the outcome, and is told it was
    not sent and to try again (the phone keeps it and sends it again by itself)."""

    def __init__(self, status: int, retry_after: int, message):
        super().__init__(f"self-check not stored ({status})")
        self.status, self.retry_after, self.message = status, retry_after, message


class DifferentAnswersForKey(Exception):
    """The idempotency key was already used for other answers: refuse rather than overwrite or duplicate."""

    def __init__(self, reference: str):
        super().__init__("idempotency key already used with different answers")
        self.reference = reference


def new_reference() -> str:
    """A short code a patient can read out on the phone: ``ACDE-7K4P``.

    One uniformly drawn number, written in base 24 with the alphabet's symbols (one call to the system's
    random source instead of one per symbol)."""
    number = secrets.randbelow(len(REFERENCE_ALPHABET) ** REFERENCE_LENGTH)
    symbols = []
    for _ in range(REFERENCE_LENGTH):
        number, digit = divmod(number, len(REFERENCE_ALPHABET))
        symbols.append(REFERENCE_ALPHABET[digit])
    half = REFERENCE_LENGTH // 2
    return f"{''.join(symbols[:half])}-{''.join(symbols[half:])}"


SUBMISSIONS = Submission.__table__  # the plain table: no ORM bookkeeping on the write path


@cache
def _statements(dialect: str):
    """The two statements of the write path, built once per dialect with every value bound at execution.

    The insert adds the submission unless its idempotency key is already stored, and then returns no row:
    a replay changes nothing in the database (no new row version, no UPDATE permission needed). Only then
    does the select fetch the stored row's reference and digest."""
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(SUBMISSIONS)
    insert_new = insert.on_conflict_do_nothing(index_elements=[SUBMISSIONS.c.idempotency_key]).returning(
        SUBMISSIONS.c.reference, SUBMISSIONS.c.answers_digest)
    stored_for_key = select(SUBMISSIONS.c.reference, SUBMISSIONS.c.answers_digest).where(
        SUBMISSIONS.c.idempotency_key == bindparam("idempotency_key"))
    return insert_new, stored_for_key


def _reference_taken(error: IntegrityError) -> bool:
    """Whether an insert failed only because its freshly drawn reference code belongs to another row."""
    diagnostics = getattr(error.orig, "diag", None)
    if diagnostics is not None and diagnostics.constraint_name:  # psycopg names the constraint
        return diagnostics.constraint_name == "submission_reference_key"
    message = str(error.orig)  # SQLite names the column; other PostgreSQL drivers quote the constraint
    return "UNIQUE constraint failed: submission.reference" in message or '"submission_reference_key"' in message


def _over_limits(connection, client: str | None) -> limits.Count | None:
    """Count one more new self-check, from ``client`` and in all; the count that is over its limit, if any.
    A ``client`` of None (the clinic's own address) is counted in all only."""
    config = current_app.config
    if client is None:
        (in_all,) = limits.take_each(connection, [limits.keyed("self-checks")], limits.SUBMISSION_WINDOW)
        return in_all if in_all.over(config["SUBMISSIONS_PER_MINUTE"]) else None
    by_client, in_all = limits.take_each(connection, [limits.keyed("self-checks from client", client),
                                                      limits.keyed("self-checks")], limits.SUBMISSION_WINDOW)
    if by_client.over(config["SUBMISSIONS_PER_CLIENT_PER_MINUTE"]):
        return by_client
    return in_all if in_all.over(config["SUBMISSIONS_PER_MINUTE"]) else None


class _RolledBack(Exception):
    def __init__(self, count: limits.Count):
        self.count = count


def store(*, idempotency_key: str, answers: dict, outcome_codes: list[str], urgency: str, language: str,
          contact: dict | None, client: str | None = "unknown") -> str:
    """Store a submission once and return its reference code.

    The same key with the same answers returns the first reference (a replay, a refresh, a double tap);
    the same key with other answers raises ``DifferentAnswersForKey``. Nothing is read first: the
    ``INSERT … ON CONFLICT (idempotency_key) DO NOTHING`` statement decides, so concurrent writers cannot
    race. A new row is counted against the per-minute limits in the same transaction and rolled back if
    over them (``NotStored``, 429); a replay is never counted or refused. A ``client`` of None is the
    clinic's own address, exempt from the per-client limit. A database that cannot take the
    write raises ``NotStored`` (503) after one more try on a fresh connection.
    """
    digest = answers_digest({"answers": answers, "contact": contact})
    insert_new, stored_for_key = _statements(db.engine().dialect.name)
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
    unavailable = 0
    for attempt in range(1, 9):
        values["reference"] = new_reference()
        try:
            # One short transaction (SQLite: BEGIN IMMEDIATE, so the write lock is taken up front), committed
            # to disk before the reference is returned (synchronous=FULL, kinfo.core.db).
            with db.engine().begin() as connection:
                row = connection.execute(insert_new, values).one_or_none()
                if row is None:  # the key is stored already: this is a replay
                    row = connection.execute(stored_for_key, {"idempotency_key": idempotency_key}).first()
                else:
                    over = _over_limits(connection, client)
                    if over is not None:
                        raise _RolledBack(over)  # leaving the block rolls the row and the counts back
        except _RolledBack as refused:
            raise NotStored(429, refused.count.retry_after(), TOO_MANY_MESSAGE) from None
        except IntegrityError as error:
            # A drawn reference code that another submission holds: draw again. Anything else is a bug,
            # raised at once.
            if not _reference_taken(error) or attempt == 8:
                raise
            continue
        except DBAPIError as error:
            # Read-only files, a full disk, a lock held too long, a read-only standby: the broken connection
            # is dropped (kinfo.core.db), so one more try runs on a fresh one; after that, say so (503) rather
            # than fail with a 500. Other database errors are bugs, raised at once.
            broken = db.is_broken_connection_error(error.orig)
            if not (broken or isinstance(error, OperationalError)):
                raise
            unavailable += 1
            if unavailable == 2 or not broken:
                current_app.logger.error("A consented self-check could not be stored (answered 503): %s",
                                         error.orig)
                raise NotStored(503, 60, UNAVAILABLE_MESSAGE) from error
            continue
        if row is None:  # the stored row was purged between the two statements: store this one afresh
            continue
        if not secrets.compare_digest(row.answers_digest, digest):
            raise DifferentAnswersForKey(row.reference)
        return row.reference
    raise RuntimeError("the submission could be neither stored nor found")


def urgency_of(items) -> str:
    """The plain summary staff filter by: the highest level flagged, or none."""
    return items[0].flag.level.name.lower() if items else "none"


def store_consented(form, answers: dict, items: list, language) -> str:
    """Store a consented, valid self-check once; the same for the page and for a phone's replay."""
    return store(idempotency_key=form.idempotency_key.data, answers=answers,
                 outcome_codes=[item.code for item in items], urgency=urgency_of(items),
                 language=language.tag, contact=form.contact(),
                 client=None if limits.is_clinic_address() else limits.client_address())
