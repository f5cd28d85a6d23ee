"""Error pages in the reader's language, listing every language so nobody is stranded."""

from __future__ import annotations

from flask import g, make_response, redirect, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from .i18n import BY_URL_TAG


def _language_from_path() -> None:
    """Use the language named in the path when there is one (``/es/nope`` answers in Spanish)."""
    first = request.path.strip("/").split("/", 1)[0].lower()
    if "language" not in g and first in BY_URL_TAG:
        g.language = BY_URL_TAG[first]


def _wrong_case_redirect():
    """``/zh-Hans/`` → ``/zh-hans/``: a known tag in the wrong case is a redirect, not a dead end."""
    parts = request.path.split("/", 2)
    if len(parts) > 1 and parts[1] != parts[1].lower() and parts[1].lower() in BY_URL_TAG:
        parts[1] = parts[1].lower()
        return redirect("/".join(parts), code=301)
    return None


def render_error(error: HTTPException):
    """Render an HTTP error as a translated page with the right status."""
    if error.code == 404 and request.method in ("GET", "HEAD"):
        moved = _wrong_case_redirect()
        if moved is not None:
            return moved
    _language_from_path()
    response = make_response(render_template("errors/error.html", error=error), error.code)
    for name, value in error.get_headers():
        if name.lower() != "content-type":  # keep Allow (405), Retry-After (429) and the like
            response.headers[name] = value
    response.cache_control.no_cache = True
    return response


def init_app(app) -> None:
    """Register translated error pages for every HTTP error and for unexpected exceptions."""

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return render_error(error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("Unhandled error")
        return render_error(InternalServerError())
