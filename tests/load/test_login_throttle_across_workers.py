"""Brute force spread over gunicorn workers still hits the limit: the counter lives in the database."""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
import urllib.parse

from .submit_load import ROOT, production_server

PASSWORD = "a long and correct passphrase"


def attempt(port: int, password: str) -> int:
    """One sign-in on a fresh connection (so attempts spread over the workers)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/staff/login")
        response = connection.getresponse()
        page = response.read().decode()
        cookie = response.getheader("Set-Cookie").split(";", 1)[0]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        connection.close()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        body = urllib.parse.urlencode({"csrf_token": token, "email": "lead@clinic.example", "password": password})
        connection.request("POST", "/staff/login", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_the_login_limit_holds_across_all_workers():
    with production_server(workers=4) as (port, _instance, env, _pid):
        created = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "staff", "create",
                                  "lead@clinic.example"], cwd=ROOT, env=env, input=f"{PASSWORD}\n{PASSWORD}\n",
                                 capture_output=True, text=True, timeout=60)
        assert created.returncode == 0, created.stderr
        assert attempt(port, PASSWORD) == 302, "the account works"
        statuses = [attempt(port, "wrong guess number %d" % n) for n in range(12)]
        assert statuses[:5] == [401] * 5
        assert set(statuses[5:]) == {429}, statuses
        assert attempt(port, PASSWORD) == 429, "even the right password waits out the lock"
