"""Helpers for staff tests: accounts made the way the CLI makes them, and a real sign-in."""

from __future__ import annotations

import re

from kinfo.staff import accounts

PASSWORD = "correct horse battery staple"


def make_account(app, email: str = "nurse@clinic.example", password: str = PASSWORD, language: str = "en") -> str:
    with app.app_context():
        accounts.create(email, password, language)
    return email


def login_token(client) -> str:
    page = client.get("/staff/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def sign_in(client, email: str = "nurse@clinic.example", password: str = PASSWORD, next_path: str | None = None):
    token = login_token(client)
    url = "/staff/login" + (f"?next={next_path}" if next_path is not None else "")
    return client.post(url, data={"csrf_token": token, "email": email, "password": password})


def page_token(client, path: str = "/staff/") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
