"""Plain language: the English article reads at US school grade 7 or below."""

from __future__ import annotations

import re

import textstat

from ..pages import visible_text


def test_the_english_article_reads_at_grade_7_or_below(client):
    page = client.get("/en/").get_data(as_text=True)
    article = re.search(r"<article.*?</article>", page, re.S).group(0)
    # Headings count as sentences; the table of contents repeats them, so it is left out.
    article = re.sub(r'<nav id="contents".*?</nav>', "", article, flags=re.S)
    article = re.sub(r"</h[12]>", ".</h2>", article)
    text = visible_text(article)
    grade = textstat.flesch_kincaid_grade(text)
    print(f"Flesch-Kincaid grade of the English article: {grade}")
    assert textstat.lexicon_count(text) > 500, "the whole article was measured"
    assert grade <= 7
