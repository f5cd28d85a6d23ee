"""``/leave``: the neutral page "Leave this page" opens by default (setting ``LEAVE_URL``).

It names nothing (no clinic, no treatment, no language), requests nothing, and is kept in every offline
copy, so leaving works without a connection too.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from ..core.pagecache import public_page

bp = Blueprint("leave", __name__)


@bp.get("/leave")
def page() -> Response:
    """An empty page: what someone glancing at the screen sees after the patient has left."""
    response = public_page(render_template("public/leave.html"))
    response.headers["X-Robots-Tag"] = "noindex"
    return response
