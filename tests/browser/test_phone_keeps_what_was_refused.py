"""In Debian's Chromium: a self-check the server could not take just now — too many at once (429 from the
app) or the service unavailable (503 from a proxy in front of it) — stays queued on the phone, and is sent
exactly once when the server takes it again. And the page's own 429, with JavaScript off, shows the outcome
with crisis help first."""

from __future__ import annotations

import json
import time

import pytest

from kinfo import create_app

from ..conftest import TEST_SECRET
from ..selfcheck_helpers import CALM_ANSWERS
from .conftest import LiveServer
from .test_offline_in_browser import all_sent, fill, rows, saved_offline

pytestmark = pytest.mark.browser

QUEUED = """key => window.kinfoQueue.put({key, tag: 'en', answers: %s, consent: true, status: 'queued', name: '',
                                     phone: '', created: Date.now()})""" % json.dumps(CALM_ANSWERS)


class Gate:
    """What answers the phone's submissions: the app itself, or a proxy that says 503 (HTML, as nginx does)."""

    def __init__(self, app):
        self.unavailable = False
        inner = app.wsgi_app

        def gate(environ, start_response):
            if self.unavailable and environ["PATH_INFO"].endswith("/self-check/submissions"):
                start_response("503 Service Unavailable", [("Content-Type", "text/html"), ("Retry-After", "30")])
                return [b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"]
            return inner(environ, start_response)

        app.wsgi_app = gate


@pytest.fixture
def limited_server(tmp_path):
    app = create_app({"ENV": "test", "SECRET_KEY": TEST_SECRET, "PUBLIC_BASE_URL": "http://127.0.0.1",
                      "SUBMISSIONS_PER_CLIENT_PER_MINUTE": 0}, instance_path=str(tmp_path / "instance"))
    gate = Gate(app)
    with LiveServer(app) as server:
        server.gate = gate
        yield server
    app.extensions["kinfo_db"].dispose()


def status_of(page, key: str) -> str:
    return page.evaluate("key => window.kinfoQueue.get(key).then(entry => entry.status)", key)


def send_now_and_settle(page, live_server, path: str) -> None:
    """Press "Send now" and wait until the request has been answered and the queue written back."""
    hits = live_server.hits[path]
    page.click('#offline-panel [data-action="send-now"]')
    deadline = time.monotonic() + 10
    while live_server.hits[path] == hits and time.monotonic() < deadline:
        time.sleep(0.1)
    page.wait_for_timeout(500)


def test_a_self_check_refused_with_429_or_503_stays_queued_and_is_sent_once_later(browser, limited_server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=limited_server.url)
    page = context.new_page()
    app, path = limited_server.app, "/en/self-check/submissions"
    saved_offline(page, "/en/")
    key = "3f2a9c1e-7b4d-4e8f-9a6b-5c4d3e2f1a0b"
    page.evaluate(QUEUED, key)

    send_now_and_settle(page, limited_server, path)  # the app's own 429: too many self-checks this minute
    assert status_of(page, key) == "queued" and rows(app) == 0
    assert page.locator('[data-state="queued"]').is_visible()

    limited_server.gate.unavailable = True  # a proxy answers 503 for the app (a deploy, an overload)
    send_now_and_settle(page, limited_server, path)
    assert status_of(page, key) == "queued" and rows(app) == 0

    limited_server.gate.unavailable = False
    app.config["SUBMISSIONS_PER_CLIENT_PER_MINUTE"] = 10  # the minute is over
    page.reload()  # sent again on page load
    assert all_sent(page)
    assert rows(app) == 1
    page.reload()
    assert all_sent(page) and rows(app) == 1, "sent once, however often the page loads"
    context.close()


def test_without_javascript_the_page_429_shows_the_outcome_crisis_help_first(browser, limited_server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=limited_server.url,
                                  java_script_enabled=False)
    page = context.new_page()
    page.goto("/en/self-check")
    fill(page, {**CALM_ANSWERS, "self_harm": "plan"})
    page.check("#consent")
    page.click("button[type=submit]")
    page.wait_for_selector(".not-stored")
    main = page.locator("main")
    order = main.evaluate("""main => [...main.querySelectorAll('.crisis-card, .not-stored, .outcome, .answers')]
                             .map(element => element.className)""")
    assert order[:2] == ["crisis-card", "not-stored"]
    assert "Nothing was stored" in page.inner_text(".not-stored")
    page.click(".send-answers button[type=submit]")  # sent again: still too many this minute, and said so again
    page.wait_for_selector(".not-stored")
    assert rows(limited_server.app) == 0
    context.close()
