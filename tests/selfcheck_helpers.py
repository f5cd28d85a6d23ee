"""Helpers for self-check tests: a complete set of calm answers, a real CSRF round trip, row counts."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import func, select

from kinfo.core.models import Submission

CALM_ANSWERS = {
    "adult": "yes", "pregnant": "no", "breastfeeding": "no", "bp_high": "no", "heart": "no",
    "thyroid_overactive": "no", "condition": "depression", "antidepressants_tried": "2plus", "psychosis": "no",
    "mania": "no", "substance": "no", "head_eye_pressure": "no", "seizures": "no", "liver": "no",
    "bladder": "no", "ketamine_reaction": "no", "medicines": "no", "self_harm": "no", "ride_home": "yes",
}


def answers(**changes) -> dict[str, str]:
    """Calm answers with some changed; a value of None removes the answer."""
    data = {**CALM_ANSWERS, **changes}
    return {key: value for key, value in data.items() if value is not None}


def form_token(client, lang: str = "en") -> tuple[str, str]:
    """Open the form like a browser: (CSRF token, idempotency key) from the page."""
    page = client.get(f"/{lang}/self-check").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page).group(1)
    return token, key


def submit(client, data: dict, lang: str = "en", consent: bool = False, key: str | None = None, **extra):
    """Post the form with a valid CSRF token (from a real GET of the form)."""
    token, form_key = form_token(client, lang)
    body = {**data, "csrf_token": token, "idempotency_key": key or form_key, **extra}
    if consent:
        body["consent"] = "y"
    return client.post(f"/{lang}/self-check", data=body)


def new_key() -> str:
    return str(uuid.uuid4())


def row_count(app) -> int:
    with app.extensions["kinfo_sessionmaker"]() as session:
        return session.scalar(select(func.count()).select_from(Submission))


def reference_in(page: str) -> str | None:
    match = re.search(r'class="reference"><bdi>([A-Z0-9]{4}-[A-Z0-9]{4})</bdi>', page)
    return match.group(1) if match else None
