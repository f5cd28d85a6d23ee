"""Times on staff pages: in the clinic's own time zone (setting ``CLINIC_TIME_ZONE``, an IANA name such as
``America/Chicago``), in the staff member's language, with how long ago for a quick read."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_timedelta
from flask import current_app
from flask_babel import get_locale


def clinic_zone() -> ZoneInfo:
    """The clinic's time zone (checked at start, so it always loads)."""
    return ZoneInfo(current_app.config["CLINIC_TIME_ZONE"])


def clinic_datetime(moment: datetime, length: str = "medium") -> str:
    """A stored moment as the clinic's wall-clock time, e.g. "3 Dec 2026, 09:41:07"."""
    return format_datetime(moment, length, tzinfo=clinic_zone(), locale=get_locale())


def time_ago(moment: datetime, now: datetime | None = None) -> str:
    """How long ago, e.g. "2 hours ago" (a future moment from a skewed clock reads as now)."""
    delta = max((now or datetime.now(UTC)) - moment, type(moment - moment)())
    return format_timedelta(-delta, add_direction=True, locale=get_locale(), threshold=1.5)


def zone_name() -> str:
    """The clinic's zone by its IANA name (``Europe/Berlin``): unambiguous in every language, unlike Babel's
    long names, which have none for UTC."""
    return current_app.config["CLINIC_TIME_ZONE"]


def init_app(app) -> None:
    """Make the helpers available to the staff templates."""
    app.jinja_env.filters["clinic_datetime"] = clinic_datetime
    app.jinja_env.filters["time_ago"] = time_ago
    app.jinja_env.globals["clinic_zone_name"] = zone_name
