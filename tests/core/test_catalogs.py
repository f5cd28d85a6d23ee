"""Catalogs: `flask translate check` passes today and refuses what must not ship."""

from __future__ import annotations

import shutil

import pytest
from babel.messages.pofile import read_po, write_po

from kinfo.core import catalogs
from kinfo.core.i18n import BY_URL_TAG


def test_flask_translate_check_passes(runner):
    result = runner.invoke(args=["translate", "check"])
    assert result.exit_code == 0, result.output
    assert "catalogs complete" in result.output


@pytest.fixture
def spanish_copy(tmp_path, monkeypatch):
    """A scratch copy of the translations folder, so a test can break the Spanish catalog."""
    copy = tmp_path / "translations"
    shutil.copytree(catalogs.TRANSLATIONS_DIR, copy, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(catalogs, "TRANSLATIONS_DIR", copy)
    monkeypatch.setattr(catalogs, "POT", copy / "messages.pot")
    po_path = copy / "es" / "LC_MESSAGES" / "messages.po"

    def edit(change):
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        change(catalog)
        with po_path.open("wb") as handle:
            write_po(handle, catalog)

    return edit


def _first_with_placeholder(catalog):
    return next(message for message in catalog if message.id and "%(number)s" in str(message.id))


def test_a_fuzzy_entry_fails_the_check(spanish_copy):
    spanish_copy(lambda catalog: _first_with_placeholder(catalog).flags.add("fuzzy"))
    assert any("is fuzzy" in p for p in catalogs.language_problems(BY_URL_TAG["es"]))


def test_an_empty_entry_fails_the_check(spanish_copy):
    def empty(catalog):
        _first_with_placeholder(catalog).string = ""

    spanish_copy(empty)
    assert any("is empty" in p for p in catalogs.language_problems(BY_URL_TAG["es"]))


def test_a_changed_placeholder_fails_the_check(spanish_copy):
    def rename(catalog):
        message = _first_with_placeholder(catalog)
        message.string = message.string.replace("%(number)s", "%(numero)s")

    spanish_copy(rename)
    assert any("placeholders differ" in p for p in catalogs.language_problems(BY_URL_TAG["es"]))


def test_a_missing_entry_fails_the_check(spanish_copy):
    def drop(catalog):
        del catalog[_first_with_placeholder(catalog).id]

    spanish_copy(drop)
    assert any("is missing" in p for p in catalogs.language_problems(BY_URL_TAG["es"]))


def test_a_stale_pot_fails_the_check(spanish_copy):
    pot = catalogs.POT
    with pot.open("rb") as handle:
        template = read_po(handle)
    del template[_first_with_placeholder(template).id]
    with pot.open("wb") as handle:
        write_po(handle, template)
    assert any("messages.pot is stale: new message" in p for p in catalogs.stale_pot_problems())


def test_fuzzy_entries_are_never_compiled_in(spanish_copy, tmp_path):
    spanish_copy(lambda catalog: _first_with_placeholder(catalog).flags.add("fuzzy"))
    catalogs.compile_all()
    from babel.support import Translations

    translations = Translations.load(str(catalogs.TRANSLATIONS_DIR), ["es"])
    with catalogs.POT.open("rb") as handle:
        source = _first_with_placeholder(read_po(handle))
    assert translations.gettext(str(source.id)) == str(source.id)
