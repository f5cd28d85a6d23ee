"""Static assets with content-hashed URLs, served from memory with a long, immutable cache life.

``asset_url("css/site.css")`` gives ``/static/css/site.1a2b3c4d5e.css``. The hash changes whenever the
file does, so browsers and shared caches may keep each URL forever. Scripts and stylesheets are served
minified: a phone keeps every language's copy offline (at most 150 KB each), and comments are for us.
Scripts go through calmjs.parse, which also gives each function's own variables short names (never a
global's); it reads ECMAScript 5 syntax only (the scripts use newer library calls such as fetch, but no
newer syntax), and a script it cannot read stops the app at start rather than ship unminified.
Stylesheets go through rcssmin.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

import rcssmin
from calmjs.parse import es5
from calmjs.parse.unparsers.es5 import minify_print
from flask import Blueprint, Response, abort, current_app, request

from .config import STATIC_DIR

bp = Blueprint("assets", __name__)

URL_PREFIX = "/static/"
IMMUTABLE = "public, max-age=31536000, immutable"
COMPRESSIBLE = {"text/css", "text/javascript", "application/javascript", "image/svg+xml",
                "application/json", "application/manifest+json"}


@dataclass(frozen=True)
class Asset:
    """One static file: its hashed URL path, bytes, a gzip copy when that is smaller, and type."""

    name: str
    hashed_name: str
    body: bytes
    gzip_body: bytes | None
    mimetype: str
    digest: str


def _hashed(name: str, digest: str) -> str:
    path = Path(name)
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


@functools.lru_cache(maxsize=64)  # every app of a process (the tests make many) shares the work
def minified(name: str, body: bytes) -> bytes:
    """A script or stylesheet without comments and spare white space; other files as they are."""
    if name.endswith(".js"):
        return minify_print(es5(body.decode("utf-8")), obfuscate=True, obfuscate_globals=False).encode("utf-8")
    if name.endswith(".css"):
        return rcssmin.cssmin(body.decode("utf-8")).encode("utf-8")
    return body


def load_assets(root: Path = STATIC_DIR) -> dict[str, Asset]:
    """Read every file under ``static/`` once, keyed by its plain name (``css/site.css``)."""
    assets = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        name = path.relative_to(root).as_posix()
        body = minified(name, path.read_bytes())
        digest = hashlib.sha256(body).hexdigest()[:10]
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if name.endswith(".webmanifest"):
            mimetype = "application/manifest+json"
        compressed = gzip.compress(body, 9, mtime=0) if mimetype in COMPRESSIBLE else None
        if compressed is not None and len(compressed) >= len(body):
            compressed = None
        assets[name] = Asset(name, _hashed(name, digest), body, compressed, mimetype, digest)
    return assets


def asset_url(name: str) -> str:
    """The content-hashed URL of a static file."""
    return URL_PREFIX + current_app.extensions["kinfo_assets"][name].hashed_name


@bp.get(URL_PREFIX + "<path:hashed_name>")
def static_file(hashed_name: str) -> Response:
    """Serve a hashed static file; an unhashed or stale name is a 404 (never a stale immutable copy)."""
    asset = current_app.extensions["kinfo_assets_by_url"].get(hashed_name)
    if asset is None:
        abort(404)
    if request.if_none_match.contains_weak(asset.digest):
        response = Response(status=304)
    elif asset.gzip_body is not None and "gzip" in request.accept_encodings:
        response = Response(asset.gzip_body, mimetype=asset.mimetype)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(asset.body, mimetype=asset.mimetype)
    response.headers["Cache-Control"] = IMMUTABLE
    response.set_etag(asset.digest)
    if asset.gzip_body is not None:
        response.vary.add("Accept-Encoding")
    return response


def init_app(app) -> None:
    """Load the assets and expose ``asset_url`` to templates."""
    assets = load_assets()
    app.extensions["kinfo_assets"] = assets
    app.extensions["kinfo_assets_by_url"] = {asset.hashed_name: asset for asset in assets.values()}
    app.jinja_env.globals["asset_url"] = asset_url
    app.register_blueprint(bp)
