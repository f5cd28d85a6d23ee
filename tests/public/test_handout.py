"""Handouts: the article to take home in any language or pair, with clinic, crisis help and a QR code."""

from __future__ import annotations

import re

import pytest
from babel.support import Translations

from kinfo.core.config import TRANSLATIONS_DIR
from kinfo.core.content import CONTENT_VERSION
from kinfo.core.i18n import LANGUAGES

from ..pages import english_left_in


def test_a_handout_in_every_language_has_clinic_crisis_help_review_date_and_a_qr_code(client, language):
    response = client.get(f"/{language.url_tag}/handout")
    assert response.status_code == 200 and "public" in response.headers["Cache-Control"]
    page = response.get_data(as_text=True)
    assert "Example Infusion Clinic" in page and '<a href="tel:+15550100"><bdi>+1 555 0100</bdi></a>' in page
    assert "100 Example Street, Springfield" in page
    assert "<bdi>988</bdi>" in page and CONTENT_VERSION in page
    assert re.search(r'<svg role="img" aria-label="[^"]+"[^>]*class="segno">', page)
    assert f"<bdi>http://127.0.0.1:5000/{language.url_tag}/</bdi>" in page
    assert "<img" not in page, "the QR code is inline, not fetched"
    if language.tag != "en":
        assert english_left_in(page, language.tag) == []


def _title_in(language) -> str:
    """The handout's title as the language's compiled catalog has it."""
    catalog = Translations.load(TRANSLATIONS_DIR, [language.babel_locale])
    return catalog.gettext("Ketamine infusion therapy: a guide for patients")


def _columns(page: str) -> list[str]:
    """Each ``handout-column`` element of a page, from its opening tag to its own closing ``</div>``."""
    columns = []
    for start in (match.start() for match in re.finditer(r'<div class="handout-column" ', page)):
        depth = 0
        for tag in re.finditer(r"<(/?)div\b", page[start:]):
            depth += -1 if tag.group(1) else 1
            if depth == 0:
                columns.append(page[start:start + tag.end()])
                break
    return columns


@pytest.mark.parametrize("first", LANGUAGES, ids=[lang.tag for lang in LANGUAGES])
def test_any_pair_of_languages_makes_a_bilingual_handout(client, first):
    for second in LANGUAGES:
        if second == first:
            continue
        page = client.get(f"/{first.url_tag}/handout?with={second.url_tag}").get_data(as_text=True)
        columns = _columns(page)
        assert len(columns) == 2
        for language, html in zip((first, second), columns, strict=True):
            assert html.startswith(f'<div class="handout-column" lang="{language.tag}" dir="{language.direction}">')
            other = second if language == first else first
            assert _title_in(language) in html and _title_in(other) not in html, \
                f"the {language.tag} column is in its own language, not in {other.tag}"
            if language.tag != "en":
                assert english_left_in(html, language.tag) == []
        assert len(set(re.findall(r'\sid="([^"]+)"', page))) == len(re.findall(r'\sid="([^"]+)"', page)), \
            "no duplicate ids"


@pytest.mark.parametrize("query", ["?with=en", "?with=xx", "?with="])
def test_a_pair_with_itself_or_an_unknown_language_is_not_found(client, query):
    assert client.get(f"/en/handout{query}").status_code == 404


def test_the_handouts_index_offers_every_language_and_pair_and_says_what_was_reviewed(client):
    page = client.get("/handouts").get_data(as_text=True)
    for first in LANGUAGES:
        assert f'href="/{first.url_tag}/handout"' in page
        for second in LANGUAGES:
            if second != first:
                assert f'href="/{first.url_tag}/handout?with={second.url_tag}"' in page
    assert page.count("Not yet") == 4 and "Original text" in page
