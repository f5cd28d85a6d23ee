"""The article: every page in every language says everything, in that language, with help one glance away."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from kinfo.core.content import CONTENT_VERSION, SECTIONS, SOURCES
from kinfo.core.i18n import LANGUAGES

from ..pages import english_left_in, public_page_urls, visible_text

# Pages only the service worker serves (offline, in place of the real ones): no page for search engines.
OFFLINE_TWINS = {"selfcheck.offline_form", "selfcheck.offline_result", "pwa.offline_page"}


def test_every_page_in_every_language_is_marked_with_its_language_and_direction(app, client):
    for endpoint, url in public_page_urls(app):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        tag = url.split("/")[1]
        language = next(lang for lang in LANGUAGES if lang.url_tag == tag)
        assert f'<html lang="{language.tag}" dir="{language.direction}"' in page, url
        if endpoint in OFFLINE_TWINS:
            assert '<meta name="robots" content="noindex">' in page and 'hreflang=' not in page, url
        else:  # every page a search engine may show names its twin in every language
            for other in LANGUAGES:
                alternate = f'<link rel="alternate" hreflang="{other.tag}" href="http://127.0.0.1:5000/{other.url_tag}/'
                assert alternate in page, url
            assert '<link rel="alternate" hreflang="x-default" href="http://127.0.0.1:5000/">' in page
            assert 'name="robots"' not in page, url
        for other in LANGUAGES:  # the menu names each language in its own script, and direction where it differs
            own_direction = f' dir="{other.direction}"' if other.direction != language.direction else ""
            link = (rf'<a href="/language/{other.url_tag}\?page=[^"]+" lang="{other.tag}"{own_direction}'
                    r'( aria-current="true")?>')
            assert re.search(link, page), (url, other.tag)
            assert f">{other.endonym}</a>" in page


def test_no_english_is_left_on_a_translated_page(app, client, translated_language):
    for _endpoint, url in public_page_urls(app):
        if not url.startswith(f"/{translated_language.url_tag}/"):
            continue
        leaks = english_left_in(client.get(url).get_data(as_text=True), translated_language.tag)
        assert not leaks, f"{url} still shows English: {leaks[:5]}"


def test_every_section_has_an_id_a_heading_and_an_answer(client):
    page = client.get("/en/").get_data(as_text=True)
    for section in SECTIONS:
        match = re.search(rf'id="{section.id}"[^>]*>(.*?)</(section|nav)>', page, re.S)
        assert match, section.id
        body = match.group(1)
        assert f'id="{section.id}-heading"' in body
        assert re.search(r"<(p|li)[ >]", body), f"{section.id} has a heading but no answer"


def test_the_table_of_contents_links_to_every_following_section(client):
    page = client.get("/en/").get_data(as_text=True)
    toc = re.search(r'<nav id="contents".*?</nav>', page, re.S).group(0)
    for section in SECTIONS[2:]:
        assert f'href="#{section.id}"' in toc


@pytest.mark.parametrize(
    "fact",
    [
        "low dose", "IV", "intravenous", "surgery", "street drug", "watch you closely",
        "serotonin or dopamine", "glutamate", "synapses", "neuroplasticity", "critical window", "CBT",
        "at least two", "antidepressant", "depression or anxiety",
        "as high as 70%", "clinical trials", "Mayo Clinic", "do not always show right away",
        "for decades", "ease pain", "sub-anesthetic", "Anesthesiologists", "chronic", "trained",
        "dissociated", "nausea", "a little anxious", "treat it and look after you", "about 15 minutes",
        "pregnant or breastfeeding", "not yet fully known", "high blood pressure", "not under control",
        "raise blood pressure", "hyperthyroidism", "heart and blood vessels",
        "weeks or months", "relief sooner", "works best together", "thoughts of suicide",
    ],
)
def test_the_english_article_covers_every_fact_of_the_source(client, fact):
    assert fact in visible_text(client.get("/en/").get_data(as_text=True))


def test_sources_are_named_and_linked(client, language):
    page = client.get(f"/{language.url_tag}/").get_data(as_text=True)
    for source in SOURCES:
        assert f'<a href="{source.url}" rel="external">{escape(source.title)}</a>' in page
    assert "www.yalemedicine.org/news/ketamine-for-depression" in page


def test_every_page_shows_review_date_version_and_the_care_team_note(client, language):
    text = visible_text(client.get(f"/{language.url_tag}/").get_data(as_text=True))
    assert CONTENT_VERSION in text and "2026" in text
    if language.tag == "en":
        assert f"Last reviewed: December 3, 2026. Content version {CONTENT_VERSION}." in text
        assert "This page does not replace advice from your own care team." in text


def test_translated_pages_say_how_they_were_translated_and_that_no_medical_translator_reviewed_them(client):
    from flask_babel import force_locale, gettext

    text = visible_text(client.get("/es/").get_data(as_text=True))
    with client.application.test_request_context(), force_locale("es"):
        assert gettext("A medical translator has not reviewed it yet. If anything is unclear, ask your "
                       "care team.") in text


def test_crisis_help_and_clinic_contact_stand_on_every_page_with_isolated_numbers(app, client):
    for endpoint, url in public_page_urls(app):
        page = client.get(url).get_data(as_text=True)
        if endpoint == "handout.page":  # printed: every line as a sentence, in each column
            assert '<a href="tel:988"><bdi dir="ltr">988</bdi></a>' in page
            assert '<a href="tel:911"><bdi dir="ltr">911</bdi></a>' in page
        else:
            assert re.search(r'<a class="crisis-call" href="tel:988">[^<]*<bdi dir="ltr">988</bdi>', page), url
            assert re.search(r'<a class="crisis-emergency" href="tel:911">[^<]*<bdi dir="ltr">911</bdi>', page), url
        assert '<a href="tel:+15550100"><bdi dir="ltr">+1 555 0100</bdi></a>' in page, url
        # Digits, spaces and "+" have no direction of their own: in Arabic or Persian text, without dir="ltr",
        # "+1 555 0100" shows as "0100 555 1+".
        assert not re.search(r"<bdi>[+\d][\d\s()+-]*</bdi>", page), url
        assert "Example Infusion Clinic" in page
        assert page.index('class="crisis"') < page.index('<section'), "crisis help comes before the article"


def test_a_clinic_in_the_uk_shows_uk_crisis_numbers(make_app):
    client = make_app(CRISIS_REGION="UK", CLINIC_NAME="Clinic & Co <b>").test_client()
    page = client.get("/en/").get_data(as_text=True)
    for number in ("999", "111", "116 123"):
        assert f"<bdi dir=\"ltr\">{number}</bdi>" in page
    handout = client.get("/en/handout").get_data(as_text=True)  # the lines in full, as sentences
    assert "choose option 2 for mental health" in handout and "<bdi class=\"service-name\">Samaritans</bdi>" in handout
    assert "Clinic &amp; Co &lt;b&gt;" in page and "<b>" not in page
    assert '<bdi dir="ltr">988</bdi>' not in page


def test_pages_carry_no_inline_script_or_style_and_nothing_from_another_origin(app, client):
    for _endpoint, url in public_page_urls(app):
        page = client.get(url).get_data(as_text=True)
        assert "<style" not in page and " style=" not in page
        assert not re.search(r"<script(?![^>]*\bsrc=)", page)
        for attribute in re.findall(r'(?:src|href)="([^"]+)"', page):
            if attribute.startswith(("http://", "https://", "//")):
                # Only links a reader chooses to follow, and our own alternate URLs, may name an origin.
                assert re.search(rf'<(a|link rel="alternate")[^>]*="{re.escape(attribute)}"', page), attribute

