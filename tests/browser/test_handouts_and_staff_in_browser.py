"""Handouts print within their page limits in every language and pair; staff pages are accessible and
hostile free text never runs in a staff member's browser."""

from __future__ import annotations

import subprocess

import pytest
from pypdf import PdfReader

from kinfo.core.i18n import LANGUAGES

from ..selfcheck_helpers import answers, new_key, submit
from ..staff_helpers import PASSWORD, make_account
from .conftest import SCREENSHOTS
from .fonts import missing_characters
from .measure import axe_violations

pytestmark = pytest.mark.browser
PAIRS_WITH_ENGLISH = [("en", lang.url_tag) for lang in LANGUAGES if lang.tag != "en"]


def print_pdf(page, path, paper: str) -> PdfReader:
    page.emulate_media(media="print")
    page.pdf(path=str(path), format=paper, print_background=True)
    page.emulate_media(media="screen")
    return PdfReader(path)


def test_a_handout_fits_two_pages_of_a4_and_letter_with_real_text_and_every_glyph(page, tmp_path, language):
    page.goto(f"/{language.url_tag}/handout")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    assert missing_characters(page.inner_text("body")) == set()
    assert axe_violations(page) == []
    for paper in ("A4", "Letter"):
        reader = print_pdf(page, tmp_path / f"{paper}.pdf", paper)
        assert len(reader.pages) <= 2, f"{language.tag} on {paper}: {len(reader.pages)} pages"
        text = " ".join(p.extract_text() for p in reader.pages)
        assert "Example Infusion Clinic" in text and "988" in text


@pytest.mark.parametrize(("first", "second"), PAIRS_WITH_ENGLISH)
def test_a_bilingual_handout_fits_four_pages(page, tmp_path, first, second):
    page.goto(f"/{first}/handout?with={second}")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    assert missing_characters(page.inner_text("body")) == set()
    for paper in ("A4", "Letter"):
        reader = print_pdf(page, tmp_path / f"{paper}.pdf", paper)
        assert len(reader.pages) <= 4, f"{first}+{second} on {paper}: {len(reader.pages)} pages"
    if second == "ar":
        SCREENSHOTS.mkdir(exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(tmp_path / "A4.pdf"),
                        str(SCREENSHOTS / "handout-en-ar")], check=True)


def test_arabic_beside_english_reads_right_to_left_in_its_column(page):
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto("/en/handout?with=ar")
    page.emulate_media(media="print")
    arabic = page.locator('.handout-column[lang="ar"]')
    assert arabic.evaluate("element => getComputedStyle(element).direction") == "rtl"
    column = arabic.bounding_box()
    paragraph = arabic.locator("#ar-what-it-is p").first.bounding_box()
    english = page.locator('.handout-column[lang="en"]').bounding_box()
    assert english["x"] < column["x"], "English first, Arabic second: side by side"
    assert abs((paragraph["x"] + paragraph["width"]) - (column["x"] + column["width"])) < 2, "text starts at the right"


def test_the_handouts_index_and_staff_pages_pass_axe_and_never_run_hostile_text(page, live_server):
    app = live_server.app
    email = f"axe-{new_key()[:8]}@clinic.example"
    make_account(app, email=email)
    patient = app.test_client()
    response = submit(patient, answers(pregnant="yes", notes="<script>alert(1)</script><img src=x onerror=alert(2)>"),
                      lang="ar", consent=True, key=new_key(), name="<svg onload=alert(3)>{{ 7*7 }}")
    assert response.status_code == 200
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("/handouts")
    assert axe_violations(page) == []
    page.goto("/staff/")
    assert page.url.endswith("/staff/login?next=/staff/")
    assert axe_violations(page) == []
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("table.submissions")
    assert axe_violations(page) == []
    page.locator("table.submissions a").first.click()
    page.wait_for_selector("dl.answers")
    assert axe_violations(page) == []
    assert "<svg onload=alert(3)>{{ 7*7 }}" in page.inner_text("main"), "shown as text"
    page.screenshot(path=str(SCREENSHOTS / "staff-detail.png"), full_page=True)
    assert dialogs == [], "no script from a patient's text ever ran"
