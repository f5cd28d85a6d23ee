"""Staff accounts: argon2id passwords, server-side sessions, and login throttling shared by all workers."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import delete, func, select, update

from ..core import db
from ..core.models import LoginFailure, StaffSession, StaffUser
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


def _keyed(value: str) -> str:
    key = hashlib.sha256(b"kinfo throttle\0" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_throttled(email: str, client: str) -> bool:
    """Too many recent failures for this account, or from this client address (across all workers)."""
    config = current_app.config
    since = datetime.now(UTC) - timedelta(minutes=config["STAFF_THROTTLE_MINUTES"])
    with db.session() as session:
        by_account = session.scalar(select(func.count()).select_from(LoginFailure).where(
            LoginFailure.at >= since, LoginFailure.account_key == _keyed(normalise_email(email))))
        by_client = session.scalar(select(func.count()).select_from(LoginFailure).where(
            LoginFailure.at >= since, LoginFailure.client_key == _keyed(client)))
    return (by_account >= config["STAFF_MAX_FAILURES_PER_ACCOUNT"]
            or by_client >= config["STAFF_MAX_FAILURES_PER_CLIENT"])


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


def authenticate(email: str, password: str, client: str) -> StaffPrincipal | None:
    """Check a login. On success a new server-side session exists and its principal is returned."""
    email = normalise_email(email)
    if len(password) > PASSWORD_MAX:
        password = ""  # refused before hashing, but still costs one verification below
    with db.session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
    stored = user.password_hash if user is not None and user.active else _DUMMY_HASH
    try:
        ok = HASHER.verify(stored, password) and user is not None and user.active and bool(password)
    except (VerificationError, InvalidHashError):
        ok = False
    now = datetime.now(UTC)
    if not ok:
        with db.session() as session:
            session.add(LoginFailure(at=now, account_key=_keyed(email), client_key=_keyed(client)))
        return None
    token = secrets.token_urlsafe(32)
    with db.session() as session:
        session.execute(delete(LoginFailure).where(LoginFailure.account_key == _keyed(email)))
        session.add(StaffSession(token_hash=_token_hash(token), user_id=user.id, created_at=now, last_seen=now))
        if HASHER.check_needs_rehash(user.password_hash):
            session.execute(update(StaffUser).where(StaffUser.id == user.id)
                            .values(password_hash=HASHER.hash(password)))
    return StaffPrincipal(user.id, user.email, user.language, token)


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


def prune_failures() -> None:
    """Forget failures older than the throttle window (they count for nothing)."""
    since = datetime.now(UTC) - timedelta(minutes=current_app.config["STAFF_THROTTLE_MINUTES"])
    with db.session() as session:
        session.execute(delete(LoginFailure).where(LoginFailure.at < since))
