"""Offline and installable, in Debian's Chromium: every language keeps working with no network, the
self-check is kept on the phone and arrives exactly once, and updates are offered, never forced."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from kinfo.core import content
from kinfo.core.models import Submission

from ..conftest import TEST_SECRET
from ..selfcheck_helpers import CALM_ANSWERS
from .conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer

pytestmark = pytest.mark.browser


def saved_offline(page, path: str) -> None:
    """Open a page and wait until the service worker controls it and its language is saved (the offline
    panel, fetched after load, says so)."""
    page.goto(path)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20000)
    page.wait_for_function("() => document.querySelector('#offline-panel [data-state=\"saved\"]')?.hidden === false",
                           timeout=20000)


def offline_self_check(page, tag: str) -> None:
    """Save a language on the phone, lose the network, and open its self-check (from the phone's copy)."""
    saved_offline(page, f"/{tag}/")
    page.context.set_offline(True)
    page.goto(f"/{tag}/self-check")


def rows(app) -> int:
    with app.extensions["kinfo_sessionmaker"]() as session:
        return session.scalar(select(func.count()).select_from(Submission))


def all_sent(page, timeout: float = 15) -> bool:
    """Wait until every self-check kept on the phone is confirmed sent (page.evaluate awaits promises)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses = page.evaluate(
            "() => window.kinfoQueue ? window.kinfoQueue.all().then(e => e.map(x => x.status)) : null")
        if statuses and all(status == "sent" for status in statuses):
            return True
        time.sleep(0.2)
    return False


def fill(page, answers: dict[str, str]) -> None:
    for question, answer in answers.items():
        page.check(f"#{question}-{answer}")


@pytest.mark.sampled_languages
def test_each_language_works_offline_with_zero_requests(page, live_server, language):
    tag = language.url_tag
    saved_offline(page, f"/{tag}/")
    page.context.set_offline(True)
    live_server.hits.clear()
    served_by_worker = []
    page.on("response", lambda response: served_by_worker.append(response.from_service_worker))
    for path, marker in [(f"/{tag}/", "article"), (f"/{tag}/self-check", "form[data-offline-form]"),
                         (f"/{tag}/offline", "#offline-page-message"),
                         # Handouts are printed by the clinic, online: offline, the page says it is not saved.
                         (f"/{tag}/handout", "#offline-page-message:visible")]:
        page.goto(path)
        assert page.locator(marker).count() >= 1, path
        assert page.evaluate("() => document.documentElement.lang") == language.tag
    page.reload()
    assert sum(live_server.hits.values()) == 0, f"the server saw {dict(live_server.hits)}"
    assert served_by_worker and all(served_by_worker)
    assert all(url.startswith(live_server.url) for url in page.requested_urls)


@pytest.mark.parametrize("tag", ["en", "ar"])
def test_offline_print_or_save_prints_the_article_the_phone_keeps(page, live_server, tag):
    saved_offline(page, f"/{tag}/")
    page.context.set_offline(True)
    page.reload()
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.click(".first-actions a[data-print-offline]")
    assert page.evaluate("() => window.printed") == 1, "the print dialog for the article, not a dead link"
    assert page.url.rstrip("/").endswith(f"/{tag}") and page.locator("article").count() == 1
    page.context.set_offline(False)  # online, the same link opens the handout
    page.click(".first-actions a[data-print-offline]")
    page.wait_for_url(f"**/{tag}/handout")
    assert page.evaluate("() => window.printed") is None


def choose_language(page, tag: str) -> None:
    """Open the header's language control and choose a language."""
    page.click(".language-menu summary")
    page.click(f'.language-menu a[href^="/language/{tag}?"]')


def test_offline_a_saved_language_opens_and_an_unsaved_one_says_so_in_its_own_words(page, live_server):
    saved_offline(page, "/en/")
    page.click('#offline-panel li[data-tag="es"] [data-action="save"]')
    page.wait_for_selector('#offline-panel li[data-tag="es"] [data-state="on-phone"]:not([hidden])', timeout=20000)
    assert page.locator('#offline-panel li[data-tag="vi"] [data-action="save"]').is_visible()
    page.context.set_offline(True)
    choose_language(page, "es")
    page.wait_for_url("**/es/")
    assert page.evaluate("() => document.documentElement.lang") == "es"
    choose_language(page, "vi")
    note = page.locator('[data-missing="vi"]')
    note.wait_for()
    # The page a phone has kept is Spanish or English; the words about Vietnamese are in Vietnamese, first.
    assert note.get_attribute("lang") == "vi"
    assert "Tiếng Việt" in note.inner_text() and "chưa được lưu trên điện thoại này" in note.inner_text()
    assert "Bạn đang không có kết nối mạng" in note.inner_text() and page.title() == "Bạn đang không có kết nối mạng"
    assert page.locator("[data-missing]:visible").count() == 1
    shown_in = page.evaluate("() => document.documentElement.lang")
    not_saved = {"en": "is not saved on this phone", "es": "no está guardado en este teléfono"}[shown_in]
    missing = page.locator("#offline-language-missing")
    assert "Tiếng Việt" in missing.inner_text() and not_saved in missing.inner_text(), "and in the page's language"


def test_an_offline_self_check_is_kept_then_stored_exactly_once(page, live_server):
    app = live_server.app
    before = rows(app)
    offline_self_check(page, "en")
    fill(page, {**CALM_ANSWERS, "pregnant": "yes"})
    page.check("#consent")
    page.click("button[type=submit]")
    page.wait_for_selector(".queued")
    assert "Saved on this phone" in page.inner_text(".queued")
    assert "Pregnancy" in page.locator("#offline-result .topics li strong").all_inner_texts()
    assert rows(app) == before
    page.context.set_offline(False)  # the connection returns: the page sends what it kept
    page.wait_for_selector(".sent .reference", timeout=20000)
    reference = page.inner_text(".sent .reference")
    assert rows(app) == before + 1
    key = page.evaluate("() => location.hash.slice(1)")
    entry = page.evaluate("key => window.kinfoQueue.get(key)", key)
    assert entry["status"] == "sent" and entry["answers"] is None, "confirmed answers leave the phone"
    replay = """async ([key, answers]) => {
        const send = () => fetch('/en/self-check/submissions', {method: 'POST',
            headers: {'Content-Type': 'application/json'},
            body: JSON.stringify({idempotency_key: key, answers, consent: true, name: '', phone: ''}),
        }).then(r => r.json());
        return [await send(), await send()];
    }"""
    answers = {**CALM_ANSWERS, "pregnant": "yes"}
    first, second = page.evaluate(replay, [key, answers])
    assert first["reference"] == second["reference"] == reference
    assert rows(app) == before + 1, "replayed twice, still one row"


def test_offline_the_result_page_offers_to_send_and_keeps_nothing_until_the_box_is_ticked(page, live_server):
    app = live_server.app
    before = rows(app)
    offline_self_check(page, "ar")
    fill(page, {**CALM_ANSWERS, "pregnant": "yes"})
    page.click("button[type=submit]")
    page.wait_for_selector(".send-answers")
    assert page.evaluate("() => window.kinfoQueue.all().then(e => e.length)") == 0, "not sent: nothing kept"
    page.click(".send-answers button[type=submit]")
    assert page.locator("#consent-error").is_visible(), "sending needs the box"
    page.check(".send-answers #consent")
    page.fill(".send-answers #phone", "call me")
    page.click(".send-answers button[type=submit]")
    assert page.locator(".send-answers .contact .field-error").count() == 1, "checked as on the server"
    page.fill(".send-answers #phone", "٠١٢٣ ٤٥٦")
    page.click(".send-answers button[type=submit]")
    page.wait_for_selector(".queued")
    page.context.set_offline(False)
    page.wait_for_selector(".sent .reference", timeout=20000)
    assert rows(app) == before + 1


def test_send_now_and_page_load_send_what_the_phone_kept(page, live_server):
    app = live_server.app
    before = rows(app)
    saved_offline(page, "/en/")
    entry = """key => window.kinfoQueue.put({key, tag: 'en', answers: %s, consent: true, status: 'queued',
                                            name: '', phone: '', created: Date.now()})""" % json.dumps(CALM_ANSWERS)
    page.evaluate(entry, "0b7d3f52-9c1e-4c8a-a3f1-6d2e8b9c0a11")
    page.click('#offline-panel [data-action="send-now"]')
    assert all_sent(page)
    assert rows(app) == before + 1
    page.evaluate(entry, "5e2c9a10-3b4d-4f6e-8a7b-1c2d3e4f5a6b")
    page.reload()  # sent again on page load
    assert all_sent(page)
    assert rows(app) == before + 2


def outcome_and_answers(page) -> tuple[list[str], list[str], list[str]]:
    """What a result page shows: each item to talk about or to know, its links, and the answers list."""
    items = [text.strip() for text in page.locator(".outcome li").all_inner_texts()]
    links = page.locator(".outcome li a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    answers = [text.strip() for text in page.locator("dl.answers dt, dl.answers dd:not(.no-print)").all_inner_texts()]
    return items, links, answers


def test_the_phone_works_out_the_same_outcome_as_the_server_in_the_page_language(page, live_server):
    """Offline, the result comes from rules.json on the phone: it must say what the server says."""
    answers = {**CALM_ANSWERS, "pregnant": "unsure", "bp_high": "yes", "medicines": "yes", "ride_home": "no"}

    def answer(page):
        fill(page, answers)
        page.check("#bp_treated-no")
        page.fill("#bp_systolic", "150")
        page.fill("#bp_diastolic", "95")
        page.fill("#notes", "Ich habe Angst vor Nadeln")
        page.click("button[type=submit]")
        page.wait_for_selector(".outcome li")

    page.goto("/es/self-check")
    answer(page)
    online = outcome_and_answers(page)
    offline_self_check(page, "es")
    answer(page)
    offline = outcome_and_answers(page)
    assert offline == online
    items, links, listed = offline
    assert len(items) == 4 and any("Más información" in item for item in items)
    assert links and all(link.startswith("/es/#") for link in links)
    assert "Ich habe Angst vor Nadeln" in listed and "No lo sé con seguridad" in listed  # typed; "unsure"


def error_summary(page) -> list[str]:
    return [text.strip() for text in page.locator(".error-summary li").all_inner_texts()]


def test_offline_the_phone_refuses_what_the_server_refuses_with_the_same_words(page, live_server):
    """Typed numbers the server refuses ("12abc", a bottom number above the top) are refused on the phone too,
    and not silently read as 12: the same interpreter of the table, the same translated messages."""

    def answer(page):
        fill(page, {key: value for key, value in CALM_ANSWERS.items() if key != "ride_home"})
        page.fill("#bp_systolic", "12abc")
        page.fill("#notes", "x" * 10)
        page.click("button[type=submit]")

    page.goto("/ar/self-check")
    answer(page)
    page.wait_for_selector(".error-summary li")
    online = error_summary(page)
    offline_self_check(page, "ar")
    answer(page)
    page.wait_for_selector("#offline-errors:not([hidden]) li")
    assert error_summary(page) == online and len(online) == 2
    page.fill("#bp_systolic", "١٢٠")  # Arabic-Indic digits: 120
    page.fill("#bp_diastolic", "۱۳۰")  # Persian digits: 130, not below the top number
    page.check("#ride_home-yes")
    page.click("button[type=submit]")
    page.wait_for_function("() => document.querySelectorAll('#offline-errors li').length === 1")
    assert error_summary(page)[0].endswith("يجب أن يكون الرقم السفلي أقل من الرقم العلوي.")


def test_a_crisis_answer_offline_shows_help_at_once(page, live_server):
    offline_self_check(page, "ar")
    fill(page, {**CALM_ANSWERS, "self_harm": "plan"})
    page.click("button[type=submit]")
    # the result page's own card (the form shows one too, as soon as the answer is given)
    page.locator("#offline-result > .crisis-card").wait_for()
    assert page.locator("#offline-result > *").first.get_attribute("class") == "crisis-card"
    assert "911" in page.locator(".crisis-card .urgent").inner_text()
    assert page.locator("aside.crisis").is_hidden(), "one crisis element on the page"
    assert page.locator(".not-sent").is_visible()


def test_a_refused_replay_is_shown_not_dropped(page, live_server):
    saved_offline(page, "/en/")
    key = "8a1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    page.evaluate("""key => window.kinfoQueue.put({key, tag: 'en', answers: {adult: 'maybe'}, consent: true,
                     status: 'queued', name: '', phone: '', created: Date.now()})""", key)
    page.goto(f"/en/self-check/result#{key}")
    page.wait_for_selector('[data-status="refused"]')
    assert "The clinic could not accept these answers." in page.inner_text('[data-status="refused"]')
    assert page.evaluate("key => window.kinfoQueue.get(key).then(e => e.status)", key) == "refused"


def test_clear_this_phone_removes_everything_kept_locally(page, live_server):
    saved_offline(page, "/en/")
    page.evaluate("""() => window.kinfoQueue.put({key: 'k1', tag: 'en', answers: {adult: 'yes'}, consent: true,
                     status: 'queued'})""")
    page.click('[data-action="clear"]')
    page.wait_for_selector('[data-state="cleared"]:not([hidden])')
    assert page.evaluate("() => caches.keys()") == []
    assert page.evaluate("() => navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0


def test_an_update_is_offered_and_never_mixes_versions(browser, tmp_path, monkeypatch):
    from kinfo import create_app

    app = create_app({"ENV": "test", "SECRET_KEY": TEST_SECRET}, instance_path=str(tmp_path / "instance"))
    with LiveServer(app) as server:
        context = browser.new_context(base_url=server.url)
        page = context.new_page()
        saved_offline(page, "/en/")
        old_caches = page.evaluate("() => caches.keys()")
        old_version = content.CONTENT_VERSION
        monkeypatch.setattr(content, "CONTENT_VERSION", old_version + ".1")
        # What a deploy would do: forget every rendered page, page part and bundle of the old version.
        app.extensions["kinfo_page_cache"].pages.clear()
        app.extensions["kinfo_fragments"].clear()
        app.extensions.pop("kinfo_bundles")
        page.reload()
        page.wait_for_selector("#update-prompt:not([hidden])", timeout=30000)
        footer = page.inner_text("footer")
        assert f"Content version {old_version}." in footer, "nothing changes until the patient chooses"
        page.click('#update-prompt [data-action="reload"]')
        updated = f"Content version {old_version}.1."
        page.wait_for_function(f"() => document.querySelector('footer').innerText.includes('{updated}')", timeout=20000)
        new_caches = page.evaluate("() => caches.keys()")
        assert not set(old_caches) & set(new_caches), "old caches are gone"
        cached = page.evaluate("""async () => { const [name] = await caches.keys();
            const cache = await caches.open(name); return (await cache.keys()).map(r => new URL(r.url).pathname); }""")
        assets = page.evaluate("() => [...document.querySelectorAll('link[href^=\"/static/\"], script[src]')]"
                               ".map(e => e.getAttribute('href') || e.getAttribute('src'))")
        assert assets and all(asset in cached for asset in assets), "every file of the page is of one version"
        context.close()


@pytest.mark.sampled_languages
def test_every_language_is_installable(browser, tmp_path, live_server, language):
    # A persistent profile: Chromium reports an incognito context as not installable.
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    page = context.new_page()
    saved_offline(page, f"{live_server.url}/{language.url_tag}/")
    cdp = context.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    manifest = json.loads(cdp.send("Page.getAppManifest")["data"])
    assert manifest["lang"] == language.tag and manifest["dir"] == language.direction
    assert manifest["scope"].endswith(f"/{language.url_tag}/") and manifest["display"] == "standalone"
    context.close()
