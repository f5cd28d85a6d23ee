"""The waiting-room tablet in Debian's Chromium: a session leaves nothing in the browser (caches, databases,
service workers, storage, cookies, and nothing of the patient on Back), the tablet asks "Still there?"
and returns to its start page after idle, a crisis screen waits for staff, and every tablet page passes
axe on a phone and a desktop, left to right and right to left."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kinfo import create_app

from ..conftest import TEST_SECRET
from ..selfcheck_helpers import CALM_ANSWERS
from .conftest import SCREENSHOTS, LiveServer
from .measure import axe_violations, wait_until_saved_offline

pytestmark = pytest.mark.browser
IDLE_SECONDS, ASK_SECONDS = 3, 3
LEFT_BEHIND = """async () => ({
  caches: await caches.keys(),
  databases: (await indexedDB.databases()).map((database) => database.name),
  workers: (await navigator.serviceWorker.getRegistrations()).length,
  local: localStorage.length,
  session: sessionStorage.length,
})"""
NOTHING = {"caches": [], "databases": [], "workers": 0, "local": 0, "session": 0}


@pytest.fixture(scope="module")
def quick_tablet(tmp_path_factory):
    """A server whose tablet asks "Still there?" after 3 idle seconds and waits 3 more."""
    app = create_app({"ENV": "test", "SECRET_KEY": TEST_SECRET, "PUBLIC_BASE_URL": "http://127.0.0.1",
                      "TABLET_IDLE_MINUTES": IDLE_SECONDS / 60, "TABLET_STILL_THERE_SECONDS": ASK_SECONDS},
                     instance_path=str(tmp_path_factory.mktemp("tablet-instance")))
    with LiveServer(app) as server:
        yield server


def fill(page, answers: dict[str, str], notes: str | None = None, consent: bool = False) -> None:
    """Choose answers as a patient would (follow-up questions included), type a note, tick consent."""
    page.evaluate("(answers) => { for (const [name, value] of Object.entries(answers)) "
                  "document.getElementById(name + '-' + value).checked = true; }", answers)
    if notes:
        page.fill("#notes", notes)
    if consent:
        page.check("#consent")


def leave_leftovers_of_the_public_site(page) -> None:
    """What a phone-like visit to the public site leaves: a service worker, its caches, a database, storage."""
    page.goto("/en/")
    wait_until_saved_offline(page)
    page.evaluate("""() => new Promise((done) => {
      localStorage.setItem('left', 'behind'); sessionStorage.setItem('left', 'behind');
      const request = indexedDB.open('kinfo'); request.onsuccess = () => { request.result.close(); done(); };
      request.onupgradeneeded = () => request.result.createObjectStore('selfchecks');
    })""")
    left = page.evaluate(LEFT_BEHIND)
    assert left["caches"] and left["databases"] == ["kinfo"] and left["workers"] == 1


def test_the_start_page_alone_clears_what_earlier_visits_left(page):
    """Clear-Site-Data on its own (the tablet's script blocked): Chromium removes it all."""
    leave_leftovers_of_the_public_site(page)
    page.route(re.compile(r".*/js/tablet/reset\..*"), lambda route: route.abort())
    page.goto("/tablet/")
    page.wait_for_timeout(500)
    assert page.evaluate(LEFT_BEHIND) == NOTHING
    assert page.context.cookies() == []


def test_a_tablet_session_leaves_nothing_in_the_browser_and_back_shows_nothing_of_the_patient(page, live_server):
    leave_leftovers_of_the_public_site(page)
    served_by_worker = []
    page.on("response", lambda response: served_by_worker.append(response.url) if response.from_service_worker
            and "/tablet/" in (response.request.headers.get("referer", "") + response.url) else None)
    page.goto("/tablet/")
    page.click('a[href="/tablet/en/self-check"]')
    fill(page, {**CALM_ANSWERS, "pregnant": "yes"}, notes="Shellfish allergy, patient one", consent=True)
    page.click("form.selfcheck button[type=submit]")
    expect(page.locator(".reference")).to_be_visible()
    assert page.evaluate("() => indexedDB.databases()") == [], "nothing queued on the tablet: sent straight away"
    page.click("text=Finish and clear the screen")
    page.wait_for_url(re.compile(r"/tablet/$"))
    page.wait_for_timeout(300)
    assert page.evaluate(LEFT_BEHIND) == NOTHING
    assert page.context.cookies() == [], "the patient's session ended with them"
    assert served_by_worker == [], "the service worker never answered for the tablet"
    for _ in range(3):  # Back, as far as the tablet's own pages go
        page.go_back()
        page.wait_for_load_state()
        page.wait_for_timeout(300)
        assert "Shellfish allergy" not in page.content() and "Pregnancy" not in page.inner_text("body")
        if "/tablet/" not in page.url:
            break
        assert page.url.endswith("/tablet/") or not page.locator("input:checked").count(), page.url


def test_a_half_filled_form_asks_still_there_then_returns_to_the_start(browser, quick_tablet):
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=quick_tablet.url)
    page = context.new_page()
    page.goto("/tablet/en/self-check")
    fill(page, {"adult": "yes"}, notes="typed by the last patient")
    dialog = page.locator("#still-there")
    expect(dialog).to_be_visible(timeout=(IDLE_SECONDS + 2) * 1000)
    expect(dialog.get_by_role("heading", name="Still there?")).to_be_visible()
    page.click("text=Yes, I am still here")
    expect(dialog).to_be_hidden()
    assert page.is_checked("#adult-yes") and page.input_value("#notes") == "typed by the last patient"
    expect(dialog).to_be_visible(timeout=(IDLE_SECONDS + 2) * 1000)
    page.screenshot(path=str(SCREENSHOTS / "tablet-still-there-en-360.png"))
    page.wait_for_url(re.compile(r"/tablet/$"), timeout=(ASK_SECONDS + 3) * 1000)
    page.go_back()
    page.wait_for_timeout(500)
    assert "typed by the last patient" not in page.content() and not page.locator("input:checked").count()
    context.close()


def test_an_empty_form_returns_to_the_start_without_asking(browser, quick_tablet):
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=quick_tablet.url)
    page = context.new_page()
    page.goto("/tablet/ar/self-check")
    page.wait_for_url(re.compile(r"/tablet/$"), timeout=(IDLE_SECONDS + 2) * 1000)
    context.close()


def outcome_on_a_tablet(browser, server, viewport: dict, answers: dict[str, str], consent: bool = False):
    """A new tablet browser at the outcome of a self-check sent in English; returns its context and page."""
    context = browser.new_context(viewport=viewport, base_url=server.url)
    page = context.new_page()
    page.goto("/tablet/en/self-check")
    fill(page, answers, consent=consent)
    page.click("form.selfcheck button[type=submit]")
    return context, page


def test_an_outcome_asks_still_there_then_returns_to_the_start(browser, quick_tablet):
    context, page = outcome_on_a_tablet(browser, quick_tablet, {"width": 1280, "height": 800},
                                        {**CALM_ANSWERS, "pregnant": "yes"})
    expect(page.locator("#still-there")).to_be_visible(timeout=(IDLE_SECONDS + 2) * 1000)
    page.wait_for_url(re.compile(r"/tablet/$"), timeout=(ASK_SECONDS + 3) * 1000)
    context.close()


def test_a_crisis_screen_stays_until_staff_are_done(browser, quick_tablet):
    context, page = outcome_on_a_tablet(browser, quick_tablet, {"width": 360, "height": 740},
                                        {**CALM_ANSWERS, "self_harm": "plan"}, consent=True)
    heading = page.get_by_role("heading", name="Please show this screen to the front desk now")
    expect(heading).to_be_visible()
    page.wait_for_timeout((IDLE_SECONDS + ASK_SECONDS + 2) * 1000)
    expect(heading).to_be_visible()
    assert "/tablet/en/self-check" in page.url
    done = page.locator("text=Clear the screen for the next patient")
    expect(done).to_be_hidden()
    page.click("summary:has-text('Done (for staff)')")
    done.click()
    page.wait_for_url(re.compile(r"/tablet/$"))
    page.go_back()
    page.wait_for_timeout(500)
    assert "front desk now" not in page.content()
    context.close()


SIZES = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("tag", ["en", "ar", "zh-hans"])
def test_every_tablet_page_passes_axe(browser, live_server, quick_tablet, tag, size):
    context = browser.new_context(viewport=SIZES[size], base_url=live_server.url, device_scale_factor=1,
                                  locale=tag)
    page = context.new_page()
    problems = {}

    def look(name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"tablet-{name}-{tag}-{size}.png"),
                        full_page=name not in ("form", "still-there"))
        problems[name] = axe_violations(page)

    page.goto("/tablet/")
    look("start")
    page.click(f'a[href="/tablet/{tag}/self-check"]')
    look("form")
    fill(page, {**CALM_ANSWERS, "pregnant": "yes", "medicines": "yes"})
    page.click("form.selfcheck button[type=submit]")
    look("result")
    page.goto(f"/tablet/{tag}/self-check")
    fill(page, {**CALM_ANSWERS, "self_harm": "plan"}, consent=True)
    page.click("form.selfcheck button[type=submit]")
    look("crisis")
    # the desk reads the code off the screen: one line, never "CFDH-" then "3JKE"
    assert page.evaluate("() => document.querySelector('.reference').getClientRects().length") == 1
    page.click(".staff-done summary")
    # Judged from the top, like every page: opening it scrolls, and axe counts whatever the sticky "Leave this
    # page" bar happens to cover at that moment as too small a target.
    page.evaluate("() => window.scrollTo(0, 0)")
    problems["crisis-done-open"] = axe_violations(page)
    context.close()

    context = browser.new_context(viewport=SIZES[size], base_url=quick_tablet.url, device_scale_factor=1)
    page = context.new_page()
    page.goto(f"/tablet/{tag}/self-check")
    fill(page, {"adult": "yes"})
    expect(page.locator("#still-there")).to_be_visible(timeout=(IDLE_SECONDS + 2) * 1000)
    look("still-there")
    context.close()
    assert all(not found for found in problems.values()), problems
