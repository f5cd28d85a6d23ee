"""Gzip for every text response of 1 KB or more, in front of the whole app (and its page cache).

Public pages kept by kinfo.core.pagecache and static files already come compressed; this middleware
compresses the rest: pages that must not be stored (the self-check form and its outcome), error pages, the
service worker, data that revalidates. Paths under ``never_under`` are never compressed: staff pages carry
a session's secret token and echo what staff type into filters, which is what the BREACH attack needs once
TLS is in front.
"""

from __future__ import annotations

import gzip
from functools import lru_cache

from werkzeug.http import parse_accept_header

from .pagecache import whole_response

MINIMUM_SIZE = 1024
# Text and text-like types; images other than SVG are compressed already.
COMPRESSIBLE_TYPES = ("text/", "application/json", "application/javascript", "application/manifest+json",
                      "application/fhir+json", "application/xml", "image/svg+xml")


@lru_cache(maxsize=256)
def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` header allows gzip (``gzip;q=0`` refuses it)."""
    return parse_accept_header(accept_encoding)["gzip"] > 0


class Compression:
    """WSGI middleware: gzip text responses of ``MINIMUM_SIZE`` bytes or more, except under ``never_under``."""

    def __init__(self, wsgi_app, never_under: tuple[str, ...] = (), level: int = 6):
        self.wsgi_app = wsgi_app
        self.never_under = tuple(prefix.rstrip("/") for prefix in never_under)
        self.level = level  # 6: nearly all of level 9's saving for a fraction of its time, on every request

    def _never(self, path: str) -> bool:
        return any(path == prefix or path.startswith(prefix + "/") for prefix in self.never_under)

    def __call__(self, environ, start_response):
        if (environ["REQUEST_METHOD"] == "HEAD" or self._never(environ.get("PATH_INFO", ""))
                or not accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))):
            return self.wsgi_app(environ, start_response)
        # Held back until the body is known: only then can the headers say how it is sent.
        captured, body = whole_response(self.wsgi_app, environ)
        status, headers = captured["status"], captured["headers"]
        if self._should_compress(status, headers, body):
            body = gzip.compress(body, self.level, mtime=0)
            headers = self._compressed_headers(headers, len(body))
        start_response(status, headers, captured["exc_info"])
        return [body]

    @staticmethod
    def _should_compress(status: str, headers: list[tuple[str, str]], body: bytes) -> bool:
        names = {name.lower(): value for name, value in headers}
        return (
            len(body) >= MINIMUM_SIZE
            and not status.startswith(("1", "204", "304"))
            and "content-encoding" not in names
            and names.get("content-type", "").startswith(COMPRESSIBLE_TYPES)
            and "no-transform" not in names.get("cache-control", "")
        )

    @staticmethod
    def _compressed_headers(headers: list[tuple[str, str]], length: int) -> list[tuple[str, str]]:
        result, vary = [], []
        for name, value in headers:
            lower = name.lower()
            if lower == "content-length":
                continue
            if lower == "vary":
                vary.extend(part.strip() for part in value.split(",") if part.strip())
                continue
            if lower == "etag" and not value.startswith("W/"):
                # The compressed bytes are another representation of the same page: a weak tag says so, and
                # If-None-Match (compared weakly) still answers 304.
                value = "W/" + value
            result.append((name, value))
        if "accept-encoding" not in {part.lower() for part in vary}:
            vary.append("Accept-Encoding")
        result += [("Content-Encoding", "gzip"), ("Vary", ", ".join(vary)), ("Content-Length", str(length))]
        return result
