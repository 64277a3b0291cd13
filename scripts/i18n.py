"""Keep the translation catalogues in step with the code.

    uv run python scripts/i18n.py update   # extract strings, fill the English catalogue, compile
    uv run python scripts/i18n.py compile  # .po -> .mo only

English is the source language: its catalogue repeats each msgid so that both catalogues can be
checked the same way (tests/web/test_translations.py). French entries are written by hand.

Catalogues: ``src/envol/locale`` holds the shared strings; a domain package that has its own
``locale/`` folder (``src/envol/media/locale``, say) gets its own catalogues, because makemessages
files each string under the nearest ``locale/`` above its source file and Django merges every
installed app's catalogue at run time. Separate catalogues keep parallel work from colliding on
one large .po file.
"""

from __future__ import annotations

import os
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


def compile_all() -> None:
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
