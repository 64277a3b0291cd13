"""Every string the code marks for translation is translated in English and in French.

The test extracts the strings afresh from a copy of the source (Django's makemessages), so a new
string that nobody added to the catalogues fails here rather than showing up untranslated.
"""

from __future__ import annotations

import gettext
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test import override_settings

import envol

PACKAGE = Path(envol.__file__).resolve().parent
LANGUAGES = ("en", "fr")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    copy = tmp_path_factory.mktemp("src") / "envol"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("locale", "__pycache__", "static"))
    (copy / "locale").mkdir()
    with override_settings(LOCALE_PATHS=[copy / "locale"]), _cwd(copy):
        call_command("makemessages", locale=["fr"], verbosity=0, no_location=True)
    return {
        entry.msgid for entry in polib.pofile(str(copy / "locale/fr/LC_MESSAGES/django.po")) if entry.msgid
    }


class _cwd:
    def __init__(self, path: Path) -> None:
        self.path, self.previous = path, Path.cwd()

    def __enter__(self) -> None:
        import os

        os.chdir(self.path)

    def __exit__(self, *exc: object) -> None:
        import os

        os.chdir(self.previous)


def _catalogues(language: str) -> list[polib.POFile]:
    """The shared catalogue and every domain package's own (see scripts/i18n.py)."""
    folders = [PACKAGE / "locale", *sorted(PACKAGE.glob("*/locale"))]
    paths = (folder / language / "LC_MESSAGES" / "django.po" for folder in folders)
    return [polib.pofile(str(path)) for path in paths if path.exists()]


def _entries(language: str) -> Iterator[polib.POEntry]:
    for catalogue in _catalogues(language):
        yield from (entry for entry in catalogue if entry.msgid and not entry.obsolete)


def _translated(entry: polib.POEntry) -> bool:
    """A singular entry has its msgstr; a plural one (ngettext) has every form."""
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def _forms(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def test_extraction_finds_the_strings(extracted: set[str]) -> None:
    assert "Leave X, keep your people" in extracted
    assert len(extracted) > 50


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated(extracted: set[str], language: str) -> None:
    translated = {e.msgid for e in _entries(language) if _translated(e) and "fuzzy" not in e.flags}
    missing = sorted(extracted - translated)
    assert not missing, f"untranslated in {language} (run scripts/i18n.py update): {missing[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language: str) -> None:
    for entry in _entries(language):
        for form in _forms(entry):
            assert sorted(PLACEHOLDER.findall(entry.msgid)) == sorted(PLACEHOLDER.findall(form)), entry.msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_source(language: str) -> None:
    for catalogue in _catalogues(language):
        mo = Path(catalogue.fpath).with_suffix(".mo")
        with mo.open("rb") as handle:
            compiled = gettext.GNUTranslations(handle)
        for entry in catalogue:
            if entry.msgid and not entry.obsolete:
                if entry.msgid_plural:
                    got = compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
                    assert got == entry.msgstr_plural[0], f"{mo} is stale: run i18n.py compile"
                else:
                    assert compiled.gettext(entry.msgid) == entry.msgstr, (
                        f"{mo} is stale: run i18n.py compile"
                    )


def test_the_source_language_says_what_the_code_says() -> None:
    """English is the source language: a translation that differs from its msgid is a stale guess."""
    for entry in _entries("en"):
        if entry.msgid_plural:
            assert entry.msgstr_plural == {0: entry.msgid, 1: entry.msgid_plural}, entry.msgid
        else:
            assert entry.msgstr == entry.msgid, entry.msgid
