"""Signing in and out, and the lock on every other staff page (``/staff/login``, ``/staff/logout``)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Response, g, jsonify, make_response, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField

from ..core import csrf, limits
from ..core.i18n import BY_URL_TAG
from . import accounts, audit, bp

OPEN_ENDPOINTS = {"staff.login"}  # everything else under /staff needs a signed-in account
SAFE_NEXT = re.compile(r"^/staff(/[A-Za-z0-9_.\-/]*)?$")

class StaffLoginManager(LoginManager):
    """Flask-Login, kept inside the staff area. Its after-request hook (for remember-me cookies, which staff
    never get) would open the session on every response, and a public page that touched the session varies
    on Cookie: no shared cache could serve it to everyone."""

    def _update_remember_cookie(self, response):
        if request.blueprint != bp.name:
            return response
        return super()._update_remember_cookie(response)


login_manager = StaffLoginManager()
login_manager.session_protection = None  # sessions are server-side rows (kinfo.accounts), ended there


class LoginForm(FlaskForm):
    """Email and password. Its CSRF token is checked before the view runs, like every POST (kinfo.core.csrf)."""

    email = StringField(_l("Email"))
    password = PasswordField(_l("Password"))

    class Meta:
        csrf = False


@login_manager.user_loader
def _load(token: str):
    return accounts.load_session(token)


def wants_json() -> bool:
    """Data (FHIR, CSV, JSON) gets a 401 answer; pages get a redirect to the login page."""
    return "/fhir/" in request.path or request.path.endswith((".json", ".csv")) or (
        request.accept_mimetypes.best == "application/json")


def safe_next(target: str | None) -> str:
    """Only a path inside the staff area of this site; anything else (other hosts, schemes, tricks) → list."""
    if not target or not SAFE_NEXT.match(target) or "//" in target or "\\" in target or "/." in target:
        return url_for("staff.submissions")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return url_for("staff.submissions")
    return target


def refuse_anonymous():
    """No session: data gets 401, pages a redirect to the sign-in page."""
    if wants_json():
        return jsonify({"error": "authentication required"}), 401
    return redirect(url_for("staff.login", next=request.path))


@bp.before_request
def _lock_by_default():
    if current_user.is_authenticated:
        g.language = BY_URL_TAG.get(current_user.language, BY_URL_TAG["en"])
        return None
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    return refuse_anonymous()


@bp.after_request
def _never_cache(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in. Attempts are limited per client address, and per account from that address."""
    form = LoginForm()
    if request.method != "POST":
        return _login_page(form, None, 200)
    email = (form.email.data or "")[:254]
    attempt = accounts.authenticate(email, form.password.data or "", limits.client_address())
    if attempt.refused is not None:
        audit.count("login_refused_by_limits")
        response = _login_page(form, _l("Too many attempts. Wait 15 minutes, then try again."), 429)
        response.headers["Retry-After"] = str(attempt.refused.retry_after())
        return response
    if attempt.principal is None:
        # What was typed is kept only when it names a real account; otherwise the failure is only counted.
        if attempt.account_exists:
            audit.record(accounts.normalise_email(email), "login_failed")
        else:
            audit.count("login_failed_unknown_account")
        return _login_page(form, _l("That email and password do not match an active account."), 401)
    session.clear()  # nothing from before sign-in carries over
    login_user(attempt.principal)
    audit.record(attempt.principal.email, "login")
    return redirect(safe_next(request.args.get("next")))


@csrf.on_failure("staff.login")
def _login_failed_csrf_check() -> Response:
    """A sign-in page left open past its token's life: shown again, nothing checked."""
    return _login_page(LoginForm(), _l("This page was open for a long time. Please sign in again."), 400)


def _login_page(form: LoginForm, error, status: int) -> Response:
    return make_response(render_template("staff/login.html", form=form, error=error), status)


@bp.post("/logout")
def logout():
    accounts.end_session(current_user.get_id())
    audit.record(current_user.email, "logout")
    logout_user()
    session.clear()
    return redirect(url_for("staff.login"))


@bp.context_processor
def _staff_context() -> dict:
    """Who is signed in, for staff pages only: public pages never look up a staff user."""
    return {"current_user": current_user}
