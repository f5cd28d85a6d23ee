"""Every character of every page in every language has a glyph in the fonts the site is tested with (the
self-check's questions, outcomes and crisis help included, not only the article)."""

from __future__ import annotations

import re

from kinfo.core.i18n import BY_URL_TAG

from ..browser.fonts import missing_characters
from ..pages import public_page_urls, visible_text
from ..selfcheck_helpers import answers, submit

EVERYTHING = answers(adult="no", pregnant="yes", breastfeeding="yes", bp_high="yes", bp_treated="unsure", heart="yes",
                     thyroid_overactive="yes", thyroid_treated="no", condition="other", antidepressants_tried="0",
                     psychosis="yes", mania="yes", substance="yes", head_eye_pressure="yes", seizures="yes",
                     liver="yes", bladder="yes", ketamine_reaction="yes", medicines="yes", ride_home="no",
                     self_harm="plan", bp_systolic="150")


def test_no_character_on_any_page_lacks_a_glyph(app, client, language):
    tag = language.url_tag
    pages = {url: client.get(url).get_data(as_text=True) for endpoint, url in public_page_urls(app)
             if url.startswith(f"/{tag}/")}
    pages[f"/{tag}/self-check"] = client.get(f"/{tag}/self-check").get_data(as_text=True)
    pages["result"] = submit(client, EVERYTHING, lang=tag).get_data(as_text=True)
    pages["errors"] = submit(client, {"self_harm": "sometimes", "bp_systolic": "x"}, lang=tag).get_data(as_text=True)
    pages["not found"] = client.get(f"/{tag}/missing").get_data(as_text=True)
    rules = client.get(f"/{tag}/self-check/rules.json").json  # what the phone shows offline
    shown = [*(flag[key] for flag in rules["flags"] for key in ("text", "reason", "topic") if key in flag),
             *(question["label"] for question in rules["questions"]), *rules["answer_labels"].values(),
             *(section["text"] for section in rules["sections"].values()), *rules["messages"].values()]
    missing = {name: missing_characters(visible_text(html)) for name, html in pages.items()}
    missing["rules.json"] = missing_characters(" ".join(shown))
    assert {name: chars for name, chars in missing.items() if chars} == {}
    assert_in_its_own_script(language, visible_text(pages[f"/{tag}/"]))


# A letter each language's pages cannot do without, so the glyph check does not pass on English left in place.
OWN_SCRIPT = {
    "ko": "[\uac00-\ud7a3]",  # Hangul syllables
    "ja": "[\u3040-\u30ff]",  # kana
    "zh-Hans": "[\u4e00-\u9fff]", "zh-Hant": "[\u4e00-\u9fff]",
    "ar": "[\u0621-\u064a]", "fa": "[\u067e\u0686\u0698\u06af\u06cc\u06a9]",  # پ چ ژ گ ی ک: Persian letters
    "ru": "[\u0410-\u044f]",  # Cyrillic
    "ht": "[òèÒÈ]", "fr": "[éèàç]", "pl": "[ąęłńśźż]", "pt-BR": "[ãõç]", "vi": "[ăâđêôơư]", "de": "[äöüß]",
    "es": "[áéíóúñ]", "it": "[àèéìòù]", "tl": "ng", "en": "[a-z]",
}


def assert_in_its_own_script(language, text: str) -> None:
    """The article is written in the language's own script (and, for Chinese and Persian, the right letters)."""
    assert re.search(OWN_SCRIPT[language.tag], text)
    if language.tag == "zh-Hant":
        assert "醫" in text and "医" not in text, "Traditional characters, not Simplified"
    if language.tag == "fa":
        own_words = text.replace(BY_URL_TAG["ar"].endonym, "")  # the language menu names Arabic in Arabic
        assert not re.search("[\u064a\u0643]", own_words), "Persian ی and ک, not the Arabic letters"
