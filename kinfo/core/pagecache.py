"""An in-process cache of whole public pages, in front of Flask.

Public pages (the article in each language, the offline page, …) are the same for every visitor until the
next deploy. The first request renders through Flask as usual; the response is kept — headers, body and a
gzip copy — and every later request for that path is answered from memory without entering Flask, which
is what lets one small server keep up with a crowd. Only responses Flask itself marked
``Cache-Control: public`` with status 200, no cookie and no query string are kept.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from functools import lru_cache

from flask import Response, current_app, make_response, request
from werkzeug.http import parse_accept_header, parse_etags

# Where white space is content: left exactly as written.
_KEPT_AS_WRITTEN = re.compile(r"<(pre|textarea)\b.*?</\1\s*>", re.S | re.I)
_INDENTATION = re.compile(r"\n[ \t]+")


def without_indentation(body: str) -> str:
    """The page without the indentation of its template lines: a browser shows any run of white space as
    one space, and a phone keeps every page of its language offline (a budget of 150 KB). Inside <pre> and
    <textarea> nothing changes."""
    parts, last = [], 0
    for kept in _KEPT_AS_WRITTEN.finditer(body):
        parts += [_INDENTATION.sub("\n", body[last:kept.start()]), kept.group(0)]
        last = kept.end()
    parts.append(_INDENTATION.sub("\n", body[last:]))
    return "".join(parts)


def public_page(body: str) -> Response:
    """A page that is the same for everyone: ETag, shared-cache friendly Cache-Control, 304 on a match.
    Such a page is what this cache keeps."""
    response = make_response(without_indentation(body))
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["PUBLIC_MAX_AGE"]
    response.add_etag()
    return response.make_conditional(request)


def private_page(response: Response) -> Response:
    """A page that holds one person's answers: never stored by any cache."""
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response


@dataclass(frozen=True)
class CachedPage:
    """A rendered public page, ready to send."""

    headers: list[tuple[str, str]]
    body: bytes
    gzip_body: bytes
    etag: str


def whole_response(wsgi_app, environ) -> tuple[dict, bytes]:
    """Run a WSGI app to the end of its response: what it passed to start_response (status, headers,
    exc_info) and its whole body, for middleware that must see the body before sending the headers."""
    captured: dict = {}

    def capture(status, headers, exc_info=None):
        captured.update(status=status, headers=headers, exc_info=exc_info)
        return lambda data: None  # the legacy write() callable; Flask never uses it

    chunks = wsgi_app(environ, capture)
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return captured, body


@lru_cache(maxsize=256)
def _accepts_gzip(accept_encoding: str) -> bool:
    return parse_accept_header(accept_encoding)["gzip"] > 0


def _matches(if_none_match: str, etag: str) -> bool:
    return parse_etags(if_none_match).contains_weak(etag.strip('"').removeprefix('W/"'))


class PageCache:
    """WSGI middleware that answers repeated requests for public pages from memory."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.pages: dict[str, CachedPage] = {}

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        if method not in ("GET", "HEAD") or environ.get("QUERY_STRING"):
            return self.wsgi_app(environ, start_response)
        path = environ.get("PATH_INFO", "")
        page = self.pages.get(path)
        if page is not None:
            return self._serve(page, environ, start_response, method == "HEAD")
        if method == "HEAD":
            return self.wsgi_app(environ, start_response)
        return self._render_and_keep(path, environ, start_response)

    def _serve(self, page: CachedPage, environ, start_response, head: bool):
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        if if_none_match and _matches(if_none_match, page.etag):
            headers = [(k, v) for k, v in page.headers if k not in ("Content-Type",)]
            start_response("304 NOT MODIFIED", headers)
            return [b""]
        if _accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")):
            body, extra = page.gzip_body, [("Content-Encoding", "gzip")]
        else:
            body, extra = page.body, []
        start_response("200 OK", [*page.headers, *extra, ("Content-Length", str(len(body)))])
        return [b""] if head else [body]

    def _render_and_keep(self, path: str, environ, start_response):
        # Held back until the response is known: a kept page is sent the way later hits are (gzip, 304).
        captured, body = whole_response(self.wsgi_app, environ)
        status, headers = captured["status"], captured["headers"]
        names = {name.lower(): value for name, value in headers}
        if (
            status.startswith("200")
            and "public" in names.get("cache-control", "")
            and "set-cookie" not in names
            and "etag" in names
            and "content-encoding" not in names
        ):
            kept = [(k, v) for k, v in headers if k.lower() not in ("content-length", "vary")]
            kept.append(("Vary", ", ".join(v for v in (names.get("vary"), "Accept-Encoding") if v)))
            page = CachedPage(kept, body, gzip.compress(body, 9, mtime=0), names["etag"])
            self.pages[path] = page
            return self._serve(page, environ, start_response, head=False)
        start_response(status, headers, captured["exc_info"])
        return [body]
