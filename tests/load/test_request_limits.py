"""Under the production server: a body over the size limit is refused with 413 however it is sent — with a
Content-Length, or in chunks without one (once cut short silently and accepted)."""

from __future__ import annotations

import http.client
import json
import re
import uuid

from ..selfcheck_helpers import CALM_ANSWERS
from .submit_load import REFERENCE, production_server

LIMIT = 16 * 1024  # MAX_CONTENT_LENGTH


def chunks(body: bytes, size: int = 1000):
    for start in range(0, len(body), size):
        yield body[start:start + size]


def post(port: int, path: str, body: bytes, content_type: str, chunked: bool, cookie: str = "") -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Content-Type": content_type, "Sec-Fetch-Site": "same-origin", "Cookie": cookie}
        if chunked:
            connection.request("POST", path, body=chunks(body), headers=headers, encode_chunked=True)
        else:
            connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def phone_body(notes: str) -> bytes:
    return json.dumps({"idempotency_key": str(uuid.uuid4()), "consent": True,
                       "answers": {**CALM_ANSWERS, "notes": notes}}).encode()


def test_bodies_over_the_limit_are_refused_with_413_chunked_or_not():
    with production_server(workers=1) as (port, _instance, _env, _pid):
        too_big = phone_body("x" * (LIMIT + 100))
        for chunked in (False, True):
            status, _body = post(port, "/en/self-check/submissions", too_big, "application/json", chunked)
            assert status == 413, ("chunked" if chunked else "with a length", status)
        status, body = post(port, "/en/self-check/submissions", phone_body("fine"), "application/json", chunked=True)
        assert status == 200 and re.fullmatch(rb'\{"reference":"[A-Z0-9]{4}-[A-Z0-9]{4}"\}\n?', body)

        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/es/self-check")
        response = connection.getresponse()
        page = response.read().decode()
        cookie = response.getheader("Set-Cookie").split(";", 1)[0]
        connection.close()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        form = "&".join(f"{name}={value}" for name, value in
                        {**CALM_ANSWERS, "csrf_token": token, "idempotency_key": str(uuid.uuid4())}.items())
        status, page = post(port, "/es/self-check", (form + "&notes=" + "y" * LIMIT).encode(),
                            "application/x-www-form-urlencoded", chunked=True, cookie=cookie)
        assert status == 413 and b'lang="es"' in page, "refused with the translated error page"
        status, page = post(port, "/es/self-check", (form + "&consent=y").encode(),
                            "application/x-www-form-urlencoded", chunked=True, cookie=cookie)
        assert status == 200 and REFERENCE.search(page), "a chunked body within the limit is read whole"
