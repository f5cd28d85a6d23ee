"""Real-browser fixtures: the app under a real HTTP server, and Debian's Chromium driven by Playwright.

These tests never skip: without Chromium they fail, so CI can't pass without running them.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from kinfo import create_app

from ..conftest import TEST_SECRET

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"


class QuietHandler(WSGIRequestHandler):
    """No request log on the console, and no server banner."""

    server_version = "kinfo"
    sys_version = ""

    def log_request(self, *args, **kwargs):
        pass


class LiveServer:
    """The app on 127.0.0.1 in a thread, counting the requests that reach it."""

    def __init__(self, app):
        self.app = app
        self.hits: Counter[str] = Counter()
        wsgi = app.wsgi_app

        def counting(environ, start_response):
            self.hits[environ.get("PATH_INFO", "")] += 1
            return wsgi(environ, start_response)

        app.wsgi_app = counting
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    app = create_app(
        {"ENV": "test", "SECRET_KEY": TEST_SECRET, "PUBLIC_BASE_URL": "http://127.0.0.1",
         # every browser test sends from 127.0.0.1 within a few minutes; the limits have tests of their own
         "SUBMISSIONS_PER_CLIENT_PER_MINUTE": 1000, "SUBMISSIONS_PER_MINUTE": 1000},
        instance_path=str(tmp_path_factory.mktemp("instance")),
    )
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    assert Path(CHROMIUM).exists(), "Debian's chromium is required (tests/run installs it)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh phone-sized page that records every request it makes."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=live_server.url,
                                  device_scale_factor=1)
    page = context.new_page()
    page.requested_urls = []
    page.on("request", lambda request: page.requested_urls.append(request.url))
    yield page
    context.close()
