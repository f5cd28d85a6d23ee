"""Reading what Chromium prints: every glyph's box on every page of its PDF (pdfplumber), glyphs printed over
other glyphs, and the text as poppler reads it. Shared by the handout tests and bench/handouts.py."""

from __future__ import annotations

import io
import logging
import re
import subprocess
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import pdfplumber

# pdfminer warns about every font Chromium embeds without a FontBBox; the boxes it gives are still right.
logging.getLogger("pdfminer").setLevel(logging.ERROR)
PAPERS = ("A4", "Letter")
# Glyph boxes closer than this (in points) are touching, not overlapping: rounding in the PDF's numbers.
TOUCH = 0.5
_CELL = 12.0  # points: glyphs are bucketed by position so only neighbours are compared
_ALEFS = "\u0627\u0623\u0625\u0622"
# The handout's page margins (static/css/handout.css, @page: 15 mm at the top, 12 mm at the bottom), in points:
# the running header and the page number print inside them, the body between them.
TOP_MARGIN = 15 * 72 / 25.4
BOTTOM_MARGIN = 12 * 72 / 25.4
# The running header and the page number print at least this far (points) from the body, well inside the margins.
MARGIN_GUARD = 6


@dataclass(frozen=True)
class Glyph:
    """One printed glyph: its box and baseline (points from the page's top left), size and text."""

    x0: float
    x1: float
    top: float
    bottom: float
    baseline: float
    size: float
    text: str
    mark: bool  # a combining mark (an Arabic vowel sign, say), drawn over its letter on purpose


@dataclass(frozen=True)
class Overlap:
    """Two glyphs printed over each other."""

    page: int
    first: str
    second: str
    where: tuple[float, float]

    def __str__(self) -> str:
        return f"page {self.page}: {self.first!r} over {self.second!r} at x={self.where[0]:.0f}, y={self.where[1]:.0f}"


def print_pdf(page, paper: str) -> bytes:
    """The PDF Chromium prints from ``page`` on ``paper`` (A4 or Letter), after its fonts have loaded."""
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.emulate_media(media="print")
    try:
        return page.pdf(format=paper, print_background=True)
    finally:
        page.emulate_media(media="screen")


class PrintedPdf:
    """A printed PDF, its glyphs read once (pdfplumber is the slow part), its text read by poppler."""

    def __init__(self, data: bytes):
        self.data = data
        with pdfplumber.open(io.BytesIO(data)) as document:
            self.width, self.height = float(document.pages[0].width), float(document.pages[0].height)
            self.pages: list[list[Glyph]] = [
                [Glyph(char["x0"], char["x1"], char["top"], char["bottom"], pdf_page.height - char["matrix"][5],
                       char["size"], char["text"],
                       all(unicodedata.category(ch)[0] == "M" for ch in char["text"]))
                 for char in pdf_page.chars if char["text"].strip()]
                for pdf_page in document.pages]

    def overlaps(self, limit: int = 20) -> list[Overlap]:
        """Glyphs printed over other glyphs, page by page.

        Two glyphs of different lines (baselines more than half a font size apart) overlap when their boxes
        cross. Glyphs on one baseline belong to one line, where marks sit on letters and kerning lets boxes
        touch: there, only two letters (no marks) sharing more than half the narrower one's width are text
        printed over text, which is what a block pulled up onto another line's baseline looks like.
        """
        found = []
        for number, glyphs in enumerate(self.pages, start=1):
            for a, b in _neighbours(glyphs):
                if _over(a, b):
                    found.append(Overlap(number, a.text, b.text, (a.x0, a.top)))
                    if len(found) >= limit:
                        return found
        return found

    def strays(self) -> list[tuple[int, str, float]]:
        """Glyphs (page, text, top) printed at the edge of a page's body, in the margin where neither the
        running header nor the page number prints: what Chromium leaves at the foot of a page when it paints
        a mark that rises above the next page's first line (a hamza, a fatha) on both pages."""
        header_end, footer_start = TOP_MARGIN - MARGIN_GUARD, self.height - BOTTOM_MARGIN + MARGIN_GUARD
        body_top, body_bottom = TOP_MARGIN, self.height - BOTTOM_MARGIN
        # By baseline: a line of the body may have taller glyph boxes than its line (CJK fonts do), never a
        # baseline outside the body.
        return [(number, glyph.text, round(glyph.top, 1)) for number, glyphs in enumerate(self.pages, start=1)
                for glyph in glyphs
                if not body_top <= glyph.baseline <= body_bottom
                and not glyph.bottom <= header_end and not footer_start <= glyph.top]

    def smallest_size(self) -> float:
        """The smallest font size, in points, of any glyph printed."""
        return min(glyph.size for glyphs in self.pages for glyph in glyphs)

    def last_page_filled(self, top_margin: float = TOP_MARGIN, bottom_margin: float = BOTTOM_MARGIN) -> float:
        """How far down the last page's body the text reaches, from 0 (empty) to 1 (full): the room left
        before the handout needs another page."""
        body = [glyph.bottom for glyph in self.pages[-1]
                if top_margin < glyph.top and glyph.bottom < self.height - bottom_margin]
        return (max(body, default=top_margin) - top_margin) / (self.height - top_margin - bottom_margin)

    def texts(self) -> list[str]:
        """Each page's text as poppler's pdftotext reads it (it puts right-to-left text in reading order)."""
        return self._pdftotext()

    def column_text(self) -> str:
        """The text of the left half of every page, then of the right half: one language of a pair (or one
        column of a single language) after the other, so no line of one is read into a sentence of the
        other."""
        half, wide, tall = str(int(self.width // 2)), str(int(self.width) + 1), str(int(self.height) + 1)
        left = self._pdftotext("-x", "0", "-y", "0", "-W", half, "-H", tall)
        right = self._pdftotext("-x", half, "-y", "0", "-W", wide, "-H", tall)
        return "\n".join(left + right)

    def margin_texts(self, top_points: float = TOP_MARGIN - MARGIN_GUARD,
                     bottom_points: float = BOTTOM_MARGIN - MARGIN_GUARD) -> list[tuple[str, str]]:
        """Each page's (top margin, bottom margin) text: the running header and the page number, read from
        a little less than the margins, so no line of the body is read with them."""
        wide = str(int(self.width) + 1)
        top = self._pdftotext("-x", "0", "-y", "0", "-W", wide, "-H", str(int(top_points)))
        bottom = self._pdftotext("-x", "0", "-y", str(int(self.height - bottom_points)), "-W", wide,
                                 "-H", str(int(bottom_points) + 1))
        return list(zip(top, bottom, strict=True))

    def _pdftotext(self, *area: str) -> list[str]:
        result = subprocess.run(["pdftotext", "-enc", "UTF-8", *area, "-", "-"], input=self.data,
                                capture_output=True, check=True)
        return result.stdout.decode().split("\f")[: len(self.pages)]


def _neighbours(glyphs: list[Glyph]) -> Iterator[tuple[Glyph, Glyph]]:
    """Pairs of glyphs near enough to touch, each pair once (glyphs bucketed by position)."""
    buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, glyph in enumerate(glyphs):
        for column in range(int(glyph.x0 // _CELL), int(glyph.x1 // _CELL) + 1):
            for row in range(int(glyph.top // _CELL), int(glyph.bottom // _CELL) + 1):
                buckets[(column, row)].append(index)
    seen: set[tuple[int, int]] = set()
    for indexes in buckets.values():
        for position, i in enumerate(indexes):
            for j in indexes[position + 1:]:
                if (i, j) not in seen:
                    seen.add((i, j))
                    yield glyphs[i], glyphs[j]


def _over(a: Glyph, b: Glyph) -> bool:
    across = min(a.x1, b.x1) - max(a.x0, b.x0)
    down = min(a.bottom, b.bottom) - max(a.top, b.top)
    if across <= TOUCH or down <= TOUCH:
        return False
    if abs(a.baseline - b.baseline) > min(a.size, b.size) / 2:
        return True  # two lines
    return not (a.mark or b.mark) and across > min(a.x1 - a.x0, b.x1 - b.x0) / 2


def comparable(text: str) -> str:
    """Text folded for comparing what was printed with what was written: Arabic presentation forms back to
    letters (NFKC); no spaces, line breaks, punctuation, bidi controls or combining marks (a PDF's text
    may put a mark or a neutral full stop elsewhere in a right-to-left line); and lam-alef in one order
    (a ligature's text comes out as alef-lam)."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] not in "PCM")
    return re.sub(f"\u0644([{_ALEFS}])", lambda match: match.group(1) + "\u0644", text)


def printed(pdf_text: str, phrase: str) -> bool:
    """Whether ``phrase`` is in text read from a PDF (both folded by ``comparable``)."""
    return comparable(phrase) in comparable(pdf_text)


def has_page_number(text: str, number: int, total: int) -> bool:
    """Whether a page's text shows "number / total" (e.g. "2 / 3") as a number of its own."""
    text = re.sub(r"[\u200e\u200f\u2066-\u2069\u202a-\u202e]", "", text)
    return re.search(rf"(?<!\d){number} / {total}(?!\d)", text) is not None
