"""The staff area: locked by default, real sessions that really end, throttled sign-in, audited reads."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from kinfo.core.models import AuditEvent, StaffUser
from kinfo.selfcheck import storage as submissions
from kinfo.staff import accounts

from ..pages import sample_url, visible_text
from ..selfcheck_helpers import answers, new_key, submit
from ..staff_helpers import PASSWORD, make_account, page_token, sign_in

# Every route that anyone may open without signing in. A new route must be added here on purpose, or live
# under /staff (where it is locked); anything else fails test_every_route_is_classified.
PUBLIC_ENDPOINTS = {
    "languages.root", "languages.choose", "article.page", "assets.static_file", "selfcheck.form_page",
    "selfcheck.submit", "selfcheck.change", "selfcheck.start_again", "selfcheck.submit_json", "handout.page",
    "handout.index", "handout.list_page", "handout.choose_pair", "handout.running_header",
    "fhir.questionnaire", "pwa.service_worker", "pwa.manifest", "pwa.bundle", "pwa.offline_page",
    "selfcheck.offline_form", "selfcheck.offline_result", "selfcheck.rules", "staff.login",
    "pwa.offline_panel", "leave.page",
    "tablet.start", "tablet.form_page", "tablet.submit", "tablet.change",  # the waiting-room tablet: patients'
}


def test_every_route_is_classified(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in PUBLIC_ENDPOINTS:
            assert rule.rule.startswith("/staff/"), f"{rule.rule} ({rule.endpoint}) is neither public nor staff"


def test_every_staff_route_refuses_anyone_not_signed_in(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = sample_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if "/fhir/" in url or url.endswith(".csv"):
                assert response.status_code == 401, (method, url)
            elif method == "GET":
                assert response.status_code == 302, (method, url)
                assert response.headers["Location"].startswith("/staff/login?next=")
            else:  # a POST without a session and token is refused before anything happens
                assert response.status_code in (302, 400), (method, url)
            checked += 1
    assert checked >= 7


def test_there_is_never_a_default_account(app):
    with app.extensions["kinfo_sessionmaker"]() as session:
        assert session.scalars(select(StaffUser)).all() == []


@pytest.mark.parametrize(("password", "message"), [("short", "at least 12"), ("x" * 257, "at most 256")])
def test_password_length_is_checked(app, password, message):
    with app.app_context(), pytest.raises(accounts.AccountError, match=message):
        accounts.create("a@clinic.example", password)


def test_the_cli_creates_changes_and_deactivates_accounts(app, runner):
    result = runner.invoke(args=["staff", "create", "lead@clinic.example", "--language", "ar"],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    with app.extensions["kinfo_sessionmaker"]() as session:
        user = session.scalar(select(StaffUser))
        assert user.password_hash.startswith("$argon2id$") and user.language == "ar"
        assert PASSWORD not in user.password_hash
    assert runner.invoke(args=["staff", "set-password", "lead@clinic.example"],
                         input="another long password\nanother long password\n").exit_code == 0
    assert runner.invoke(args=["staff", "deactivate", "lead@clinic.example"]).exit_code == 0
    assert "no account" in runner.invoke(args=["staff", "deactivate", "nobody@x.example"]).output


def test_sign_in_starts_a_new_session_and_sign_out_ends_it_for_good(app, client):
    make_account(app)
    client.get("/staff/login")
    before = client.get_cookie("session").value
    response = sign_in(client)
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"
    after = client.get_cookie("session").value
    assert after != before
    for page in (client.get("/staff/login"), client.get("/staff/")):  # staff pages are for no search engine
        html = page.get_data(as_text=True)
        assert '<meta name="robots" content="noindex">' in html and 'rel="alternate"' not in html
        assert "/static/css/staff." in html
    captured = after
    client.post("/staff/logout", data={"csrf_token": page_token(client)})
    assert client.get("/staff/").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", captured)
    assert replay.get("/staff/").status_code == 302, "a captured cookie stops working after sign-out"


@pytest.mark.parametrize("end", ["set_password", "deactivate"])
def test_password_change_and_deactivation_end_existing_sessions(app, client, end):
    email = make_account(app)
    sign_in(client)
    assert client.get("/staff/").status_code == 200
    with app.app_context():
        if end == "set_password":
            accounts.set_password(email, "a brand new passphrase")
        else:
            accounts.deactivate(email)
    assert client.get("/staff/").status_code == 302
    assert sign_in(client).status_code == 401


def test_sessions_expire_after_idle_time(make_app):
    app = make_app(STAFF_IDLE_MINUTES=0)
    make_account(app)
    client = app.test_client()
    sign_in(client)
    assert client.get("/staff/").status_code == 302


@pytest.mark.parametrize("target", [
    "//evil.example", "/\\evil.example", "/%2F%2Fevil.example", "https://evil.example/staff/", "javascript:alert(1)",
    "/staff/../../evil", "%2F%2Fevil.example", "/staff//evil.example", "/staff/\\evil", "http:/evil.example",
    "/article",
])
def test_next_after_sign_in_only_goes_to_a_staff_path_on_this_site(app, client, target):
    make_account(app)
    response = sign_in(client, next_path=target)
    location = response.headers["Location"]
    assert location == "/staff/" or (location.startswith("/staff/") and "//" not in location)
    assert "evil" not in location


def test_next_keeps_a_real_staff_path(app, client):
    make_account(app)
    assert sign_in(client, next_path="/staff/export.csv").headers["Location"] == "/staff/export.csv"


def test_failed_sign_ins_are_throttled_per_account(app, client):
    make_account(app)
    for _ in range(5):
        assert sign_in(client, password="wrong password here").status_code == 401
    response = sign_in(client)
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_failed_sign_ins_are_throttled_per_client_address(app, client):
    make_account(app)
    for number in range(20):
        sign_in(client, email=f"guess{number}@clinic.example", password="wrong password here")
    assert sign_in(client).status_code == 429


def test_cookies_are_secure_httponly_and_samesite_in_production(tmp_path):
    from kinfo import create_app

    app = create_app({"ENV": "production", "SECRET_KEY": "p" * 48, "PUBLIC_BASE_URL": "https://kinfo.test"},
                     instance_path=str(tmp_path))
    make_account(app)
    client = app.test_client()
    sign_in(client)
    cookie = client.get_cookie("session")
    assert cookie.secure and cookie.http_only and cookie.same_site == "Lax"


def test_staff_pages_are_no_store(app, client):
    make_account(app)
    sign_in(client)
    for path in ("/staff/", "/staff/login", "/staff/export.csv", "/staff/fhir/Bundle"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def _seed(app):
    """Three consented self-checks: a crisis one, a calm one, one with hostile free text. The form refuses
    control characters, so a fourth row with them is stored directly, as older or imported data might be."""
    patient = app.test_client()
    submit(patient, answers(self_harm="plan"), lang="ar", consent=True, key=new_key())
    submit(patient, answers(), lang="es", consent=True, key=new_key())
    hostile = "<script>alert('x')</script> {{ 7*7 }} =HYPERLINK(\"http://evil\")"
    response = submit(patient, answers(pregnant="yes", notes="<img src=x onerror=alert(1)>"), lang="vi",
                      consent=True, key=new_key(), name=hostile[:100])
    assert response.status_code == 200
    with app.app_context():
        submissions.store(idempotency_key=new_key(), answers={**answers(), "notes": "right\u202eleft \x00 end"},
                          outcome_codes=[], urgency="none", language="zh-Hans", contact=None)
    return hostile


def test_the_list_puts_urgent_new_ones_first_then_newest_marks_crisis_urgent_and_filters(app, client):
    _seed(app)
    make_account(app)
    sign_in(client)
    page = client.get("/staff/").get_data(as_text=True)
    languages = re.findall(r"<td>(ar|es|vi|zh-Hans)</td>", page)
    assert languages == ["ar", "zh-Hans", "vi", "es"]
    assert page.count('class="urgent"') == 1 and "Urgent: crisis help shown" in page
    crisis_only = client.get("/staff/?urgency=crisis").get_data(as_text=True)
    assert re.findall(r"<td>(ar|es|vi)</td>", crisis_only) == ["ar"]
    assert re.findall(r"<td>(ar|es|vi)</td>", client.get("/staff/?from=2000-01-01&to=2000-01-02")
                      .get_data(as_text=True)) == []
    assert client.get("/staff/?from=garbage&urgency=<x>").status_code == 200


def test_the_detail_shows_answers_in_the_staff_members_language_and_free_text_safely(app, client):
    hostile = _seed(app)
    make_account(app, language="es")
    sign_in(client)
    list_page = client.get("/staff/").get_data(as_text=True)
    # The urgent, still new self-check comes first; then the newest.
    newest, hostile_row = re.findall(r'/staff/submissions/([A-Z0-9-]+)"', list_page)[1:3]
    controls = client.get(f"/staff/submissions/{newest}").get_data(as_text=True)
    assert "⟨U+202E⟩" in controls and "⟨U+0000⟩" in controls, "control characters are shown, not obeyed"
    assert "\u202e" not in controls and "\x00" not in controls
    page = client.get(f"/staff/submissions/{hostile_row}").get_data(as_text=True)
    assert '<html lang="es"' in page
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("es"):
        assert gettext("Are you pregnant, or could you be?") in page
    assert '<span lang="vi">Tiếng Việt</span>' in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "{{ 7*7 }}" in page and "49" not in visible_text(page).split("{{")[0][-5:]
    assert hostile[:20] not in page and "&lt;script&gt;alert(&#39;x&#39;)" in page


def test_views_and_exports_are_audited_without_health_content(app, client):
    _seed(app)
    email = make_account(app)
    sign_in(client, password="wrong password 123")
    sign_in(client)
    reference = re.findall(r'/staff/submissions/([A-Z0-9-]+)"', client.get("/staff/").get_data(as_text=True))[0]
    client.get(f"/staff/submissions/{reference}")
    client.get("/staff/export.csv")
    with app.extensions["kinfo_sessionmaker"]() as session:
        events = [(e.actor, e.action, e.target) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    actions = [action for _, action, _ in events]
    for expected in ("account_created", "login_failed", "login", "list", "view", "export"):
        assert expected in actions
    assert (email, "view", reference) in events
    dump = repr(events)
    assert "pregnant" not in dump and "alert" not in dump and "onerror" not in dump


def test_the_audit_log_is_append_only(app):
    make_account(app)
    with app.extensions["kinfo_db"].connect() as connection:
        for statement in ("UPDATE audit_event SET actor = 'x'", "DELETE FROM audit_event"):
            with pytest.raises(Exception, match="append-only"):
                connection.execute(text(statement))
            connection.rollback()


@pytest.mark.parametrize("query", ["endpoint=x", "_external=1&_scheme=javascript", "reference=x&from=2026-01-01",
                                   "_anchor=x&urgency=crisis&to=nonsense"])
def test_the_list_reads_only_the_filters_it_knows(app, client, query):
    make_account(app)
    sign_in(client)
    response = client.get(f"/staff/?{query}")
    assert response.status_code == 200
    links = re.findall(r'href="(/staff/(?:export\.csv|fhir/Bundle)[^"]*)"', response.get_data(as_text=True))
    assert len(links) == 2
    for link in links:
        arguments = set(re.findall(r"[?&]([^=&]+)=", link.replace("&amp;", "&")))
        assert arguments <= {"from", "to", "urgency"}, link
