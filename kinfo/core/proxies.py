"""What the app has seen of the proxies in front of it: for each kind of peer (loopback, private, public
address), how many X-Forwarded-For entries its requests carried. The launch check compares this with
``KINFO_PROXY_COUNT``: a wrong count either lets clients choose their own address or makes every client
look the same to the per-client limits.

Kept in the instance folder (``request-sources.json``: delete it to start the record over), written only
when a worker sees a combination it has not seen before (a few times in the life of a worker), never per
request.
"""

from __future__ import annotations

import ipaddress
import json
import os
import tempfile
import threading
from pathlib import Path

from flask import current_app, request

FILE_NAME = "request-sources.json"
# Set in the WSGI environ of requests the app makes to itself (kinfo.pwa.bundles fetches its own pages): they
# come from no proxy and no client, and recording them would report a proxy count that real requests never had.
INTERNAL = "kinfo.internal_request"
_lock = threading.Lock()


def peer_kind(address: str | None) -> str:
    """loopback, private or public: the kind of address a request came from."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "unknown"
    if ip.is_loopback:
        return "loopback"
    return "private" if ip.is_private else "public"


def _path(app) -> Path:
    return Path(app.instance_path) / FILE_NAME


def seen(app) -> dict[str, list[int]]:
    """Peer kind → the numbers of X-Forwarded-For entries seen from it (empty when nothing was recorded)."""
    try:
        return json.loads(_path(app).read_text())
    except (OSError, ValueError):
        return {}


def _record() -> None:
    environ = request.environ
    if environ.get(INTERNAL):
        return
    original = environ.get("werkzeug.proxy_fix.orig", {})  # before ProxyFix rewrote the address
    peer = peer_kind(original.get("REMOTE_ADDR", environ.get("REMOTE_ADDR")))
    forwarded = original.get("HTTP_X_FORWARDED_FOR", environ.get("HTTP_X_FORWARDED_FOR", ""))
    hops = len([part for part in forwarded.split(",") if part.strip()])
    app = current_app._get_current_object()
    known = app.extensions.setdefault("kinfo_request_sources", set())
    if (peer, hops) in known:
        return
    with _lock:
        known.add((peer, hops))
        table = seen(app)
        if hops in table.get(peer, []):
            return
        table.setdefault(peer, []).append(hops)
        table[peer].sort()
        path = _path(app)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, prefix=".sources.") as handle:
            json.dump(table, handle)
        os.replace(handle.name, path)


def init_app(app) -> None:
    """Record where requests come from (once per new combination per worker)."""

    @app.before_request
    def _record_source():
        try:
            _record()
        except OSError:  # a read-only instance folder must not turn into failed requests
            app.logger.warning("Could not record where requests come from (instance folder not writable)")
