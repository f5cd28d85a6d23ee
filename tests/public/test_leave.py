"""Leave this page: a link on every patient page to a neutral page the clinic chooses; by default our own
empty page, which names nothing, requests nothing and is kept in every offline copy."""

from __future__ import annotations

import re

import pytest

from kinfo import create_app
from kinfo.core.config import ConfigurationError
from kinfo.core.i18n import LANGUAGES

from ..conftest import TEST_SECRET
from ..pages import public_page_urls, visible_text

LEAVE_LINK = re.compile(r'<a class="leave-button" href="([^"]+)" rel="nofollow noreferrer" data-leave>([^<]+)</a>')


def test_every_patient_page_offers_a_way_to_leave_before_anything_else(app, client):
    for _endpoint, url in [*public_page_urls(app), ("errors", "/vi/no-such-page"), ("handouts", "/en/handouts")]:
        page = client.get(url).get_data(as_text=True)
        link = LEAVE_LINK.search(page)
        assert link and link.group(1) == "/leave", url
        assert page.index("data-leave") < page.index('<header class="site-header"'), "first, after the skip link"


def test_staff_pages_have_no_leave_link(client):
    assert "data-leave" not in client.get("/staff/login").get_data(as_text=True)


def test_the_neutral_page_names_nothing_and_fetches_nothing(app, client):
    response = client.get("/leave")
    assert response.status_code == 200 and "public" in response.headers["Cache-Control"]
    assert response.headers["X-Robots-Tag"] == "noindex"
    page = response.get_data(as_text=True)
    assert visible_text(page) == ""
    assert not re.search(r"(src|href)=", page), "no script, style, icon or link"
    for word in ("ketamine", "Ketamine", app.config["CLINIC_NAME"], "kinfo"):
        assert word not in page


def test_the_neutral_page_is_in_every_offline_copy(client):
    for language in LANGUAGES:
        urls = [item["url"] for item in client.get(f"/{language.url_tag}/offline-bundle.json").json["files"]]
        assert "/leave" in urls


def test_a_clinic_can_send_leavers_to_an_everyday_site(make_app):
    client = make_app(LEAVE_URL="https://www.bbc.co.uk/weather").test_client()
    link = LEAVE_LINK.search(client.get("/es/").get_data(as_text=True))
    assert link.group(1) == "https://www.bbc.co.uk/weather"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "//evil.example/", "data:text/html,hi", "leave", "",
                                 "https://", 'https://example.org/"><script>', None])
def test_a_leave_address_that_is_not_a_path_or_a_web_address_stops_the_app(tmp_path, url):
    with pytest.raises(ConfigurationError, match="LEAVE_URL"):
        create_app({"ENV": "test", "SECRET_KEY": TEST_SECRET, "LEAVE_URL": url}, instance_path=str(tmp_path))
