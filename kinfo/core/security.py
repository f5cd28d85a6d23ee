"""Security headers, as data, added to every response.

The CSP allows only what our pages use, from our own origin: no inline script or style, no other origin.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, redirect, request
from werkzeug.routing import RequestRedirect

CONTENT_SECURITY_POLICY: dict[str, list[str]] = {
    "default-src": ["'none'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "manifest-src": ["'self'"],
    "connect-src": ["'self'"],
    "worker-src": ["'self'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def content_security_policy() -> str:
    """The CSP header value built from ``CONTENT_SECURITY_POLICY``."""
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in CONTENT_SECURITY_POLICY.items())


SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": content_security_policy(),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def from_this_site() -> bool:
    """Whether a request without a CSRF token came from one of our own pages.

    A browser's ``Sec-Fetch-Site`` decides when it is sent (no page can set it). Only without it is the
    ``Origin`` compared with our own address, which a proxy that is not trusted may have changed."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    own_origin = request.host_url.rstrip("/")
    if fetch_site is not None:
        if fetch_site in ("same-origin", "none") and request.origin and request.origin != own_origin:
            current_app.logger.warning("Origin %r is not this site's %r: is the proxy trusted (PROXY_COUNT)?",
                                       request.origin, own_origin)
        return fetch_site in ("same-origin", "none")
    return not request.origin or request.origin == own_origin


_LOWER_NAMES = {name: name.lower() for name in SECURITY_HEADERS}


def relative_routing_redirect():
    """Werkzeug's own redirects (``/en`` → ``/en/``) would name the host the request's Host header gave, which
    anyone can set (and a shared cache may keep): they are sent as a path on this site instead."""
    error = request.routing_exception
    if isinstance(error, RequestRedirect):
        target = urlsplit(error.new_url)
        return redirect(target.path + (f"?{target.query}" if target.query else ""), code=error.code)
    return None


def init_app(app) -> None:
    """Add the security headers to every response, error pages and static files included, except any a view
    set itself; send routing redirects as paths, never with the request's Host header."""
    app.before_request(relative_routing_redirect)

    @app.after_request
    def _add_security_headers(response):
        # One pass over the response's headers, not one per security header (this runs on every response).
        present = {name.lower() for name in response.headers.keys()}
        response.headers.extend([(name, value) for name, value in SECURITY_HEADERS.items()
                                 if _LOWER_NAMES[name] not in present])
        return response
