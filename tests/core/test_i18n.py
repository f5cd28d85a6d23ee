"""Languages: one registry, URLs per language, and a sensible choice for readers who arrive at /."""

from __future__ import annotations

import pytest
from flask_babel import force_locale, get_locale, gettext

from kinfo.core.i18n import BY_URL_TAG, LANGUAGES, match_tag


def test_the_registry_ships_seventeen_languages_with_their_directions_and_honest_metadata():
    assert [(lang.tag, lang.direction) for lang in LANGUAGES] == [
        ("en", "ltr"), ("es", "ltr"), ("zh-Hans", "ltr"), ("vi", "ltr"), ("ar", "rtl"), ("ko", "ltr"),
        ("tl", "ltr"), ("ru", "ltr"), ("ht", "ltr"), ("fr", "ltr"), ("pl", "ltr"), ("pt-BR", "ltr"),
        ("it", "ltr"), ("ja", "ltr"), ("de", "ltr"), ("fa", "rtl"), ("zh-Hant", "ltr")]
    assert all(lang.url_tag == lang.tag.lower() for lang in LANGUAGES)
    assert len({lang.endonym for lang in LANGUAGES}) == len(LANGUAGES)
    assert [lang.tag for lang in LANGUAGES if lang.translation_method == "source"] == ["en"]
    assert not any(lang.medical_review for lang in LANGUAGES), "no language has had a medical review yet"
    assert all(lang.english_name for lang in LANGUAGES), "a caller to 988 needs the English name to say"


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("es-MX,es;q=0.9", "es"),
        ("es-MX", "es"),
        ("zh-CN,zh;q=0.9", "zh-hans"),
        ("zh-SG", "zh-hans"),
        ("zh", "zh-hans"),
        ("zh-Hans-CN", "zh-hans"),
        ("ar-EG,ar;q=0.8", "ar"),
        ("vi-VN", "vi"),
        ("en-GB", "en"),
        ("hy-AM,hy;q=0.9", "en"),  # not shipped (Armenian): English
        ("hy-AM,hy;q=0.9,es;q=0.5", "es"),  # the first shipped language in the reader's list
        ("hy;q=0.9,vi;q=0.8", "vi"),
        ("zh-TW", "zh-hant"),  # Traditional Chinese is not Simplified Chinese
        ("zh-HK", "zh-hant"),
        ("zh-MO", "zh-hant"),
        ("zh-Hant", "zh-hant"),
        ("fil", "tl"),  # Filipino is the standard form of Tagalog
        ("fil-PH", "tl"),
        ("tl", "tl"),
        ("pt-PT", "pt-br"),
        ("pt", "pt-br"),
        ("fr-CA", "fr"),
        ("fa-IR", "fa"),
        ("ko-KR", "ko"),
        ("ja-JP", "ja"),
        ("de-AT", "de"),
        ("ru-UA", "ru"),
        ("pl-PL", "pl"),
        ("it-CH", "it"),
        ("ht-HT", "ht"),
        ("", "en"),
        ("*", "en"),
        ("garbage,,;q=x", "en"),
    ],
)
def test_root_redirects_by_accept_language_with_base_language_fallback(client, accept_language, expected):
    response = client.get("/", headers={"Accept-Language": accept_language})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/{expected}/"
    assert {"Accept-Language", "Cookie"} <= set(response.vary)
    assert "public" not in response.headers.get("Cache-Control", "")


def test_a_remembered_choice_wins_over_accept_language(client):
    client.set_cookie("kinfo_lang", "ar")
    response = client.get("/", headers={"Accept-Language": "es"})
    assert response.headers["Location"] == "/ar/"


def test_an_unknown_remembered_value_is_ignored(client):
    client.set_cookie("kinfo_lang", "xx")
    assert client.get("/", headers={"Accept-Language": "vi"}).headers["Location"] == "/vi/"


def test_the_language_menu_remembers_the_choice(client):
    response = client.get("/language/zh-hans?page=article.page")
    assert response.status_code == 303
    assert response.headers["Location"] == "/zh-hans/"
    cookie = response.headers["Set-Cookie"]
    assert "kinfo_lang=zh-hans" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/", headers={"Accept-Language": "es"}).headers["Location"] == "/zh-hans/"


@pytest.mark.parametrize("page", ["//evil.example", "https://evil.example/", "staff.submissions", "", "article"])
def test_the_language_menu_only_sends_readers_to_known_pages(client, page):
    response = client.get("/language/es", query_string={"page": page})
    assert response.headers["Location"] == "/es/"


def test_a_known_tag_in_the_wrong_case_redirects_to_the_lower_case_url(client):
    response = client.get("/zh-Hans/")
    assert response.status_code == 301
    assert response.headers["Location"] == "/zh-hans/"


def test_tags_match_with_likely_subtags():
    assert match_tag("es-419") is BY_URL_TAG["es"]
    assert match_tag("zh-Hant-TW") is BY_URL_TAG["zh-hant"]
    assert match_tag("zh-Hans-SG") is BY_URL_TAG["zh-hans"]
    assert match_tag("ar-SA") is BY_URL_TAG["ar"]


def test_a_forced_language_gets_its_own_catalog_and_the_page_language_comes_back(app):
    """The catalog is looked up once per request; a handout's forced language must still switch it."""
    with app.test_request_context("/es/"):
        app.preprocess_request()
        assert gettext("Sources") == "Fuentes"
        with force_locale("vi"):
            assert gettext("Sources") == "Nguồn tham khảo"
            with force_locale("ar"):
                assert gettext("Sources") == "المصادر"
            assert gettext("Sources") == "Nguồn tham khảo"
        assert gettext("Sources") == "Fuentes"


def test_text_made_outside_a_request_is_in_english_unless_a_language_is_forced(app):
    with app.app_context():
        assert gettext("Sources") == "Sources"
        with force_locale("es"):
            assert gettext("Sources") == "Fuentes"
        assert gettext("Sources") == "Sources"


def test_a_tagalog_page_is_tagalog_although_babel_names_the_catalog_filipino(app, client):
    """Babel reads tl as Filipino (fil_PH): the URL and <html lang> say tl, the fil catalog is found."""
    page = client.get("/tl/").get_data(as_text=True)
    assert '<html lang="tl" dir="ltr"' in page
    with app.test_request_context("/tl/"):
        app.preprocess_request()
        assert str(get_locale()) == "fil"
        assert gettext("Leave this page") != "Leave this page"
        assert gettext("Leave this page") in page
