"""Security headers: on every response, exactly as defined, with a CSP that allows nothing from elsewhere."""

from __future__ import annotations

from kinfo.core.security import SECURITY_HEADERS

from ..pages import public_page_urls, sample_url

EXPECTED_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; manifest-src 'self'; "
    "connect-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def every_url(app) -> list[str]:
    """One URL for every route of the app (every language for the pages), plus errors and redirects."""
    urls = [url for _endpoint, url in public_page_urls(app)]
    urls += [sample_url(rule) for rule in app.url_map.iter_rules()]
    urls += ["/", "/language/es", "/nowhere", "/xx/", "/zh-Hans/", "/es/self-check/new"]
    with app.test_request_context():
        from kinfo.core.assets import asset_url

        urls += [asset_url(name) for name in app.extensions["kinfo_assets"]]
    return urls


def test_the_csp_is_exactly_the_strict_one():
    assert SECURITY_HEADERS["Content-Security-Policy"] == EXPECTED_CSP


def test_every_route_sends_every_security_header_and_no_server_banner(app, client):
    covered = set()
    for url in every_url(app):
        for method in ("GET", "HEAD", "POST"):
            response = client.open(url, method=method)
            for name, value in SECURITY_HEADERS.items():
                assert response.headers.get(name) == value, (method, url, name)
            assert "Server" not in response.headers
            assert "X-Powered-By" not in response.headers
        adapter = app.url_map.bind("localhost")
        for method in ("GET", "POST"):
            try:
                covered.add(adapter.match(url.split("?")[0], method=method)[0])
            except Exception:  # noqa: BLE001, S112 - errors and redirects have no endpoint
                continue
    missing = {rule.endpoint for rule in app.url_map.iter_rules()} - covered
    assert not missing, f"routes with no header test: {missing}"


def test_the_header_values_are_the_documented_ones():
    assert SECURITY_HEADERS["X-Content-Type-Options"] == "nosniff"
    assert SECURITY_HEADERS["Referrer-Policy"] == "same-origin"
    assert SECURITY_HEADERS["Cross-Origin-Opener-Policy"] == "same-origin"
    assert SECURITY_HEADERS["Cross-Origin-Resource-Policy"] == "same-origin"


def test_redirects_never_name_the_host_the_request_gave(client):
    """Werkzeug's own redirect (a missing slash) and the app's redirects are paths on this site: a forged Host
    header cannot send a reader, or a shared cache, elsewhere."""
    for path in ("/en", "/en?x=1", "/zh-Hans/", "/", "/language/es", "/staff/", "/staff/export.csv?from=x"):
        response = client.get(path, headers={"Host": "evil.example"})
        location = response.headers.get("Location", "")
        if response.status_code in (301, 302, 303, 307, 308):
            assert location.startswith("/") and not location.startswith("//"), (path, location)
        assert "evil" not in location
    assert client.get("/en?x=1").headers["Location"] == "/en/?x=1"
    posted = client.post("/en/self-check/new/", headers={"Host": "evil.example"})
    assert "evil" not in posted.headers.get("Location", "")
