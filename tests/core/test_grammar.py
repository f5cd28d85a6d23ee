"""Each language's grammar: plural forms as Babel's gettext tables give them, dates in the language's own
form. (Digits of every script in number fields are part of the self-check's golden test.)"""

from __future__ import annotations

import gettext as python_gettext
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from flask_babel import force_locale, ngettext

from kinfo.core.catalogs import TRANSLATIONS_DIR
from kinfo.core.content import LAST_REVIEWED
from kinfo.staff.clinic_time import clinic_datetime

COUNTS = (0, 1, 2, 3, 5, 11, 21, 22, 25, 100, 101, 102)
SINGULAR, PLURAL = "%(count)s self-check matches.", "%(count)s self-checks match."

# The form each count takes where a language has more than two (CLDR, as Babel's tables give them).
EXPECTED_FORMS = {
    "ru": {0: 2, 1: 0, 2: 1, 3: 1, 5: 2, 11: 2, 21: 0, 22: 1, 25: 2, 100: 2, 101: 0, 102: 1},
    "pl": {0: 2, 1: 0, 2: 1, 3: 1, 5: 2, 11: 2, 21: 2, 22: 1, 25: 2, 100: 2, 101: 2, 102: 1},
    "ar": {0: 0, 1: 1, 2: 2, 3: 3, 5: 3, 11: 4, 21: 4, 22: 4, 25: 4, 100: 5, 101: 5, 102: 5},
}


def _catalog(language):
    with (TRANSLATIONS_DIR / language.babel_locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def test_each_catalog_has_the_plural_forms_babel_gives_its_locale(translated_language):
    catalog = _catalog(translated_language)
    expected = get_plural(translated_language.babel_locale)
    assert catalog.num_plurals == expected.num_plurals
    assert catalog.plural_expr.replace(" ", "") == expected.plural_expr.replace(" ", "")
    message = catalog.get((SINGULAR, PLURAL))
    assert len(message.string) == expected.num_plurals and all(form.strip() for form in message.string)


def test_each_count_takes_the_form_its_language_gives_it(app, translated_language):
    catalog = _catalog(translated_language)
    choose = python_gettext.c2py(get_plural(translated_language.babel_locale).plural_expr)
    forms = catalog.get((SINGULAR, PLURAL)).string
    expected_forms = EXPECTED_FORMS.get(translated_language.tag)
    with app.test_request_context(f"/{translated_language.url_tag}/"), force_locale(translated_language.babel_locale):
        for count in COUNTS:
            form = choose(count)
            if expected_forms:
                assert form == expected_forms[count], count
            shown = ngettext(SINGULAR, PLURAL, count, count=count)
            assert shown == forms[form] % {"count": count}, count
            assert str(count) in shown, count


def test_the_review_date_is_written_the_way_each_language_writes_dates(client, language):
    page = client.get(f"/{language.url_tag}/").get_data(as_text=True)
    written = format_date(LAST_REVIEWED, "long", locale=language.babel_locale)
    assert written in page
    # A date that ends in an abbreviation ("3 декабря 2026 г.") also ends its sentence: no second full stop
    # after it (the review date, the crisis numbers' date), nor anywhere else ("..." is an ellipsis).
    doubled = re.findall(r"\S*[^\s.]\.\.(?!\.)\S*", re.sub(r"<[^>]+>", " ", page))
    assert doubled == [], doubled
    if language.tag != "en":
        assert written != format_date(LAST_REVIEWED, "long", locale="en")


def test_staff_times_are_in_the_staff_members_language(app, language):
    moment = datetime(2026, 3, 7, 14, 5, tzinfo=UTC)
    with app.test_request_context(f"/{language.url_tag}/"), force_locale(language.babel_locale):
        shown = clinic_datetime(moment)
    zone = ZoneInfo(app.config["CLINIC_TIME_ZONE"])
    assert shown == format_datetime(moment, "medium", tzinfo=zone, locale=language.babel_locale)
    month = format_datetime(moment, "MMM", locale=language.babel_locale)
    assert month in shown or format_datetime(moment, "M", locale=language.babel_locale) in shown
