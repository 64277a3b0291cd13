"""Text normalisation before address scanning: read what a person sees, not how it was typed.

Bios decorate addresses: full-width or "mathematical bold" letters, zero-width characters, emoji
glued to the address, trailing punctuation. Scanning works on a canonical form so that the address
patterns stay simple:

1. invisible characters (zero-width space and joiners, word joiner, BOM, bidi controls, soft hyphen,
   tag characters, emoji variation selectors) are deleted: they may sit anywhere, even inside an
   address, and carry no meaning there;
2. NFKC folds compatibility forms to plain characters (``＠ｕ`` → ``@u``, ``𝐚𝐥𝐢𝐜𝐞`` → ``alice``);
3. everything is lower-cased: every address form Envol reads is case-insensitive;
4. :func:`mask_separators` replaces each character that can never be part of an address (punctuation
   other than ``@ . - _ ~ : /``, symbols such as emoji, control characters) by a space, so a glued
   emoji or a trailing ``)``, ``,`` or ``!`` becomes a word boundary. Masking is one character for
   one character, so a position in the masked text is the same position in the normalised text
   (whose emoji and words the context rules still need).
"""

from __future__ import annotations

import re
import unicodedata

# Format characters (Unicode category Cf) and variation selectors: invisible, so they are noise
# wherever they appear. Listed explicitly rather than tested per character by category: a regex
# pass is much faster on long texts and the list of such characters is stable.
_INVISIBLE_RE = re.compile(
    "[\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufe00-\ufe0f\ufeff\U000e0000-\U000e007f\U000e0100-\U000e01ef]"
)

# Anything that is neither a letter, digit, ``_``, whitespace nor one of the address punctuation
# marks. Combining marks (needed by some scripts in internationalised domain names) are kept by
# `_mask_one`. The Hangul fillers are letters for Unicode but are used as invisible padding.
_NOT_ADDRESS_CHAR_RE = re.compile(r"[^\w\s@.\-~:/]|[\u115f\u1160]")

_KEPT_MARK_CATEGORIES = frozenset({"Mn", "Mc"})


def normalise_text(text: str) -> str:
    """Return `text` without invisible characters, NFKC-folded and lower-cased."""
    visible = _INVISIBLE_RE.sub("", text)
    return unicodedata.normalize("NFKC", visible).lower()


def _mask_one(match: re.Match[str]) -> str:
    char = match.group()
    return char if unicodedata.category(char) in _KEPT_MARK_CATEGORIES else " "


def mask_separators(normalised: str) -> str:
    """Replace every character that cannot belong to an address by a space (same length)."""
    return _NOT_ADDRESS_CHAR_RE.sub(_mask_one, normalised)
