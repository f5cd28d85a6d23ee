"""Limits on what anyone can make the site do or keep: counters in the app's own database, and request
bodies no bigger than the setting, chunked or not.

A counter is one row per counted thing (``rate_counter``), taken with one atomic upsert that returns the
new count, so every worker and instance shares it exactly (no read-then-write race: 30 attempts at once are
numbered 1 to 30) and a flood reuses the row instead of adding rows. Windows are fixed: the count starts
again at 1 once the window that began with the first counted event is over.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from io import BytesIO

from flask import current_app, request
from sqlalchemy import bindparam, case, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.types import DateTime

from .models import RateCounter

COUNTERS = RateCounter.__table__
log = logging.getLogger(__name__)
_warned_about_proxy = False


def client_address() -> str:
    """The client's address for per-client limits: IPv4 as is, IPv6 by its /64 network (one home or phone
    gets a whole /64, so single IPv6 addresses would cost an attacker nothing)."""
    global _warned_about_proxy
    if not _warned_about_proxy and not current_app.config["PROXY_COUNT"] and "X-Forwarded-For" in request.headers:
        _warned_about_proxy = True
        log.warning("Requests arrive with X-Forwarded-For but KINFO_PROXY_COUNT is 0: every client looks like the "
                    "proxy, so per-client limits count all of them together. Set KINFO_PROXY_COUNT.")
    address = request.remote_addr or "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def is_clinic_address() -> bool:
    """Whether the request comes from one of the clinic's own addresses (``TABLET_CLIENT_ADDRESSES``): a
    waiting-room tablet sends one patient's self-check after another, so the per-client limit would
    refuse the fifth patient of a busy morning. Compared with the whole address, not its /64."""
    networks = current_app.config.get("TABLET_CLIENT_NETWORKS", ())
    if not networks:
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def keyed(scope: str, *parts: str) -> str:
    """The counter key for ``parts`` in ``scope``: a keyed hash, so no address or typed email is stored."""
    key = hashlib.sha256(b"kinfo counter\0" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, "\0".join((scope, *parts)).encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Count:
    """The count a ``take`` returned, and when its window ends."""

    count: int
    window_ends: datetime

    def over(self, limit: int) -> bool:
        return self.count > limit

    def retry_after(self, now: datetime | None = None) -> int:
        """Whole seconds until the window ends (at least 1), for a ``Retry-After`` header."""
        left = (self.window_ends - (now or datetime.now(UTC))).total_seconds()
        return max(1, math.ceil(left))


_NOW = bindparam("now", type_=DateTime(timezone=True))
_WINDOW_OVER = bindparam("window_over", type_=DateTime(timezone=True))


@cache
def _take_statement(dialect: str):
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(COUNTERS)
    expired = COUNTERS.c.window_start <= _WINDOW_OVER  # the row's window began a whole window ago or more
    return insert.values(key=bindparam("key"), window_start=_NOW, count=1).on_conflict_do_update(
        index_elements=[COUNTERS.c.key],
        set_={"count": case((expired, 1), else_=COUNTERS.c.count + 1),
              "window_start": case((expired, _NOW), else_=COUNTERS.c.window_start)},
    ).returning(COUNTERS.c.count, COUNTERS.c.window_start)


def take(connection: Connection, key: str, window: timedelta, now: datetime | None = None) -> Count:
    """Count one more for ``key`` in one atomic statement and return the new count in the current window."""
    now = now or datetime.now(UTC)
    row = connection.execute(_take_statement(connection.dialect.name),
                             {"key": key, "now": now, "window_over": now - window}).one()
    started = row.window_start if row.window_start.tzinfo else row.window_start.replace(tzinfo=UTC)
    return Count(row.count, started + window)


def take_each(connection: Connection, keys: list[str], window: timedelta) -> list[Count]:
    """``take`` for several keys in one statement (a multi-row upsert), counts in the order of ``keys``:
    one round trip, so a writer holding SQLite's lock holds it for less time."""
    now = datetime.now(UTC)
    statement = _take_statement(connection.dialect.name).returning(COUNTERS.c.key, sort_by_parameter_order=True)
    rows = connection.execute(statement, [{"key": key, "now": now, "window_over": now - window} for key in keys])
    counts = []
    for row in rows:
        started = row.window_start if row.window_start.tzinfo else row.window_start.replace(tzinfo=UTC)
        counts.append(Count(row.count, started + window))
    return counts


def give_back(connection: Connection, key: str) -> None:
    """Uncount one (an attempt that turned out well)."""
    connection.execute(update(COUNTERS).where(COUNTERS.c.key == key, COUNTERS.c.count > 0)
                       .values(count=COUNTERS.c.count - 1))


def forget(connection: Connection, key: str) -> None:
    connection.execute(delete(COUNTERS).where(COUNTERS.c.key == key))


def longest_window(config) -> timedelta:
    """The longest window any counter uses: a row older than this counts for nothing."""
    return max(timedelta(minutes=config["STAFF_THROTTLE_MINUTES"]), SUBMISSION_WINDOW)


SUBMISSION_WINDOW = timedelta(minutes=1)


def prune(connection: Connection, now: datetime | None = None) -> int:
    """Forget every counter whose window is over (the daily purge); returns how many rows went."""
    cutoff = (now or datetime.now(UTC)) - longest_window(current_app.config)
    return connection.execute(delete(COUNTERS).where(COUNTERS.c.window_start < cutoff)).rowcount


def _read_up_to(stream, size: int) -> bytes:
    """Up to ``size`` bytes: a stream may return fewer per read (Werkzeug's dechunking reads a chunk a call)."""
    parts, left = [], size
    while left > 0:
        part = stream.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


class BodyLimit:
    """WSGI middleware: a request body sent in chunks (no Content-Length) is read up to the size limit here.
    Werkzeug would stop reading at the limit and hand the view a silently shortened body; instead a body over
    the limit is refused with 413 by Flask's own check, and one within it is passed on with its length."""

    def __init__(self, wsgi_app, max_length: int | None):
        self.wsgi_app = wsgi_app
        self.max_length = max_length

    def __call__(self, environ, start_response):
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if self.max_length is not None and chunked and not environ.get("CONTENT_LENGTH"):
            body = _read_up_to(environ["wsgi.input"], self.max_length + 1)
            # Over the limit: the length Flask sees says so and it answers 413 (its translated error page) as
            # soon as anything asks for the body; the rest is never read.
            environ["CONTENT_LENGTH"] = str(len(body))
            environ["wsgi.input"] = BytesIO(b"" if len(body) > self.max_length else body)
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.wsgi_app(environ, start_response)


def init_app(app) -> None:
    """Refuse request bodies over ``MAX_CONTENT_LENGTH``, chunked ones included."""
    app.wsgi_app = BodyLimit(app.wsgi_app, app.config.get("MAX_CONTENT_LENGTH"))
