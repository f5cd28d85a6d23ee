"""Handouts as Chromium prints them, on A4 and US Letter: every language alone and every pair of languages
(a daily rotation of pairs once there are many languages) prints within its page limit, at readable sizes,
with every section heading of both languages, a running header and page numbers, and no line printed over
another."""

from __future__ import annotations

import itertools
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from datetime import date

import pytest
from flask_babel import force_locale

from kinfo.core.content import CONTENT_VERSION, SECTIONS, SOURCES
from kinfo.core.i18n import BY_URL_TAG, LANGUAGES

from .fonts import missing_characters
from .printed import PAPERS, PrintedPdf, comparable, has_page_number, print_pdf, printed

pytestmark = pytest.mark.browser

# One language fits 3 pages, a pair 6 (body at 11 pt alone, 10 pt in a pair; sources and notes at 9 pt).
PAGE_LIMIT = {1: 3, 2: 6}
BODY_POINTS = {1: 11, 2: 10}
SMALLEST_POINTS = 9
# Up to this many languages every ordered pair is printed in every run; beyond it, a daily rotation.
ALL_PAIRS_UP_TO = 5


def pairs_for(tags: list[str], day: date, every_pair: bool = False) -> list[tuple[str, str]]:
    """The ordered pairs to print today: all of them for a few languages; otherwise each language once as
    the first and once as the second, its partner shifted by one every day, so every ordered pair is
    printed once in ``len(tags) - 1`` days and the run stays as long as the list of languages."""
    if every_pair or len(tags) <= ALL_PAIRS_UP_TO:
        return list(itertools.permutations(tags, 2))
    shift = 1 + day.toordinal() % (len(tags) - 1)
    return [(tag, tags[(index + shift) % len(tags)]) for index, tag in enumerate(tags)]


def handouts_to_print() -> list[tuple[str, ...]]:
    """Every language alone, then today's pairs (every pair with ``KINFO_EVERY_PAIR=1``)."""
    tags = [language.url_tag for language in LANGUAGES]
    every_pair = os.environ.get("KINFO_EVERY_PAIR") == "1"
    return [(tag,) for tag in tags] + pairs_for(tags, date.today(), every_pair)


def handout_url(tags: tuple[str, ...]) -> str:
    return f"/{tags[0]}/handout" + (f"?with={tags[1]}" if len(tags) > 1 else "")


def section_headings(app, tag: str) -> list[str]:
    """Every printed section's heading in one language, from its catalog (the table of contents is not
    printed)."""
    with app.test_request_context(), force_locale(BY_URL_TAG[tag].babel_locale):
        return [str(section.heading) for section in SECTIONS if section.id != "contents"]


def missing_headings(app, pdf: PrintedPdf, tags: tuple[str, ...]) -> list[str]:
    """Section headings of the handout's languages that are not in the printed text, read one column (one
    language of a pair) at a time."""
    text = pdf.column_text()
    return [heading for tag in tags for heading in section_headings(app, tag) if not printed(text, heading)]


@pytest.fixture(scope="module")
def print_page(browser, live_server):
    """One desktop-sized page, reused for every handout (printing sets its own page size)."""
    context = browser.new_context(viewport={"width": 1000, "height": 800}, base_url=live_server.url)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="module")
def readers():
    """Two processes that read glyphs out of PDFs (pdfplumber takes seconds a PDF; A4 and Letter at once)."""
    # Spawned, not forked: this process runs the browser driver's and the server's threads.
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


@pytest.mark.parametrize("tags", handouts_to_print(), ids="+".join)
def test_a_handout_prints_within_its_pages_readably_and_without_text_over_text(print_page, readers, live_server, tags):
    page = print_page
    page.goto(handout_url(tags))
    assert missing_characters(page.inner_text("main")) == set()
    page.emulate_media(media="print")
    body_points = page.evaluate("""() => [...document.querySelectorAll('.handout section p')]
        .map(p => parseFloat(getComputedStyle(p).fontSize) * 72 / 96)""")
    page.emulate_media(media="screen")
    assert min(body_points) >= BODY_POINTS[len(tags)] - 0.01, "body text in points"
    pdfs = readers.map(PrintedPdf, [print_pdf(page, paper) for paper in PAPERS])
    for paper, pdf in zip(PAPERS, pdfs, strict=True):
        label = f"{'+'.join(tags)} on {paper}"
        assert len(pdf.pages) <= PAGE_LIMIT[len(tags)], f"{label}: {len(pdf.pages)} pages"
        assert pdf.overlaps() == [], f"{label}: text printed over text"
        assert pdf.strays() == [], f"{label}: text at the edge of the margins"
        assert pdf.smallest_size() >= SMALLEST_POINTS - 0.01, f"{label}: type smaller than {SMALLEST_POINTS} pt"
        assert missing_headings(live_server.app, pdf, tags) == [], label
        for number, (header, footer) in enumerate(pdf.margin_texts(), start=1):
            assert has_page_number(footer, number, len(pdf.pages)), f"{label}: no page number on page {number}"
            assert printed(header, "Example Infusion Clinic"), f"{label}: no running header on page {number}"
        columns = pdf.column_text()  # an address that wraps reads on only within its own column
        for source in SOURCES:
            assert printed(columns, source.url), f"{label}: the address of {source.publisher} is printed"
        for tag in tags:
            assert printed(columns, f"http://127.0.0.1/{tag}/"), "the QR code's address is printed"


@pytest.mark.parametrize("pull", ["-2.2em", "-3em"], ids=["across the lines above", "onto the baseline above"])
def test_the_overlap_check_sees_a_section_printed_over_the_one_above(print_page, pull):
    page = print_page
    page.goto(handout_url(("ar", "en")))
    assert PrintedPdf(print_pdf(page, "A4")).overlaps() == []
    # A section pulled up over the one before it: what the old handouts printed on their last page.
    page.evaluate(f"() => {{ document.querySelector('[data-row=summary] .handout-cell').style.marginTop = '{pull}'; }}")
    assert PrintedPdf(print_pdf(page, "A4")).overlaps(), "a section drawn over the one above it must be seen"


def test_the_margin_check_sees_a_glyph_printed_just_below_the_body(print_page):
    page = print_page
    page.goto(handout_url(("ar", "en")))
    assert PrintedPdf(print_pdf(page, "Letter")).strays() == []
    # A mark at the top of the bottom margin, on every page: where Chromium printed the fatha over the first line
    # of one page a second time, at the foot of the page before.
    page.evaluate("""() => { const sheet = [...document.styleSheets].find(sheet => sheet.href.includes('handout.css'));
        sheet.insertRule('@page { @bottom-left { content: "x"; vertical-align: top; } }', sheet.cssRules.length); }""")
    assert PrintedPdf(print_pdf(page, "Letter")).strays(), "a glyph between the body and the page number must be seen"


def test_the_running_header_names_the_clinic_the_title_and_both_languages_on_every_page(print_page):
    page = print_page
    page.goto(handout_url(("ar", "en")))
    pdf = PrintedPdf(print_pdf(page, "Letter"))
    headers = [header for header, _footer in pdf.margin_texts()]
    assert len(headers) >= 2
    for header in headers:
        for phrase in ("Example Infusion Clinic", "Ketamine infusion therapy", "العلاج بتسريب الكيتامين", "English",
                       "العربية"):
            assert printed(header, phrase), phrase
    whole = "\n".join(pdf.texts())
    version = comparable(f"Content version {CONTENT_VERSION}")
    assert comparable(whole).count(version) == 1, "printed once, not on every page"


def test_every_ordered_pair_is_printed_within_a_rotation_of_days():
    tags = [f"l{number}" for number in range(12)]
    seen = set()
    for day in range(len(tags) - 1):
        today = pairs_for(tags, date.fromordinal(800_000 + day))
        assert sorted(first for first, _ in today) == sorted(tags), "each language first once a day"
        assert sorted(second for _, second in today) == sorted(tags), "and second once a day"
        assert all(first != second for first, second in today)
        seen |= set(today)
    assert seen == set(itertools.permutations(tags, 2))
    assert len(pairs_for(tags[:5], date.today())) == 20, "every pair while there are five languages or fewer"
