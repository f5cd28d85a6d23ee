"""Security headers, as data, added to every response.

The CSP allows only what our pages use, from our own origin: no inline script or style, no other origin.
"""

from __future__ import annotations

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


_LOWER_NAMES = {name: name.lower() for name in SECURITY_HEADERS}


def init_app(app) -> None:
    """Add the security headers to every response, error pages and static files included, except any a view
    set itself."""

    @app.after_request
    def _add_security_headers(response):
        # One pass over the response's headers, not one per security header (this runs on every response).
        present = {name.lower() for name in response.headers.keys()}
        response.headers.extend([(name, value) for name, value in SECURITY_HEADERS.items()
                                 if _LOWER_NAMES[name] not in present])
        return response
