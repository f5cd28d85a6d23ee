"""Helpers for reading rendered pages in tests."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from babel.messages.pofile import read_po

from kinfo.core.catalogs import POT
from kinfo.core.i18n import LANGUAGES


class _TextExtractor(HTMLParser):
    """Collect the text a reader sees, leaving out parts marked with another language's ``lang``."""

    def __init__(self, skip_foreign_lang: str | None = None):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []
        self.page_lang = skip_foreign_lang
        self.hidden_tags = {"script", "style", "title", "head"}

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "meta", "link", "img", "input", "hr"):
            return
        attributes = dict(attrs)
        foreign = bool(self.page_lang and attributes.get("lang") and attributes["lang"] != self.page_lang)
        hidden = tag in self.hidden_tags or foreign or (self.stack and self.stack[-1][1])
        self.stack.append((tag, bool(hidden)))

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        if not (self.stack and self.stack[-1][1]):
            self.parts.append(data)


def visible_text(page_html: str, skip_foreign_for: str | None = None) -> str:
    """The page's visible text with whitespace folded; optionally without passages in other languages."""
    parser = _TextExtractor(skip_foreign_for)
    parser.feed(page_html)
    return re.sub(r"\s+", " ", html.unescape(" ".join(parser.parts))).strip()


PAGE_PARTS = {"pwa.offline_panel"}


def public_page_urls(app) -> list[tuple[str, str]]:
    """Every (endpoint, url) of a GET page that takes a language, for every shipped language."""
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            is_page = ("lang" in rule.arguments and "GET" in rule.methods and len(rule.arguments) == 1
                       and not rule.rule.endswith((".json", ".webmanifest", ".css")))  # data, not pages
            # The menu's redirects are not pages; the offline panel is a part the script puts into pages.
            # The waiting-room tablet's pages are not public pages (tests/selfcheck/test_tablet.py).
            if (is_page and not rule.endpoint.startswith(("languages.", "tablet."))
                    and rule.endpoint not in PAGE_PARTS):
                for language in LANGUAGES:
                    urls.append((rule.endpoint, url_for(rule.endpoint, lang=language)))
    return urls


def english_runs() -> list[str]:
    """Runs of four or more English words from every message, with placeholders and markup cut out."""
    with POT.open("rb") as handle:
        messages = [str(message.id) for message in read_po(handle) if message.id]
    runs = []
    for message in messages:
        for run in re.split(r"%\(\w+\)s|<[^>]+>|[.?!:()]", message):
            if len(run.split()) >= 4:
                runs.append(run.strip())
    return runs


def english_left_in(page_html: str, tag: str) -> list[str]:
    """English sentences still showing on a page that should be entirely in language ``tag``."""
    text = visible_text(page_html, skip_foreign_for=tag)
    return [run for run in english_runs() if run in text]


def sample_url(rule) -> str:
    """A URL for a route, with a sample value for each argument."""
    values = {name: ("en" if name == "lang" else "ABCD-EFGH" if name == "reference" else "x")
              for name in rule.arguments}
    return rule.build(values)[1]
