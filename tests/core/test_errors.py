"""Errors: a reader who lands on a wrong address is answered in their language and shown every language."""

from __future__ import annotations

import pytest

from kinfo.core.i18n import LANGUAGES

from ..pages import visible_text


@pytest.mark.parametrize(("accept", "tag", "direction"), [("es-MX", "es", "ltr"), ("ar", "ar", "rtl"),
                                                          ("hy", "en", "ltr"), ("zh-CN", "zh-Hans", "ltr")])
def test_an_unknown_language_tag_gets_a_404_in_the_negotiated_language(client, accept, tag, direction):
    response = client.get("/xx/", headers={"Accept-Language": accept})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert f'<html lang="{tag}" dir="{direction}"' in page
    for language in LANGUAGES:
        assert f'<a href="/{language.url_tag}/" lang="{language.tag}"' in page


def test_a_missing_page_under_a_known_language_answers_in_that_language(client):
    response = client.get("/ar/no-such-page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert '<html lang="ar" dir="rtl"' in response.get_data(as_text=True)


def test_the_404_page_keeps_crisis_help(client):
    page = client.get("/nowhere").get_data(as_text=True)
    assert '<bdi dir="ltr">988</bdi>' in page


def test_a_wrong_method_is_405_with_allow_and_a_page(client):
    response = client.post("/en/")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert "That action is not allowed here" in visible_text(response.get_data(as_text=True))


def test_an_unexpected_error_is_a_translated_500_page(make_app):
    app = make_app()

    @app.get("/boom/<lang:lang>/")
    def boom(lang):
        raise RuntimeError("boom")

    response = app.test_client().get("/boom/es/")
    assert response.status_code == 500
    assert '<html lang="es" dir="ltr"' in response.get_data(as_text=True)
    assert "RuntimeError" not in response.get_data(as_text=True)
