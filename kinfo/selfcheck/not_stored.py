"""The result page of a consented self-check that could not be stored just now (too many at once, or the
database unavailable): the outcome exactly as always, crisis help first; in place of its one-line "not
sent", a notice that says why and when to try again, with a button that sends the same answers again (same
idempotency key, so never twice)."""

from __future__ import annotations

import re

from flask import make_response, render_template
from markupsafe import Markup

from ..core.pagecache import private_page
from ..public.fragments import in_cached_frame
from .questions import Level
from .storage import NotStored

# In the outcome (selfcheck/_result.html) the notice takes the place of the "not sent" line, which follows
# the crisis sections; should that line ever be missing, it goes right after the crisis sections.
NOT_SENT_LINE = re.compile(r'<p class="not-sent">.*?</p>', re.DOTALL)
CRISIS_SECTION = re.compile(r'\s*<section class="crisis-result".*?</section>', re.DOTALL)


def _split_for_notice(outcome: str) -> tuple[str, str]:
    line = NOT_SENT_LINE.search(outcome)
    if line is not None:
        return outcome[:line.start()], outcome[line.end():]
    crisis_end = 0
    while match := CRISIS_SECTION.match(outcome, crisis_end):
        crisis_end = match.end()
    return outcome[:crisis_end], outcome[crisis_end:]


def result_page(refusal: NotStored, sent, answer_rows: list, items: list):
    """The outcome page, answered with the refusal's status (429 or 503) and ``Retry-After``."""
    outcome = render_template("selfcheck/_result.html", reference=None, answer_rows=answer_rows,
                              **{level.name.lower(): [item for item in items if item.flag.level == level]
                                 for level in Level})
    before, after = _split_for_notice(outcome)
    resend = [(name, value) for name, value in sent.items(multi=True) if name != "csrf_token"]
    html = in_cached_frame("selfcheck/result.html", "_not_stored.html", message=refusal.message, resend=resend,
                           before=Markup(before), after=Markup(after))  # noqa: S704 - rendered by our templates
    response = private_page(make_response(html, refusal.status))
    response.headers["Retry-After"] = str(refusal.retry_after)
    return response
