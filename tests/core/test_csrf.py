"""CSRF protection is on by default: every POST route checks Flask-WTF's token unless it is listed, with a
reason, in kinfo.core.csrf.EXEMPT; and no page that a cache may keep for everyone carries a token."""

from __future__ import annotations

from kinfo.core.csrf import EXEMPT

from ..pages import public_page_urls, sample_url
from ..staff_helpers import make_account, sign_in

CHANGING_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def changing_routes(app) -> list:
    return [rule for rule in app.url_map.iter_rules() if rule.methods & CHANGING_METHODS]


def test_every_exemption_names_a_real_route_and_gives_its_reason(app):
    endpoints = {rule.endpoint for rule in changing_routes(app)}
    for endpoint, reason in EXEMPT.items():
        assert endpoint in endpoints, f"{endpoint} is exempt but is no POST route"
        assert len(reason.split()) >= 10, f"{endpoint} needs a real reason"


def test_every_post_route_refuses_a_request_without_a_token_unless_it_is_listed(app, client):
    make_account(app)
    sign_in(client)  # staff routes too: a signed-in nurse is the one a forged form would target
    checked = []
    for rule in changing_routes(app):
        if rule.endpoint in EXEMPT:
            continue
        for method in sorted(rule.methods & CHANGING_METHODS):
            response = client.open(sample_url(rule), method=method, data={"anything": "x"})
            page = response.get_data(as_text=True)
            # Refused outright (400), or the page comes back unchanged with the reason (the self-check keeps the
            # patient's answers and says why; the sign-in page asks to sign in again).
            assert response.status_code in (400, 422), f"{method} {rule.rule} answered {response.status_code}"
            assert "open for a long time" in page or response.status_code == 400, rule.rule
            checked.append(rule.endpoint)
    assert {"selfcheck.submit", "staff.login", "staff.logout", "staff.language"} <= set(checked)


def test_the_listed_routes_work_without_a_token(client):
    """The phone's replay answers on its own terms (here: the body is not a self-check), and "start again"
    opens a fresh form; neither stops at the CSRF check."""
    replay = client.post("/en/self-check/submissions", json={"answers": {}}, headers={"Sec-Fetch-Site": "same-origin"})
    assert replay.status_code == 400 and replay.json["error"] == "Nothing is sent without your consent."
    again = client.post("/en/self-check/new", headers={"Sec-Fetch-Site": "same-origin"})
    assert again.status_code == 200 and 'name="idempotency_key"' in again.get_data(as_text=True)
    assert set(EXEMPT) == {"selfcheck.submit_json", "selfcheck.start_again"}, "a new exemption needs a test here"


def test_a_page_any_cache_may_keep_never_carries_a_token(app, client):
    for _endpoint, url in public_page_urls(app):
        response = client.get(url)
        if "public" in response.headers.get("Cache-Control", ""):
            assert "csrf_token" not in response.get_data(as_text=True), url
    login = client.get("/staff/login")
    assert "csrf_token" in login.get_data(as_text=True) and "no-store" in login.headers["Cache-Control"]
