"""The gettext catalogs: extract, init, update, compile and check, through Babel's own front end.

``check`` is what keeps a broken or half-done language from shipping: it fails when messages.pot is stale,
when a shipped language has a missing, empty or fuzzy entry, or when a translation's placeholders or
markup differ from the English.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections import Counter
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from .config import PROJECT_ROOT, TRANSLATIONS_DIR
from .i18n import Language, translated_languages

POT = TRANSLATIONS_DIR / "messages.pot"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]|%[sdifr]")
MARKUP = re.compile(r"</?([a-zA-Z][\w-]*)")


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract(output: Path = POT) -> None:
    """Write every translatable message of the code and templates to ``output``."""
    with contextlib.chdir(PROJECT_ROOT):  # locations in the .pot stay relative to the project
        _pybabel(
            "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
            "--add-comments=Translators:", "--sort-by-file", "--project=kinfo",
            "--msgid-bugs-address=translations@kinfo.invalid", "--no-wrap",
            "-o", str(output), ".",  # babel.cfg picks kinfo/ and templates/
        )


def init(language: Language) -> None:
    """Start a catalog for a language of the registry."""
    _pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS_DIR), "-l", language.babel_locale, "--no-wrap")


def update() -> None:
    """Merge messages.pot into every shipped language's catalog (new entries arrive empty or fuzzy)."""
    for language in translated_languages():
        _pybabel("update", "-i", str(POT), "-d", str(TRANSLATIONS_DIR), "-l", language.babel_locale,
                 "--no-wrap", "--ignore-obsolete")


def compile_all() -> None:
    """Build the .mo files the app reads. Fuzzy entries are never compiled in."""
    for language in translated_languages():
        _pybabel("compile", "-d", str(TRANSLATIONS_DIR), "-l", language.babel_locale)


def _ids(path: Path) -> set[tuple[str, str | None]]:
    with path.open("rb") as handle:
        return {(str(message.id), message.context) for message in read_po(handle) if message.id}


def stale_pot_problems() -> list[str]:
    """What a fresh extraction would add to or remove from messages.pot."""
    if not POT.exists():
        return ["translations/messages.pot is missing: run `flask translate extract`"]
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "messages.pot"
        extract(fresh)
        now, committed = _ids(fresh), _ids(POT)
    problems = [f"messages.pot is stale: new message {mid!r}" for mid, _ in sorted(now - committed)]
    problems += [f"messages.pot is stale: message no longer used {mid!r}" for mid, _ in sorted(committed - now)]
    return problems


def _shape(text: str) -> tuple[Counter, Counter]:
    return Counter(PLACEHOLDER.findall(text)), Counter(MARKUP.findall(text))


def language_problems(language: Language) -> list[str]:
    """Missing, empty or fuzzy entries, and placeholder or markup differences, in one language."""
    po_path = TRANSLATIONS_DIR / language.babel_locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return [f"{language.tag}: no catalog (run `flask translate init {language.tag}`)"]
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    with POT.open("rb") as handle:
        template = read_po(handle)
    problems = []
    for source in template:
        if not source.id:
            continue
        message = catalog.get(source.id, source.context)
        label = f"{language.tag}: {str(source.id)[:60]!r}"
        if message is None:
            problems.append(f"{label} is missing")
            continue
        if message.fuzzy:
            problems.append(f"{label} is fuzzy")
        ids = source.id if isinstance(source.id, (list, tuple)) else (source.id,)
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        if not all(s and s.strip() for s in strings):
            problems.append(f"{label} is empty")
            continue
        expected_placeholders, expected_markup = _shape(ids[-1])
        for translated in strings:
            placeholders, markup = _shape(translated)
            if placeholders != expected_placeholders:
                problems.append(f"{label} placeholders differ: {dict(placeholders)} != {dict(expected_placeholders)}")
            if markup != expected_markup:
                problems.append(f"{label} markup differs: {dict(markup)} != {dict(expected_markup)}")
    return problems


def check() -> list[str]:
    """Every reason the catalogs must not ship as they are (an empty list when they may)."""
    problems = stale_pot_problems()
    if POT.exists():
        for language in translated_languages():
            problems += language_problems(language)
    return problems


if __name__ == "__main__":
    # `python -m kinfo.core.catalogs`: the build step of a deployment. It needs no settings and starts no app,
    # so it writes nothing but the .mo files (`flask translate compile` does the same inside the app).
    compile_all()
    print(f"built {len(translated_languages())} catalogs in {TRANSLATIONS_DIR}")
