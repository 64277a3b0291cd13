"""French formats: Django's, but thousands are grouped with a narrow no-break space (U+202F), the
space French typography puts there ("12 345"), which never breaks a number across two lines."""

from django.conf.locale.fr.formats import *  # type: ignore[import-untyped]  # noqa: F403 (the rest, unchanged)

THOUSAND_SEPARATOR = "\u202f"
