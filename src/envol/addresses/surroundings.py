"""Context rules: when do the words around an ambiguous form make it an account address?

Two forms are ambiguous in free text:

- ``user@host`` without a leading ``@`` is usually an e-mail address. It is read as a fediverse
  address only after a fediverse word (``mastodon``, ``masto``, ``mstdn``, ``fedi``,
  ``fediverse``, ``fédivers``…, or 🐘) that comes *before* it on the same line, within
  `FEDIVERSE_WINDOW` characters, with at most `MAX_WORDS_BETWEEN` words in between
  (``Mastodon: alice@piaille.fr``, ``on Mastodon as alice@piaille.fr``), no other address in
  between, and no e-mail word (``mail``, ``contact``, ``courriel``, ✉…) closer to it than the
  fediverse word. Words *after* an address are ignored: in ``press@example.org. Mastodon: @a@b.c``
  the word belongs to what follows.
- a bare domain (``nytimes.com``) is usually a web site. It is read as a Bluesky handle only right
  after a Bluesky word (``bluesky``, ``bsky``, 🦋) with nothing but spaces and punctuation between
  (``Bluesky: nytimes.com``, ``🦋 nytimes.com``).

Matching is done on the normalised (NFKC, lower-case) text, so decorated words count too.
"""

from __future__ import annotations

import re

FEDIVERSE_WINDOW = 48
BLUESKY_WINDOW = 32
MAX_WORDS_BETWEEN = 2

# Whole words only: "mastodonte" (French for a giant) is not "mastodon".
_FEDIVERSE_WORD_RE = re.compile(
    r"(?<!\w)(?:mastodon|masto|mstdn|fedi|fédi|fediverse|fédiverse|fedivers|fédivers|fediverso)(?!\w)|🐘"
)
_EMAIL_WORD_RE = re.compile(r"(?<!\w)(?:(?:e-?)?mail|mailto|courriel|mél|contact)(?!\w)|[✉📧📨📩]")
_BLUESKY_WORD_RE = re.compile(r"(?<!\w)(?:bluesky|bsky)(?!\w)|🦋")
_WORD_RE = re.compile(r"[^\W\d_]+")
_ONLY_SEPARATORS_RE = re.compile(r"[^\w@/]*")

# Instance names that say "fediverse" themselves: a label that starts with it (mastodon.social,
# mstdn.jp, masto.ai, fediscience.org), not merely contains it (press@joinmastodon.org is e-mail).
_FEDIVERSE_HOST_RE = re.compile(r"(?:^|\.)(?:masto|mstdn|fedi)")


def _window_before(norm: str, start: int, size: int) -> str:
    """The text just before `start`, on the same line and after any earlier address.

    Any ``@`` marks an earlier address (or e-mail address): a word before it introduced that one.
    """
    window = norm[max(0, start - size) : start]
    cut = max(window.rfind("\n"), window.rfind("@"))
    return window[cut + 1 :]


def _last(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    matches = list(pattern.finditer(text))
    return matches[-1] if matches else None


def says_fediverse_before(norm: str, start: int) -> bool:
    """Whether a fediverse word introduces the text at `start` (see the module docstring)."""
    window = _window_before(norm, start, FEDIVERSE_WINDOW)
    fediverse = _last(_FEDIVERSE_WORD_RE, window)
    if fediverse is None:
        return False
    email = _last(_EMAIL_WORD_RE, window)
    if email is not None and email.start() > fediverse.start():
        return False
    return len(_WORD_RE.findall(window[fediverse.end() :])) <= MAX_WORDS_BETWEEN


def says_bluesky_before(norm: str, start: int) -> bool:
    """Whether a Bluesky word comes right before `start`, only separators in between."""
    window = _window_before(norm, start, BLUESKY_WINDOW)
    bluesky = _last(_BLUESKY_WORD_RE, window)
    return bluesky is not None and _ONLY_SEPARATORS_RE.fullmatch(window[bluesky.end() :]) is not None


def names_fediverse(domain: str) -> bool:
    """Whether an instance's own name says it is a fediverse server (its TLD aside)."""
    return _FEDIVERSE_HOST_RE.search(domain.rpartition(".")[0]) is not None
