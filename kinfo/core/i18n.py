"""The language registry and locale selection.

``LANGUAGES`` is the one list of shipped languages. The language menu, URLs, hreflang links, catalog
commands, start-up checks and tests all read it; adding a language starts here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from typing import Literal

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from flask import current_app, g, has_request_context, request
from flask_babel import Babel, Domain, get_locale
from werkzeug.routing import BaseConverter

from .config import TRANSLATIONS_DIR


@dataclass(frozen=True)
class Language:
    """One shipped language: how URLs, HTML and Babel name it, and how its text came to be."""

    tag: str  # BCP 47, as it appears in <html lang>
    babel_locale: str  # the catalog folder under translations/
    endonym: str  # the language's name in its own script, for the menu
    direction: Literal["ltr", "rtl"]
    # How the text was made: "source" (written in this language) or "ai" (translated with an AI model against
    # the language's glossary, then read back by two more independent AI sessions: a native review of every
    # entry and a safety reading). Shown on every page of the language.
    translation_method: Literal["source", "ai"]
    medical_review: bool  # has a qualified medical translator reviewed this language?
    # The language's name in English, as a caller says it to an English-speaking phone line to get an
    # interpreter (988 offers interpreters in 240+ languages).
    english_name: str = ""

    @property
    def url_tag(self) -> str:
        """The tag as it appears in URLs: lower-cased (``zh-hans``)."""
        return self.tag.lower()

    @property
    def script_key(self) -> tuple[str, str]:
        """(language, script) after adding likely subtags, used to match Accept-Language."""
        return _language_and_script(self.tag)


SOURCE_LANGUAGE = "en"

LANGUAGES: tuple[Language, ...] = (
    Language("en", "en", "English", "ltr", "source", False, "English"),
    Language("es", "es", "Español", "ltr", "ai", False, "Spanish"),
    Language("zh-Hans", "zh_Hans", "简体中文", "ltr", "ai", False, "Mandarin Chinese"),
    Language("vi", "vi", "Tiếng Việt", "ltr", "ai", False, "Vietnamese"),
    Language("ar", "ar", "العربية", "rtl", "ai", False, "Arabic"),
    Language("ko", "ko", "한국어", "ltr", "ai", False, "Korean"),
    # Babel reads "tl" as Filipino (fil_PH): a catalog folder named tl would never be found, so the URL and
    # <html lang> say tl and the catalog is Babel's fil.
    Language("tl", "fil", "Tagalog", "ltr", "ai", False, "Tagalog"),
    Language("ru", "ru", "Русский", "ltr", "ai", False, "Russian"),
    Language("ht", "ht", "Kreyòl ayisyen", "ltr", "ai", False, "Haitian Creole"),
    Language("fr", "fr", "Français", "ltr", "ai", False, "French"),
    Language("pl", "pl", "Polski", "ltr", "ai", False, "Polish"),
    Language("pt-BR", "pt_BR", "Português (Brasil)", "ltr", "ai", False, "Portuguese"),
    Language("it", "it", "Italiano", "ltr", "ai", False, "Italian"),
    Language("ja", "ja", "日本語", "ltr", "ai", False, "Japanese"),
    Language("de", "de", "Deutsch", "ltr", "ai", False, "German"),
    Language("fa", "fa", "فارسی", "rtl", "ai", False, "Farsi"),
    Language("zh-Hant", "zh_Hant", "繁體中文", "ltr", "ai", False, "Cantonese or Mandarin"),
)

BY_URL_TAG: dict[str, Language] = {language.url_tag: language for language in LANGUAGES}
DEFAULT = BY_URL_TAG[SOURCE_LANGUAGE]


def translated_languages() -> tuple[Language, ...]:
    """Languages that ship a catalog (every language but the source)."""
    return tuple(language for language in LANGUAGES if language.tag != SOURCE_LANGUAGE)


def _language_and_script(tag: str) -> tuple[str, str]:
    """Maximise a tag with CLDR likely subtags: zh-CN → (zh, Hans), zh-TW → (zh, Hant), es-MX → (es, Latn)."""
    try:
        locale = Locale.parse(tag.replace("-", "_"))
    except (ValueError, TypeError, LookupError, UnknownLocaleError):
        return (tag.split("-")[0].lower(), "")
    if locale.script:
        return (locale.language, locale.script)
    likely = get_global("likely_subtags")
    for key in (f"{locale.language}_{locale.territory}" if locale.territory else None, locale.language):
        if key and key in likely:
            return (locale.language, Locale.parse(likely[key]).script or "")
    return (locale.language, "")


_BY_SCRIPT_KEY = {language.script_key: language for language in LANGUAGES}


def match_tag(tag: str) -> Language | None:
    """The shipped language a browser's language tag falls back to, or None (es-MX → es, zh-SG → zh-Hans)."""
    tag = tag.strip()
    if not tag or tag == "*":
        return None
    exact = BY_URL_TAG.get(tag.lower())
    if exact:
        return exact
    return _BY_SCRIPT_KEY.get(_language_and_script(tag))


def negotiate() -> Language:
    """Choose a language for a request with none in its URL: remembered choice, then Accept-Language.

    Outside a request (a command rendering text) it is the source language."""
    if not has_request_context():
        return DEFAULT
    remembered = BY_URL_TAG.get(request.cookies.get(current_app.config["LANGUAGE_COOKIE"], ""))
    if remembered:
        return remembered
    for value, _quality in request.accept_languages:  # werkzeug sorts by quality, best first
        language = match_tag(value)
        if language:
            return language
    return DEFAULT


def text_key() -> tuple[str, Locale | None]:
    """What text rendered now depends on, for caches of rendered text: the page's language (direction,
    links) and the locale its strings are translated in. The two differ only inside force_locale."""
    return current_language().tag, get_locale()


def current_language() -> Language:
    """The language of this request: from the URL when it has one, else negotiated."""
    language = g.get("language")
    if language is None:
        language = g.language = negotiate()
    return language


class LanguageConverter(BaseConverter):
    """Matches only shipped language tags, lower-cased, so unknown tags fall through to the 404 page."""

    def __init__(self, url_map):
        super().__init__(url_map)
        self.regex = "(?:" + "|".join(sorted((tag for tag in BY_URL_TAG), key=len, reverse=True)) + ")"

    def to_python(self, value: str) -> Language:
        return BY_URL_TAG[value]

    def to_url(self, value: Language | str) -> str:
        return value.url_tag if isinstance(value, Language) else str(value).lower()


@cache
def _babel_locale(language: Language) -> Locale:
    """The language's Babel locale, parsed once (Flask-Babel parses whatever the selector returns, on every
    request, unless it is a Locale already). An unknown locale is reported by ``check_catalogs``."""
    return Locale.parse(language.babel_locale)


def _select_locale() -> Locale:
    return _babel_locale(current_language())


class _CatalogPerLocale(Domain):
    """Flask-Babel's message domain, with each locale's catalog found in one dictionary lookup.

    Flask-Babel's own lookup builds a string key from the locale for every translated string (dozens on a
    page). The locale still comes from Flask-Babel's ``get_locale()`` every time, so a handout's
    ``force_locale`` column or a ``refresh()`` switches the catalog at once.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.catalogs: dict[Locale, object] = {}

    def get_translations(self):
        locale = get_locale()
        if locale is None:  # outside an app context: Flask-Babel's own fallback
            return super().get_translations()
        catalog = self.catalogs.get(locale)
        if catalog is None:
            catalog = self.catalogs[locale] = super().get_translations()
        return catalog


class _Babel(Babel):
    @cached_property
    def domain_instance(self) -> Domain:
        return _CatalogPerLocale(domain=self.domain)


def check_catalogs() -> list[str]:
    """Problems with the registry against the compiled catalogs on disk (an empty list when all is well)."""
    problems = []
    for language in translated_languages():
        po = TRANSLATIONS_DIR / language.babel_locale / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        if not po.exists():
            problems.append(f"{language.tag}: no catalog at {po.relative_to(TRANSLATIONS_DIR.parent)}")
        elif not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            problems.append(f"{language.tag}: {mo.name} is missing or older than {po.name}")
        try:
            Locale.parse(language.babel_locale)
        except (ValueError, LookupError, UnknownLocaleError) as error:
            problems.append(f"{language.tag}: Babel does not know locale {language.babel_locale}: {error}")
    return problems


def init_app(app) -> None:
    """Register the ``lang`` URL converter, Flask-Babel and the template globals every page needs."""
    problems = check_catalogs()
    if problems:
        # Serving now would show English on pages that claim another language. The commands still work
        # (`flask translate compile` is the fix), but no page is served until the catalogs are built.
        app.logger.error("Not serving: %s. Build them: `python -m kinfo.core.catalogs` (or `flask --app app "
                         "translate compile`).", "; ".join(problems))

        @app.before_request
        def _refuse_without_catalogs():
            return ("The site's translations are not built: run `python -m kinfo.core.catalogs`.\n", 503,
                    {"Content-Type": "text/plain; charset=utf-8", "Retry-After": "60"})

    app.url_map.converters["lang"] = LanguageConverter
    babel = _Babel(app, locale_selector=_select_locale)
    with app.app_context():
        domain = babel.domain_instance
    # Templates ask the one domain for the current catalog directly (Flask-Babel's own callables look
    # the domain up again for every string).
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: domain.get_translations().ugettext(string),
        ngettext=lambda singular, plural, n: domain.get_translations().ungettext(singular, plural, n),
        pgettext=lambda context, string: domain.get_translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: domain.get_translations().unpgettext(
            context, singular, plural, n),
        newstyle=True,
    )

    @app.url_value_preprocessor
    def _language_from_url(_endpoint, values):
        if values and isinstance(values.get("lang"), Language):
            g.language = values["lang"]

    @app.url_defaults
    def _keep_language(endpoint, values):
        if "lang" not in values and app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values["lang"] = current_language()

    @app.context_processor
    def _language_context():
        return {"languages": LANGUAGES, "language": current_language()}
