"""Sign-in limits under the production server: the counts live in the database, so they hold exactly across
workers — 30 guesses at once get exactly the allowed number of password checks — and someone guessing from
one address never locks the account's owner out at another."""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from .submit_load import ROOT, production_server

PASSWORD = "a long and correct passphrase"
ACCOUNT = "lead@clinic.example"


def connect(port: int, source: str) -> http.client.HTTPConnection:
    """A connection from ``source``: any 127.x.y.z address reaches the server as another client."""
    return http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))


def login_form(port: int, source: str) -> tuple[str, str]:
    """A fresh sign-in page: (session cookie, CSRF token)."""
    connection = connect(port, source)
    try:
        connection.request("GET", "/staff/login")
        response = connection.getresponse()
        page = response.read().decode()
        cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    finally:
        connection.close()
    return cookie, re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def post_login(port: int, form: tuple[str, str], password: str, email: str = ACCOUNT,
               source: str = "127.0.0.1", ready: Barrier | None = None) -> int:
    cookie, token = form
    body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password})
    connection = connect(port, source)  # a fresh connection, so attempts spread over the workers
    try:
        if ready is not None:
            ready.wait()
        connection.request("POST", "/staff/login", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def attempt(port: int, password: str, email: str = ACCOUNT, source: str = "127.0.0.1") -> int:
    return post_login(port, login_form(port, source), password, email, source)


def at_once(port: int, emails_and_passwords: list[tuple[str, str]], source: str) -> list[int]:
    """Every attempt posted at the same moment, each on its own connection."""
    forms = [login_form(port, source) for _ in emails_and_passwords]
    ready = Barrier(len(forms))
    with ThreadPoolExecutor(len(forms)) as pool:
        return list(pool.map(lambda item: post_login(port, item[0], item[1][1], item[1][0], source, ready),
                             zip(forms, emails_and_passwords, strict=True)))


def create_account(env: dict) -> None:
    created = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "staff", "create", ACCOUNT], cwd=ROOT,
                             env=env, input=f"{PASSWORD}\n{PASSWORD}\n", capture_output=True, text=True, timeout=60)
    assert created.returncode == 0, created.stderr


def test_the_login_limit_holds_across_all_workers():
    with production_server(workers=4) as (port, _instance, env, _pid):
        create_account(env)
        assert attempt(port, PASSWORD) == 302, "the account works"
        statuses = [attempt(port, "wrong guess number %d" % n) for n in range(8)]
        assert statuses[:5] == [401] * 5
        assert set(statuses[5:]) == {429}, statuses
        assert attempt(port, PASSWORD) == 429, "the right password from the guessing address waits out the lock"
        assert attempt(port, PASSWORD, source="127.0.0.2") == 302, "its owner, elsewhere, is not locked out"


def test_thirty_guesses_at_once_get_exactly_the_allowed_password_checks():
    """Each attempt is counted with one atomic upsert before its password is checked: 30 at once on 3
    workers give exactly 5 checks (per account from one address) and exactly 8 (per address, lowered from
    20 here so the test checks fewer passwords: argon2 is slow on purpose)."""
    with production_server(workers=3, STAFF_MAX_FAILURES_PER_CLIENT="8") as (port, _instance, env, _pid):
        create_account(env)
        one_account = at_once(port, [(ACCOUNT, f"wrong guess {n}") for n in range(30)], source="127.0.0.3")
        many_accounts = at_once(port, [(f"guess{n}@clinic.example", "wrong guess") for n in range(30)],
                                source="127.0.0.4")
        assert attempt(port, PASSWORD, source="127.0.0.2") == 302, "the owner signs in meanwhile"
    print(f"one account from one address: {sorted(one_account)}; many accounts: {sorted(many_accounts)}")
    assert sorted(one_account) == [401] * 5 + [429] * 25
    assert sorted(many_accounts) == [401] * 8 + [429] * 22
