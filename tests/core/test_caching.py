"""Caching: public pages are shareable and revalidate cheaply; static files are hashed and immutable."""

from __future__ import annotations

import gzip

import pytest

from kinfo.core.assets import IMMUTABLE


@pytest.mark.parametrize("attempt", ["first render", "from the page cache"])
def test_public_pages_send_an_etag_a_shared_cache_control_and_answer_304(client, attempt):
    if attempt == "from the page cache":
        client.get("/vi/")
    response = client.get("/vi/")
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"] and "max-age=300" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    again = client.get("/vi/", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert "Content-Security-Policy" in again.headers


def test_the_page_cache_serves_the_same_page_compressed(client):
    plain = client.get("/ar/").data
    cached = client.get("/ar/", headers={"Accept-Encoding": "gzip, br"})
    assert cached.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in cached.headers["Vary"]
    assert gzip.decompress(cached.data) == plain
    assert int(cached.headers["Content-Length"]) == len(cached.data)
    identity = client.get("/ar/", headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in identity.headers and identity.data == plain


def test_head_of_a_cached_page_has_no_body(client):
    client.get("/es/")
    response = client.head("/es/")
    assert response.status_code == 200 and response.data == b""


def test_error_pages_and_redirects_are_not_shared(client):
    assert "public" not in client.get("/nowhere").headers.get("Cache-Control", "")
    assert client.get("/nowhere").status_code == 404  # still 404 the second time: not cached
    assert "public" not in client.get("/").headers.get("Cache-Control", "")


def test_static_assets_have_content_hashed_urls_and_an_immutable_cache_life(app, client):
    with app.test_request_context():
        from kinfo.core.assets import asset_url

        url = asset_url("css/site.css")
    assert url.startswith("/static/css/site.") and url.endswith(".css") and len(url) > len("/static/css/site.css")
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Content-Type"].startswith("text/css")
    assert client.get(url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_an_unhashed_or_stale_asset_url_is_not_found(client):
    assert client.get("/static/css/site.css").status_code == 404
    assert client.get("/static/css/site.0000000000.css").status_code == 404


def test_the_very_first_render_is_already_compressed(client):
    first = client.get("/zh-hans/", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    assert "简体中文" in gzip.decompress(first.data).decode()


def test_public_pages_never_touch_the_session_so_any_cache_may_serve_them_to_everyone(make_app):
    """No Vary: Cookie and no Set-Cookie on a public page, for a first visit and for a patient who has
    opened the self-check (and so carries a session cookie)."""
    from ..pages import public_page_urls

    app = make_app(PAGE_CACHE=False)  # what Flask itself answers, before the in-process cache
    client = app.test_client()
    urls = [url for _endpoint, url in public_page_urls(app)] + ["/sw.js", "/en/manifest.webmanifest",
                                                                  "/en/self-check/rules.json"]
    for visitor in ("first visit", "has a session"):
        if visitor == "has a session":
            client.get("/en/self-check")
            assert client.get_cookie("session") is not None
        for url in urls:
            response = client.get(url)
            if response.headers["Cache-Control"] == "no-store":
                continue  # the self-check form: one patient's page, never cached
            assert "Cookie" not in response.headers.get("Vary", ""), (visitor, url)
            assert "Set-Cookie" not in response.headers, (visitor, url)
    form = client.get("/en/self-check")
    assert form.headers["Cache-Control"] == "no-store" and "Cookie" in form.headers["Vary"]


def test_public_pages_leave_out_template_indentation_but_not_what_a_textarea_or_pre_holds():
    from kinfo.core.pagecache import without_indentation

    page = "<ul>\n    <li>One</li>\n\t<li>Two</li>\n</ul>\n<textarea>\n  kept\n</textarea>\n  <pre>\n   also kept</pre>"
    assert without_indentation(page) == ("<ul>\n<li>One</li>\n<li>Two</li>\n</ul>\n<textarea>\n  kept\n</textarea>\n"
                                         "<pre>\n   also kept</pre>")


def test_a_public_page_carries_no_indentation(client):
    for url in ("/ar/", "/en/self-check/offline-form", "/vi/handout"):
        page = client.get(url).get_data(as_text=True)
        assert "\n " not in page and "\n\t" not in page, url


def test_scripts_are_shipped_with_short_local_names_and_a_newer_script_stops_the_start():
    from calmjs.parse.exceptions import ECMASyntaxError

    from kinfo.core.assets import minified

    script = (b"(function () {\n  // a comment\n  var longDescriptiveName = 1;\n"
              b"  window.kept = longDescriptiveName;\n})();\n")
    shipped = minified("js/example.js", script).decode()
    assert "longDescriptiveName" not in shipped and "comment" not in shipped and "window.kept" in shipped
    with pytest.raises(ECMASyntaxError):  # ES2015 is not read: it is never shipped unminified either
        minified("js/newer.js", b"const f = () => 1;\n")
