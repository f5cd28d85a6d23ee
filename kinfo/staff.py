"""The staff area: locked by default (only the login page is open), no-store, audited."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from sqlalchemy import func, select
from wtforms import PasswordField, StringField

from . import accounts, audit, db, exports
from .encryption import decrypt_json
from .i18n import BY_URL_TAG, LANGUAGES
from .models import Submission
from .questions import ANSWER_LABELS, QUESTIONS, Level, flag_for_code

bp = Blueprint("staff", __name__, url_prefix="/staff")
OPEN_ENDPOINTS = {"staff.login"}  # everything else under /staff needs a signed-in account
URGENCIES = ("crisis", "discuss", "info", "none")
URGENCY_LABELS = {"crisis": _l("Urgent: crisis help shown"), "discuss": _l("Topics to discuss"),
                  "info": _l("Information only"), "none": _l("Nothing flagged")}
SAFE_NEXT = re.compile(r"^/staff(/[A-Za-z0-9_.\-/]*)?$")
LIST_LIMIT = 200  # newest shown on the page; exports carry every match

login_manager = LoginManager()
login_manager.session_protection = None  # sessions are server-side rows (kinfo.accounts), ended there


class LoginForm(FlaskForm):
    email = StringField(_l("Email"))
    password = PasswordField(_l("Password"))


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


def client_address() -> str:
    return request.remote_addr or "unknown"


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
    """Sign in. Failures are throttled per account and per client address."""
    form = LoginForm()
    error, status = None, 200
    if request.method == "POST":
        email = (form.email.data or "")[:254]
        if not form.validate():
            error, status = _l("This page was open for a long time. Please sign in again."), 400
        elif accounts.is_throttled(email, client_address()):
            audit.record(email or "-", "login_throttled")
            error, status = _l("Too many attempts. Wait 15 minutes, then try again."), 429
        else:
            principal = accounts.authenticate(email, form.password.data or "", client_address())
            if principal is None:
                audit.record(email or "-", "login_failed")
                error, status = _l("That email and password do not match an active account."), 401
            else:
                session.clear()  # nothing from before sign-in carries over
                login_user(principal)
                audit.record(principal.email, "login")
                return redirect(safe_next(request.args.get("next")))
    html = render_template("staff/login.html", form=form, error=error)
    return make_response(html, status)


@bp.post("/logout")
def logout():
    accounts.end_session(current_user.get_id())
    audit.record(current_user.email, "logout")
    logout_user()
    session.clear()
    return redirect(url_for("staff.login"))


@bp.post("/language")
def language():
    """The staff member's language for the staff pages (kept on the account)."""
    tag = (request.form.get("language") or "").lower()
    if tag in BY_URL_TAG:
        accounts.set_language(current_user.user_id, tag)
        audit.record(current_user.email, "language_changed", tag)
    return redirect(safe_next(request.form.get("next")))


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filtered_query():
    """The query for the request's filters (from, to, urgency), newest first, and the filters as read."""
    day_from, day_to = _parse_day(request.args.get("from")), _parse_day(request.args.get("to"))
    urgency = request.args.get("urgency")
    query = select(Submission).order_by(Submission.created_at.desc(), Submission.id.desc())
    if day_from:
        query = query.where(Submission.created_at >= datetime.combine(day_from, time.min, UTC))
    if day_to:
        query = query.where(Submission.created_at < datetime.combine(day_to + timedelta(days=1), time.min, UTC))
    if urgency in URGENCIES:
        query = query.where(Submission.urgency == urgency)
    filters = {"from": day_from.isoformat() if day_from else "", "to": day_to.isoformat() if day_to else "",
               "urgency": urgency if urgency in URGENCIES else ""}
    return query, filters


def _filtered_rows(with_content: bool, limit: int | None = None) -> tuple[list[dict], dict, int]:
    """Submissions matching the request's filters, newest first (at most ``limit``), and how many match."""
    query, filters = _filtered_query()
    with db.session() as db_session:
        total = db_session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        rows = [_row(s, with_content) for s in db_session.scalars(query.limit(limit))]
    return rows, filters, total


def _row(submission: Submission, with_content: bool) -> dict:
    row = {"reference": submission.reference, "created_at": submission.created_at.replace(
        tzinfo=submission.created_at.tzinfo or UTC), "language": submission.language,
        "urgency": submission.urgency, "consent_version": submission.consent_version}
    if with_content:
        row["answers"] = decrypt_json(submission.answers)
        row["outcome"] = decrypt_json(submission.outcome)
        row["contact"] = decrypt_json(submission.contact) if submission.contact else None
    return row


def _one(reference: str) -> dict:
    with db.session() as db_session:
        submission = db_session.scalar(select(Submission).where(Submission.reference == reference))
    if submission is None:
        abort(404)
    return _row(submission, with_content=True)


@bp.get("/")
def submissions():
    """Consented self-checks, newest first; crisis ones marked urgent; filter by date and outcome."""
    rows, filters, total = _filtered_rows(with_content=False, limit=LIST_LIMIT)
    audit.record(current_user.email, "list", json.dumps(filters, sort_keys=True))
    return render_template("staff/list.html", rows=rows, filters=filters, urgencies=URGENCIES,
                           urgency_labels=URGENCY_LABELS, total=total)


def visible_text(text: str) -> Markup:
    """Escaped free text with control and formatting characters shown as visible codes (e.g. ⟨U+202E⟩)."""
    parts = []
    for char in text:
        if char != "\n" and unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            parts.append(Markup('<span class="control">⟨U+{:04X}⟩</span>').format(ord(char)))
        else:
            parts.append(escape(char))
    return Markup("").join(parts)


@bp.get("/submissions/<reference>")
def detail(reference: str):
    """Every answer in the staff member's language, from the stored codes."""
    row = _one(reference)
    items = [flag for flag in map(flag_for_code, row["outcome"]) if flag is not None]
    items.sort(key=lambda flag: -flag.level)
    audit.record(current_user.email, "view", reference)
    return render_template("staff/detail.html", row=row, questions=QUESTIONS, answer_labels=ANSWER_LABELS,
                           items=items, Level=Level, urgency_labels=URGENCY_LABELS, visible_text=visible_text,
                           patient_language=BY_URL_TAG.get(row["language"].lower()), languages=LANGUAGES)


@bp.get("/export.csv")
def export_csv():
    rows, filters, _total = _filtered_rows(with_content=True)
    audit.record(current_user.email, "export", "csv " + json.dumps(filters, sort_keys=True))
    response = make_response(exports.to_csv(rows))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="self-checks-{date.today().isoformat()}.csv"'
    return response


def _fhir(resource: dict) -> Response:
    response = make_response(json.dumps(resource, ensure_ascii=False, indent=1))
    response.headers["Content-Type"] = "application/fhir+json; charset=utf-8"
    return response


@bp.get("/fhir/QuestionnaireResponse/<reference>")
def fhir_response(reference: str):
    row = _one(reference)
    audit.record(current_user.email, "export", f"fhir {reference}")
    return _fhir(exports.questionnaire_response(row))


@bp.get("/fhir/Bundle")
def fhir_bundle():
    rows, filters, _total = _filtered_rows(with_content=True)
    audit.record(current_user.email, "export", "fhir " + json.dumps(filters, sort_keys=True))
    return _fhir(exports.bundle(rows))


public_fhir = Blueprint("fhir", __name__)


@public_fhir.get("/fhir/Questionnaire/kinfo-previsit")
def questionnaire():
    """The questionnaire definition (no patient data) at its canonical URL."""
    return _fhir(exports.questionnaire())


@bp.context_processor
def _staff_context() -> dict:
    """Who is signed in, for staff pages only: public pages never look up a staff user."""
    return {"current_user": current_user}


def init_app(app) -> None:
    login_manager.init_app(app, add_context_processor=False)
    login_manager.unauthorized_handler(refuse_anonymous)

    app.register_blueprint(bp)
    app.register_blueprint(public_fhir)
