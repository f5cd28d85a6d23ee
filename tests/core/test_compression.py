"""Compression: every public and patient text response of 1 KB or more travels gzip-compressed, pages that
must not be stored included; staff pages never do (BREACH)."""

from __future__ import annotations

import gzip
import re

import pytest

from kinfo.core.i18n import LANGUAGES

from ..pages import public_page_urls
from ..selfcheck_helpers import CALM_ANSWERS, form_token
from ..staff_helpers import make_account, sign_in

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def without_token(page: bytes) -> bytes:
    """A page without its CSRF token, which is signed with the time and so changes from second to second."""
    return re.sub(rb'(name="csrf_token" type="hidden" value=")[^"]+', rb"\1", page)


def assert_compressed_copy_of(response, plain: bytes) -> None:
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert int(response.headers["Content-Length"]) == len(response.data)
    assert without_token(gzip.decompress(response.data)) == without_token(plain)


def test_the_self_check_form_is_compressed_though_it_is_never_stored(client, language):
    url = f"/{language.url_tag}/self-check"
    compressed = client.get(url, headers=GZIP)
    assert compressed.status_code == 200 and compressed.headers["Cache-Control"] == "no-store"
    page = gzip.decompress(compressed.data)
    assert len(page) > 20_000 and len(compressed.data) < len(page) / 3
    assert_compressed_copy_of(compressed, page)
    assert b'name="csrf_token"' in page, "the real form, not a cached copy"


def test_every_patient_page_of_1_kb_or_more_is_compressed(app, client):
    urls = [url for _endpoint, url in public_page_urls(app)] + [
        "/en/handouts", "/sw.js", "/en/offline-bundle.json", "/en/self-check/rules.json", "/es/missing-page",
        "/en/handout?with=ar", "/fhir/Questionnaire/kinfo-previsit"]
    for url in urls:
        plain = client.get(url).data
        assert len(plain) >= 1024, url
        assert_compressed_copy_of(client.get(url, headers=GZIP), plain)


def test_the_outcome_of_a_self_check_is_compressed(client):
    token, key = form_token(client, "vi")
    data = {**CALM_ANSWERS, "csrf_token": token, "idempotency_key": key}
    response = client.post("/vi/self-check", data=data, headers=GZIP)
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"] and "Cookie" in response.headers["Vary"]
    assert b"<h1>" in gzip.decompress(response.data)


def test_staff_pages_are_never_compressed(app, client):
    login = client.get("/staff/login", headers=GZIP)
    assert len(login.data) >= 1024 and "Content-Encoding" not in login.headers
    make_account(app)
    sign_in(client)
    for url in ("/staff/", "/staff/?urgency=urgent&from=2026-01-01", "/staff/export.csv"):
        response = client.get(url, headers=GZIP)
        assert response.status_code == 200, url
        assert "Content-Encoding" not in response.headers, url


def test_small_responses_and_clients_without_gzip_get_plain_bytes(client):
    redirect = client.get("/language/es", headers=GZIP)
    assert redirect.status_code == 303 and len(redirect.data) < 1024 and "Content-Encoding" not in redirect.headers
    for accept in ("identity", "gzip;q=0", ""):
        response = client.get("/en/self-check", headers={"Accept-Encoding": accept} if accept else {})
        assert "Content-Encoding" not in response.headers and b"<html" in response.data


def test_head_requests_are_answered_without_compressing_a_body(client):
    response = client.head("/en/self-check", headers=GZIP)
    assert response.status_code == 200 and response.data == b"" and "Content-Encoding" not in response.headers


@pytest.mark.parametrize("url", ["/en/handout?with=es", "/ar/offline"])
def test_a_compressed_page_still_revalidates_with_304(make_app, url):
    client = make_app(PAGE_CACHE=False).test_client()  # every request through the compressor
    first = client.get(url, headers=GZIP)
    assert first.headers["Content-Encoding"] == "gzip" and first.headers["ETag"].startswith('W/"')
    again = client.get(url, headers={**GZIP, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_every_language_compresses_well(client):
    for language in LANGUAGES:
        response = client.get(f"/{language.url_tag}/self-check", headers=GZIP)
        assert len(response.data) < 10_000, (language.tag, len(response.data))
