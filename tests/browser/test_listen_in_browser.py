"""Listen: the phone reads the article aloud with its own voices, in the page's language. Headless Chromium
has no voices, so each test puts a stand-in for speechSynthesis in the page that records what it is asked to
say, with the voices a phone might have."""

from __future__ import annotations

import json

import pytest

from .measure import LAYOUT_SHIFT_OBSERVER, axe_violations, layout_shifts

pytestmark = pytest.mark.browser

# speechSynthesis as a phone offers it: getVoices(), "voiceschanged", speak/cancel/pause/resume. Each
# utterance ends by itself after a moment when AUTO is true; otherwise a test ends it with __finishSpeaking.
# Cancelled utterances are counted in sessionStorage, which outlives the page.
STAND_IN = """(() => {
  let voices = __VOICES__;
  const auto = __AUTO__, listeners = {}, log = [];
  let current = null;
  const end = (utterance, how) => { if (current !== utterance) return; current = null; synth.speaking = false;
    const handler = how === 'end' ? utterance.onend : utterance.onerror; if (handler) handler({ error: how }); };
  const synth = {
    speaking: false, pending: false, paused: false,
    getVoices: () => voices,
    speak(utterance) {
      const voice = utterance.voice && utterance.voice.name;
      log.push({ kind: 'speak', text: utterance.text, lang: utterance.lang, voice });
      current = utterance; synth.speaking = true;
      if (auto) setTimeout(() => end(utterance, 'end'), 5);
    },
    cancel() {
      log.push({ kind: 'cancel' });
      sessionStorage.setItem('cancelled', String(Number(sessionStorage.getItem('cancelled') || 0) + 1));
      if (current) end(current, 'interrupted');
    },
    pause() { log.push({ kind: 'pause' }); synth.paused = true; },
    resume() { log.push({ kind: 'resume' }); synth.paused = false; },
    addEventListener(type, listener) { (listeners[type] = listeners[type] || []).push(listener); },
  };
  window.__speech = log;
  window.__finishSpeaking = () => { if (current) end(current, 'end'); };
  window.__voicesArrive = (list) => {
    voices = list; (listeners.voiceschanged || []).forEach((listener) => listener()); };
  Object.defineProperty(window, 'speechSynthesis', { value: synth, configurable: true });
  window.SpeechSynthesisUtterance = function (text) { this.text = text; this.lang = ''; this.voice = null; };
})();"""

PHONE_VOICE = {"en": "en-US", "es": "es-ES", "zh-Hans": "zh-CN", "vi": "vi-VN", "ar": "ar-SA", "ko": "ko-KR",
               "tl": "fil-PH", "ru": "ru-RU", "ht": "ht-HT", "fr": "fr-FR", "pl": "pl-PL", "pt-BR": "pt-BR",
               "it": "it-IT", "ja": "ja-JP", "de": "de-DE", "fa": "fa-IR", "zh-Hant": "zh-TW"}


def voice(lang: str, local: bool = True, name: str | None = None) -> dict:
    return {"name": name or f"Voice {lang}", "lang": lang, "localService": local, "default": False}


def open_article(browser, live_server, tag: str, voices: list[dict], auto: bool = True):
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=live_server.url)
    script = STAND_IN.replace("__VOICES__", json.dumps(voices)).replace("__AUTO__", json.dumps(auto))
    context.add_init_script(script)
    context.add_init_script(LAYOUT_SHIFT_OBSERVER)
    page = context.new_page()
    page.goto(f"/{tag}/")
    return context, page


def plain(text: str) -> str:
    """Text with every run of white space (no-break and ideographic spaces too) as one space, as it is read."""
    return " ".join(text.split())


def spoken(page) -> list[dict]:
    return page.evaluate("() => window.__speech.filter(e => e.kind === 'speak')")


@pytest.mark.parametrize("voices", [
    [],
    [voice("en-US"), voice("fr-FR")],                    # voices, but none for Vietnamese
    [voice("vi-VN", local=False, name="Online voice")],  # a voice that sends the text to a service
], ids=["no voices", "other languages only", "online voice only"])
def test_listen_is_not_offered_without_a_voice_on_the_phone_for_the_page_language(browser, live_server, voices):
    context, page = open_article(browser, live_server, "vi", voices)
    page.wait_for_load_state("load")
    assert page.locator(".listen-button").count() == 0
    assert page.locator("#listen-player").is_hidden()
    context.close()


def test_a_traditional_chinese_or_cantonese_voice_does_not_read_simplified_chinese(browser, live_server):
    context, page = open_article(browser, live_server, "zh-hans", [voice("zh-TW"), voice("zh-HK"), voice("yue-HK")])
    page.wait_for_load_state("load")
    assert page.locator(".listen-button").count() == 0
    context.close()


@pytest.mark.parametrize(("tag", "voices", "offered"), [
    ("zh-hant", [voice("zh-CN"), voice("cmn-Hans-CN")], False),  # Simplified Mandarin voices only
    ("zh-hant", [voice("zh-TW")], True),
    ("zh-hant", [voice("yue-HK")], True),  # Cantonese
    ("tl", [voice("fil-PH")], True),  # phones name Tagalog voices Filipino
], ids=["zh-Hant, Simplified voices only", "zh-Hant, Taiwan", "zh-Hant, Cantonese", "tl, Filipino voice"])
def test_a_voice_reads_the_page_only_if_it_speaks_the_pages_language_and_script(browser, live_server, tag, voices,
                                                                                  offered):
    context, page = open_article(browser, live_server, tag, voices)
    page.wait_for_load_state("load")
    if offered:
        page.locator(".listen-button").first.wait_for()
    assert (page.locator(".listen-button").count() > 0) is offered
    context.close()


def test_listen_appears_when_the_phone_lists_its_voices_late_and_nothing_moves(browser, live_server):
    context, page = open_article(browser, live_server, "es", [])
    page.wait_for_load_state("load")
    title = page.locator("#key-points h2").bounding_box()
    page.evaluate("list => window.__voicesArrive(list)", [voice("es-MX", name="Paulina")])
    buttons = page.locator(".listen-button")
    assert buttons.count() == page.locator(".section-head[data-listen]").count() > 8
    assert page.locator("#key-points h2").bounding_box() == title
    assert layout_shifts(page) == [], "the buttons appear in room kept for them"
    assert axe_violations(page) == []
    context.close()


@pytest.mark.sampled_languages
def test_the_whole_page_is_read_section_by_section_in_order_in_its_language(browser, live_server, language):
    other = voice("de-DE" if language.tag == "fr" else "fr-FR", name="Other")  # a voice of another language
    context, page = open_article(browser, live_server, language.url_tag, [other, voice(PHONE_VOICE[language.tag])])
    page.click('.listen-button[data-listen-what="page"]')
    page.wait_for_function("() => document.getElementById('listen-player').hidden", timeout=20000)
    said = spoken(page)
    assert {entry["lang"] for entry in said} == {language.tag}
    assert {entry["voice"] for entry in said} == {f"Voice {PHONE_VOICE[language.tag]}"}
    texts = [plain(entry["text"]) for entry in said]
    assert texts[0] == plain(page.inner_text("h1"))
    headings = [plain(text) for text in page.locator(".section-head[data-listen] h2").all_inner_texts()]
    positions = [texts.index(heading) for heading in headings]
    assert positions == sorted(positions), "sections in the order of the page"
    first_paragraph = plain(page.locator("#what-it-is p").first.inner_text())
    assert first_paragraph in texts
    assert not any("[" in text for text in texts), "note numbers are not read"
    assert page.locator(".reading-aloud").count() == 0
    context.close()


def test_one_section_is_read_marked_paused_and_stopped(browser, live_server):
    context, page = open_article(browser, live_server, "ar", [voice("ar-EG")], auto=False)
    page.click("#safety .listen-button")
    player = page.locator("#listen-player")
    assert player.is_visible()
    heading = page.inner_text("#safety h2")
    assert spoken(page)[0]["text"] == heading and spoken(page)[0]["lang"] == "ar"
    assert heading in player.inner_text()
    assert page.locator(".reading-aloud").evaluate("element => element.id") == "safety"
    page.evaluate("() => window.__finishSpeaking()")
    assert spoken(page)[1]["text"] == page.locator("#safety p").first.inner_text()
    page.click('#listen-player [data-action="pause"]')
    assert page.locator('#listen-player [data-action="resume"]').is_visible()
    page.click('#listen-player [data-action="resume"]')
    assert [entry["kind"] for entry in page.evaluate("() => window.__speech")][-2:] == ["pause", "resume"]
    assert axe_violations(page) == []
    page.click('#listen-player [data-action="stop"]')
    assert player.is_hidden() and page.locator(".reading-aloud").count() == 0
    before = len(spoken(page))
    page.evaluate("() => window.__finishSpeaking()")
    page.wait_for_timeout(200)
    assert len(spoken(page)) == before, "nothing more is read after Stop"
    assert page.evaluate("() => window.__speech.some(e => e.kind === 'cancel')")
    context.close()


def test_reading_stops_when_the_patient_leaves_the_page(browser, live_server):
    context, page = open_article(browser, live_server, "en", [voice("en-US")], auto=False)
    page.click('.listen-button[data-listen-what="page"]')
    assert len(spoken(page)) == 1
    page.click('.first-actions .button >> nth=0')  # on to the self-check
    page.wait_for_url("**/en/self-check")
    assert page.evaluate("() => Number(sessionStorage.getItem('cancelled'))") >= 1
    context.close()
