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


def test_extraction_finds_the_strings(extracted: set[str]) -> None:
    assert "Leave X, keep your people" in extracted
    assert len(extracted) > 50


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated(extracted: set[str], language: str) -> None:
    translated = {
        e.msgid for e in _entries(language) if (e.msgstr or e.msgstr_plural.get(0)) and "fuzzy" not in e.flags
    }
    missing = sorted(extracted - translated)
    assert not missing, f"untranslated in {language} (run scripts/i18n.py update): {missing[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language: str) -> None:
    for entry in _entries(language):
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        for text in [entry.msgstr] if not entry.msgid_plural else entry.msgstr_plural.values():
            # A singular may say "one" in words instead of its count (French: "l'abonnement").
            found = sorted(PLACEHOLDER.findall(text))
            assert found == expected or (entry.msgid_plural and set(found) <= set(expected)), entry.msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_source(language: str) -> None:
    for catalogue in _catalogues(language):
        mo = Path(catalogue.fpath).with_suffix(".mo")
        with mo.open("rb") as handle:
            compiled = gettext.GNUTranslations(handle)
        for entry in catalogue:
            if not entry.msgid or entry.obsolete:
                continue
            if entry.msgid_plural:
                shown = compiled.ngettext(entry.msgid, entry.msgid_plural, 5)
                wanted = entry.msgstr_plural[len(entry.msgstr_plural) - 1]
            elif entry.msgctxt:
                shown, wanted = compiled.pgettext(entry.msgctxt, entry.msgid), entry.msgstr
            else:
                shown, wanted = compiled.gettext(entry.msgid), entry.msgstr
            assert shown == wanted, f"{mo} is stale: run i18n.py compile"


def test_the_source_language_says_what_the_code_says() -> None:
    """English is the source language: a translation that differs from its msgid is a stale guess."""
    for entry in _entries("en"):
        if entry.msgid_plural:
            assert entry.msgstr_plural == {0: entry.msgid, 1: entry.msgid_plural}, entry.msgid
        else:
            assert entry.msgstr == entry.msgid, entry.msgid


def _i18n_script() -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location("i18n_script", PACKAGE.parents[1] / "scripts" / "i18n.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_french_catalogues_are_typeset() -> None:
    """U+202F before ; : ! ? », after «, typographic apostrophes: `scripts/i18n.py compile` sets them."""
    typeset = _i18n_script().french_typography  # type: ignore[attr-defined]
    wrong = [
        entry.msgstr
        for entry in _entries("fr")
        if entry.msgstr != typeset(entry.msgstr)
        or any(text != typeset(text) for text in entry.msgstr_plural.values())
    ]
    assert not wrong, f"run scripts/i18n.py compile: {wrong[:3]}"


def test_the_typesetter_leaves_code_and_tags_alone() -> None:
    typeset = _i18n_script().french_typography  # type: ignore[attr-defined]
    nnbsp = "\u202f"
    assert typeset("Vérifié: l'archive « x » ?") == f"Vérifié{nnbsp}: l’archive «{nnbsp}x{nnbsp}»{nnbsp}?"
    assert typeset("Quoi ?!") == f"Quoi{nnbsp}?!"
    kept = ["<a href=\"x\" title='y'>", "did:plc:abc", "https://a.example/?q=1", "12:30", "%(n)s"]
    assert [typeset(text) for text in kept] == kept


def test_no_string_has_two_french_translations() -> None:
    """Django merges the catalogues: one msgid with two translations shows either, whichever app wins."""
    seen: dict[tuple[str | None, str], str] = {}
    clashes = []
    for entry in _entries("fr"):
        key, text = (entry.msgctxt, entry.msgid), entry.msgstr or str(entry.msgstr_plural)
        if key in seen and seen[key] != text:
            clashes.append(f"{entry.msgid!r}: {seen[key]!r} / {text!r}")
        seen.setdefault(key, text)
    assert not clashes, "\n".join(clashes)
