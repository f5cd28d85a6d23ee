"""Staff accounts: argon2id passwords, server-side sessions, and sign-in limits shared by all workers."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import delete, select, update

from ..core import db, limits
from ..core.models import StaffSession, StaffUser
from . import audit

PASSWORD_MIN, PASSWORD_MAX = 12, 256  # very long passwords are refused before hashing (no hashing DoS)
HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
# A hash of a random password: unknown accounts cost the same time as known ones.
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A command-line account operation that cannot be done; the message says why."""


def check_password_rules(password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise AccountError(f"password must have at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise AccountError(f"password must have at most {PASSWORD_MAX} characters")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create(email: str, password: str, language: str = "en") -> None:
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError("give an email address")
    check_password_rules(password)
    with db.session() as session:
        if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
            raise AccountError(f"{email} already exists")
        session.add(StaffUser(email=email, password_hash=HASHER.hash(password), language=language, active=True,
                              created_at=datetime.now(UTC)))
    audit.record("cli", "account_created", email)


def set_password(email: str, password: str) -> None:
    """Change a password and end every session of that account."""
    check_password_rules(password)
    user_id = _user_id(email)
    with db.session() as session:
        session.execute(update(StaffUser).where(StaffUser.id == user_id)
                        .values(password_hash=HASHER.hash(password)))
        session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))
    audit.record("cli", "password_changed", normalise_email(email))


def deactivate(email: str) -> None:
    """Stop an account from signing in and end its sessions now."""
    user_id = _user_id(email)
    with db.session() as session:
        session.execute(update(StaffUser).where(StaffUser.id == user_id).values(active=False))
        session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))
    audit.record("cli", "account_deactivated", normalise_email(email))


def _user_id(email: str) -> int:
    with db.session() as session:
        user_id = session.scalar(select(StaffUser.id).where(StaffUser.email == normalise_email(email)))
    if user_id is None:
        raise AccountError(f"no account {normalise_email(email)}")
    return user_id


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


CLIENT_SCOPE, ACCOUNT_SCOPE = "sign-in from client", "sign-in to account from client"


def _reserve_attempt(email: str, client: str) -> limits.Count | None:
    """Count this attempt before the password is checked, and return the count that refuses it, if any.

    Each count is one atomic upsert that returns the attempt's number in its window, so attempts made at the
    same moment on different workers are numbered one by one and exactly the allowed number gets through.
    The limits are per client address, and per account *from that address*: someone hammering an account
    elsewhere locks out only themselves, never the account's owner."""
    config = current_app.config
    window = timedelta(minutes=config["STAFF_THROTTLE_MINUTES"])
    with db.statements() as connection:
        by_client = limits.take(connection, limits.keyed(CLIENT_SCOPE, client), window)
        if by_client.over(config["STAFF_MAX_FAILURES_PER_CLIENT"]):
            return by_client  # the per-account count is not touched, so a flood adds no row for each email
        by_account = limits.take(connection, limits.keyed(ACCOUNT_SCOPE, email, client), window)
        if by_account.over(config["STAFF_MAX_FAILURES_PER_ACCOUNT"]):
            return by_account
    return None


def _release_attempt(email: str, client: str) -> None:
    """A successful sign-in: its attempt no longer counts, nor do this address's earlier failures for it."""
    with db.statements() as connection:
        limits.forget(connection, limits.keyed(ACCOUNT_SCOPE, email, client))
        limits.give_back(connection, limits.keyed(CLIENT_SCOPE, client))


@dataclass(frozen=True)
class StaffPrincipal:
    """The signed-in staff member, as Flask-Login sees them; ``get_id`` is the session token."""

    user_id: int
    email: str
    language: str
    token: str
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        return self.token


@dataclass(frozen=True)
class SignIn:
    """What became of a sign-in attempt: a principal, a refusal by the limits, or a failure (for an account
    that exists or not: the page says the same either way, the audit log does not)."""

    principal: StaffPrincipal | None = None
    refused: limits.Count | None = None
    account_exists: bool = False


def authenticate(email: str, password: str, client: str) -> SignIn:
    """Check a sign-in. On success a new server-side session exists and its principal is returned."""
    email = normalise_email(email)
    refused = _reserve_attempt(email, client)
    if refused is not None:
        return SignIn(refused=refused)
    if len(password) > PASSWORD_MAX:
        password = ""  # refused before hashing, but still costs one verification below
    with db.session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
    stored = user.password_hash if user is not None and user.active else _DUMMY_HASH
    try:
        ok = HASHER.verify(stored, password) and user is not None and user.active and bool(password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        return SignIn(account_exists=user is not None)
    _release_attempt(email, client)
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with db.session() as session:
        session.add(StaffSession(token_hash=_token_hash(token), user_id=user.id, created_at=now, last_seen=now))
        if HASHER.check_needs_rehash(user.password_hash):
            session.execute(update(StaffUser).where(StaffUser.id == user.id)
                            .values(password_hash=HASHER.hash(password)))
    return SignIn(principal=StaffPrincipal(user.id, user.email, user.language, token), account_exists=True)


def load_session(token: str) -> StaffPrincipal | None:
    """The principal for a session token, or None if it ended, idled out, or its account is inactive."""
    now = datetime.now(UTC)
    idle = timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])
    with db.session() as session:
        row = session.execute(
            select(StaffSession, StaffUser).join(StaffUser, StaffUser.id == StaffSession.user_id)
            .where(StaffSession.token_hash == _token_hash(token))
        ).one_or_none()
        if row is None:
            return None
        staff_session, user = row
        last_seen = staff_session.last_seen.replace(tzinfo=staff_session.last_seen.tzinfo or UTC)
        if not user.active or now - last_seen > idle:
            session.delete(staff_session)
            return None
        if now - last_seen > timedelta(seconds=30):  # no write on every click
            staff_session.last_seen = now
        return StaffPrincipal(user.id, user.email, user.language, token)


def end_session(token: str) -> None:
    with db.session() as session:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == _token_hash(token)))


def set_language(user_id: int, tag: str) -> None:
    with db.session() as session:
        session.execute(update(StaffUser).where(StaffUser.id == user_id).values(language=tag))


def prune() -> int:
    """Forget sign-in counts whose window is over, and sessions idle past their life (the daily purge)."""
    idle_since = datetime.now(UTC) - timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])
    with db.statements() as connection:
        counts = limits.prune(connection)
        connection.execute(delete(StaffSession).where(StaffSession.last_seen < idle_since))
    return counts
