"""Keep the translation catalogues in step with the code.

    uv run python scripts/i18n.py update   # extract strings, fill the English catalogue, compile
    uv run python scripts/i18n.py compile  # .po -> .mo only

English is the source language: its catalogue repeats each msgid so that both catalogues can be
checked the same way (tests/web/test_translations.py). French entries are written by hand; `update`
and `compile` then set their typography (``french_typography``): a narrow no-break space (U+202F)
before ; : ! ? and », after «, and typographic apostrophes. Nobody types U+202F by hand.

Catalogues: ``src/envol/locale`` holds the shared strings; a domain package that has its own
``locale/`` folder (``src/envol/media/locale``, say) gets its own catalogues, because makemessages
files each string under the nearest ``locale/`` above its source file and Django merges every
installed app's catalogue at run time. Separate catalogues keep parallel work from colliding on
one large .po file.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import polib

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "envol"
LOCALES = ("en", "fr")
SOURCE_LANGUAGE = "en"


def locale_dirs() -> list[Path]:
    """The shared ``locale/`` folder first, then each domain package's own."""
    own = sorted(p for p in PACKAGE.glob("*/locale") if p.is_dir())
    return [PACKAGE / "locale", *own]


def catalogues(language: str) -> list[Path]:
    paths = (d / language / "LC_MESSAGES" / "django.po" for d in locale_dirs())
    return [p for p in paths if p.exists()]


def extract() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "envol.core.settings"}
    args = ["django-admin", "makemessages", "--no-obsolete", "--no-location"]
    for language in LOCALES:
        args += ["-l", language]
    subprocess.run(args, cwd=PACKAGE, env=env, check=True)


def fill_source_language() -> None:
    for path in catalogues(SOURCE_LANGUAGE):
        _fill(polib.pofile(str(path)))


def _fill(po: polib.POFile) -> None:
    for entry in po:
        # Always the msgid itself: makemessages "guesses" a fuzzy msgstr from a similar old string,
        # and a guess would put another sentence on the English pages.
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        else:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.save()


NNBSP = "\u202f"
_TAG = re.compile(r"<[^>]*>")
# A sign used as punctuation: followed by a space, a closing sign or the end ("did:plc", "https://",
# "12:30" and "?a=1" are not punctuation).
_HIGH = re.compile(r"[ \u00a0\u202f]?([;:!?]+)(?=[\s)»”\]]|$)")
_CLOSING = re.compile(r"[ \u00a0\u202f]?»")
_OPENING = re.compile(r"«[ \u00a0\u202f]?")


def _high(found: re.Match[str]) -> str:
    return NNBSP + found.group(1)  # "?!" takes one space, before the first sign


def french_typography(text: str) -> str:
    """French typography for a translated string; HTML tags and placeholders are left as they are."""
    pieces = []
    position = 0
    for tag in _TAG.finditer(text):
        pieces.append(_french_prose(text[position : tag.start()]))
        pieces.append(tag.group())
        position = tag.end()
    pieces.append(_french_prose(text[position:]))
    return "".join(pieces)


def _french_prose(text: str) -> str:
    text = text.replace("'", "\u2019")
    text = _HIGH.sub(_high, text)
    text = _CLOSING.sub(NNBSP + "»", text)
    return _OPENING.sub("«" + NNBSP, text)


def set_french_typography() -> None:
    for path in catalogues("fr"):
        po = polib.pofile(str(path), wrapwidth=79)  # as msgmerge wraps: no diff but the changes
        changed = False
        for entry in po:
            if entry.msgid_plural:
                fixed = {k: french_typography(v) for k, v in entry.msgstr_plural.items()}
                changed |= fixed != entry.msgstr_plural
                entry.msgstr_plural = fixed
            elif entry.msgstr:
                fixed_one = french_typography(entry.msgstr)
                changed |= fixed_one != entry.msgstr
                entry.msgstr = fixed_one
        if changed:
            po.save()


def compile_all() -> None:
    set_french_typography()
    for language in LOCALES:
        for path in catalogues(language):
            polib.pofile(str(path)).save_as_mofile(str(path.with_suffix(".mo")))


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "update"
    if command == "update":
        extract()
        fill_source_language()
    elif command != "compile":
        print(__doc__, file=sys.stderr)
        return 2
    compile_all()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
