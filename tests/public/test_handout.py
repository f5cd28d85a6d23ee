"""Handouts: the article to take home in any language or pair, with clinic, crisis help and a QR code, laid
out section by section so a pair lines up; and a handouts page, in the reader's language, to choose one."""

from __future__ import annotations

import re

import pytest
from babel.support import Translations
from markupsafe import escape

from kinfo.core.config import TRANSLATIONS_DIR
from kinfo.core.content import CONTENT_VERSION, SECTIONS, SOURCES
from kinfo.core.i18n import LANGUAGES
from kinfo.public.handouts import css_string

from ..pages import english_left_in, visible_text

PRINTED = [section.id for section in SECTIONS if section.id != "contents"]
BY_TAG = {language.url_tag: language for language in LANGUAGES}


def test_a_handout_in_every_language_has_clinic_crisis_help_review_date_and_a_qr_code(client, language):
    response = client.get(f"/{language.url_tag}/handout")
    assert response.status_code == 200 and "public" in response.headers["Cache-Control"]
    page = response.get_data(as_text=True)
    assert "Example Infusion Clinic" in page and '<a href="tel:+15550100"><bdi dir="ltr">+1 555 0100</bdi></a>' in page
    assert "100 Example Street, Springfield" in page
    assert '<bdi dir="ltr">988</bdi>' in page and CONTENT_VERSION in page
    assert re.search(r'<svg role="img" aria-label="[^"]+"[^>]*class="segno">', page)
    assert f'<bdi class="address">http://127.0.0.1:5000/{language.url_tag}/</bdi>' in page
    assert "<img" not in page, "the QR code is inline, not fetched"
    assert f'<link rel="stylesheet" href="/{language.url_tag}/handout.css">' in page
    if language.tag != "en":
        assert english_left_in(page, language.tag) == []


def test_a_handout_links_every_source_and_leaves_out_the_table_of_contents(client, language):
    page = client.get(f"/{language.url_tag}/handout").get_data(as_text=True)
    for source in SOURCES:  # print CSS writes out each address (tests/browser/test_printed_handouts.py reads it)
        assert f'<a href="{source.url}" rel="external">{escape(source.title)}</a>' in page
    assert 'id="contents"' not in page and f'id="{language.url_tag}-contents"' not in page, "no table of contents"


def _title_in(language) -> str:
    """The handout's title as the language's compiled catalog has it."""
    catalog = Translations.load(TRANSLATIONS_DIR, [language.babel_locale])
    return catalog.gettext("Ketamine infusion therapy: a guide for patients")


def _rows(page: str) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Each handout row's id and its cells' (lang, dir, html), in order."""
    rows = []
    for row in re.split(r'<div class="handout-row" data-row="', page)[1:]:
        row_id = row[:row.index('"')]
        cells = re.findall(r'<div class="handout-cell" lang="([^"]+)" dir="([^"]+)">(.*?)\n</div>', row, re.S)
        rows.append((row_id, cells))
    return rows


def partners(first):
    """The languages a unit test pairs ``first`` with: the next one in the registry and the one eight places
    on, so each language is also second twice, Arabic and Persian sit beside left-to-right languages on both
    sides, and the test stays linear in the number of languages (bench/handouts.py prints every pair)."""
    index = LANGUAGES.index(first)
    return [LANGUAGES[(index + step) % len(LANGUAGES)] for step in (1, 8)]


@pytest.mark.parametrize("first", LANGUAGES, ids=[lang.tag for lang in LANGUAGES])
def test_a_pair_is_one_row_per_section_with_each_language_in_its_own_words_and_direction(client, first):
    for second in partners(first):
        response = client.get(f"/{first.url_tag}/handout?with={second.url_tag}")
        page = response.get_data(as_text=True)
        assert f'<html lang="{first.tag}" dir="{first.direction}"' in page
        rows = _rows(page)
        assert [row_id for row_id, _cells in rows] == ["head", *PRINTED, "end"]
        for row_id, cells in rows:
            assert [(lang, direction) for lang, direction, _html in cells] == [
                (first.tag, first.direction), (second.tag, second.direction)], row_id
            for language, (_lang, _dir, html) in zip((first, second), cells, strict=True):
                if row_id in PRINTED:
                    assert f'<section id="{language.url_tag}-{row_id}"' in html, "the same section, side by side"
                if language.tag != "en":
                    assert english_left_in(html, language.tag) == [], (row_id, language.tag)
        head = dict((lang, html) for lang, _dir, html in rows[0][1])
        for language, other in ((first, second), (second, first)):
            assert _title_in(language) in head[language.tag] and _title_in(other) not in head[language.tag]
        ids = re.findall(r'\sid="([^"]+)"', page)
        assert len(set(ids)) == len(ids), "no duplicate ids"
        assert f'href="/{first.url_tag}/handout.css?with={second.url_tag}"' in page


def test_the_article_is_written_once_and_a_pair_shows_the_same_paragraphs_as_the_article(client):
    """The handout takes each section from the article's own template: the same text, not a copy (only
    the button to the self-check is left off paper)."""
    article = client.get("/es/").get_data(as_text=True)
    handout = client.get("/en/handout?with=es").get_data(as_text=True)
    for section in PRINTED:
        web = re.search(rf'<section id="{section}".*?</section>', article, re.S).group(0)
        web = re.sub(r'<p><a class="button" href="/es/self-check">.*?</a></p>', "", web)
        printed = re.search(rf'<section id="es-{section}".*?</section>', handout, re.S).group(0)
        assert visible_text(web) == visible_text(printed), section


@pytest.mark.parametrize("query", ["?with=en", "?with=xx", "?with="])
def test_a_pair_with_itself_or_an_unknown_language_is_not_found(client, query):
    assert client.get(f"/en/handout{query}").status_code == 404
    assert client.get(f"/en/handout.css{query}").status_code == 404


def test_the_running_header_names_the_clinic_the_titles_and_the_languages(client):
    response = client.get("/ar/handout.css?with=en")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/css; charset=utf-8"
    assert "public" in response.headers["Cache-Control"]
    css = response.get_data(as_text=True)
    # Arabic first: the clinic at the top right (its start side), the languages at the top left.
    assert '@top-right { content: "\u2068Example Infusion Clinic\u2069"' in css
    assert "@top-center" in css and "\u2068Ketamine infusion therapy\u2069" in css and "العلاج" in css
    assert '@top-left { content: "\u2068العربية\u2069 · \u2068English\u2069"' in css
    english = client.get("/en/handout.css").get_data(as_text=True)
    assert '@top-left { content: "\u2068Example Infusion Clinic\u2069"' in english


def test_a_clinic_name_cannot_break_out_of_the_running_header(make_app):
    app = make_app(CLINIC_NAME='Clinic "A"; } body { display: none } \\ </style>\n')
    css = app.test_client().get("/en/handout.css").get_data(as_text=True)
    # The whole name stays inside one CSS string: only hex escapes, no bare quote, backslash or line break.
    assert re.search(r'@top-left \{ content: "(?:[^"\\\n]|\\[0-9a-f]+ )*"; text-align: left; width: 27%; \}', css)
    assert css_string('a"b\\c\nd') == '"a\\22 b\\5c c\\a d"'


def test_the_handouts_address_negotiates_like_the_root_and_is_never_shared(client):
    response = client.get("/handouts", headers={"Accept-Language": "zh-CN,en;q=0.5"})
    assert response.status_code == 302 and response.headers["Location"] == "/zh-hans/handouts"
    assert {"Accept-Language", "Cookie"} <= set(response.vary)
    assert "private" in response.headers["Cache-Control"] and "no-cache" in response.headers["Cache-Control"]
    client.get("/language/ar?page=handout.list_page")
    assert client.get("/handouts", headers={"Accept-Language": "es"}).headers["Location"] == "/ar/handouts"


def test_each_reader_gets_the_handouts_page_in_their_own_language_from_one_worker(app):
    """The old page was cached once per worker whatever was negotiated; now each reader is sent on."""
    for accept, tag in (("es", "es"), ("en", "en"), ("ar", "ar"), ("es", "es")):
        client = app.test_client()
        page = client.get("/handouts", headers={"Accept-Language": accept}, follow_redirects=True)
        assert page.status_code == 200
        assert f'<html lang="{BY_TAG[tag].tag}"' in page.get_data(as_text=True)


def test_the_handouts_page_lists_each_language_as_a_block_and_says_what_was_reviewed(client, language):
    response = client.get(f"/{language.url_tag}/handouts")
    assert response.status_code == 200 and "public" in response.headers["Cache-Control"]
    page = response.get_data(as_text=True)
    blocks = re.findall(r'<li class="handout-language">(.*?)</li>', page, re.S)
    assert len(blocks) == len(LANGUAGES)
    for one, block in zip(LANGUAGES, blocks, strict=True):
        assert f'<span lang="{one.tag}" dir="{one.direction}">{one.endonym}</span>' in block
        assert f'<a href="/{one.url_tag}/handout" hreflang="{one.tag}">' in block
    if language.tag == "en":
        assert blocks[0].count("Original text") == 1
        assert all("Not yet reviewed by a medical translator." in block for block in blocks[1:])
        assert "Handout in Arabic" in blocks[[one.tag for one in LANGUAGES].index("ar")]
    for other in LANGUAGES:
        assert f'<link rel="alternate" hreflang="{other.tag}" href="http://127.0.0.1:5000/{other.url_tag}/handouts">' \
            in page
    assert "<script" not in page.split("<main")[1].split("</main>")[0], "the page works without JavaScript"


def test_a_language_reviewed_by_a_medical_translator_says_so(client, monkeypatch):
    import dataclasses

    import kinfo.public.handouts as handouts

    reviewed = tuple(dataclasses.replace(one, medical_review=one.tag == "es") for one in LANGUAGES)
    monkeypatch.setattr(handouts, "LANGUAGES", reviewed)
    page = client.get("/en/handouts").get_data(as_text=True)
    blocks = re.findall(r'<li class="handout-language">(.*?)</li>', page, re.S)
    assert "<strong>Reviewed by a medical translator.</strong>" in blocks[1]
    assert all("Not yet reviewed" in block for block in blocks[2:])


def test_the_pair_form_works_without_javascript(client):
    page = client.get("/vi/handouts").get_data(as_text=True)
    form = re.search(r'<form class="pair-form" method="get" action="/vi/handouts/pair">.*?</form>', page, re.S)
    assert form, "a plain GET form"
    assert '<option value="vi" lang="vi" selected>' in re.search(r'<select id="first".*?</select>', form[0], re.S)[0]
    assert '<option value="en" lang="en" selected>' in re.search(r'<select id="second".*?</select>', form[0], re.S)[0]
    response = client.get("/vi/handouts/pair?first=ar&second=en")
    assert response.status_code == 303 and response.headers["Location"] == "/ar/handout?with=en"
    assert client.get(response.headers["Location"]).status_code == 200


@pytest.mark.parametrize(("query", "message"), [
    ("?first=es&second=es", "Choose two different languages."),
    ("?first=es&second=xx", "Choose a language from each list."),
    ("?second=vi", "Choose a language from each list."),
])
def test_a_pair_that_cannot_be_printed_is_explained_beside_the_form_and_keeps_the_choice(client, query, message):
    response = client.get(f"/en/handouts/pair{query}")
    assert response.status_code == 400 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert f'<p class="field-error" id="pair-error">{message}</p>' in page
    assert f'<div class="error-summary" id="pair-summary"><p><a href="#first">{message}</a></p></div>' in page
    assert 'aria-invalid="true"' in page
    if "first=es" in query:
        assert '<option value="es" lang="es" selected>' in page
    assert 'hreflang="es" href="http://127.0.0.1:5000/es/handouts"' in page, "its links lead to the handouts page"


def test_the_pair_address_with_nothing_chosen_is_the_handouts_page(client):
    response = client.get("/en/handouts/pair")
    assert response.status_code == 200 and 'class="field-error"' not in response.get_data(as_text=True)


def test_the_pair_error_is_in_the_page_language(client):
    page = client.get("/ar/handouts/pair?first=es&second=es").get_data(as_text=True)
    assert english_left_in(page, "ar") == []
