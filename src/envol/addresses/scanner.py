"""Find the stretches of masked text that have the *shape* of an address, and their parts.

Works on the output of :func:`envol.addresses.textnorm.mask_separators`, where anything that is not a
letter, digit, mark, whitespace or one of ``@ . - _ ~ : /`` is already a space. Shapes are only
structural: whether a shape is an address (valid syntax, known e-mail provider, context) is decided
by :mod:`envol.addresses.parse`.

Each stretch of text is read as one thing: when shapes overlap, the one that starts first wins,
then the longest, then the more specific form (the order of `Form`). So ``did:web:alice.com`` is a
DID, not also the domain ``alice.com``, and ``host/@u@other`` is one profile URL, even when the
winning shape is later rejected (an e-mail address does not leave a domain behind).

Runs use possessive quantifiers (``++``): once a run of name characters is read it is never
re-split, which both avoids backtracking blow-ups and stops ``@user@host_x`` from yielding
``user@host``.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class Form(enum.IntEnum):
    """The written forms of an address, most specific first."""

    BLUESKY_URL = 0  # bsky.app/profile/<handle or DID>
    ACTOR_URL = 1  # https://host/users/user (an ActivityPub actor id)
    PROFILE_URL = 2  # host/@user, host/web/@user, host/@user@remote
    DID = 3  # did:plc:…, did:web:…
    ACCOUNT = 4  # @user@host, user@host
    AT_DOMAIN = 5  # @domain
    BARE_DOMAIN = 6  # domain


# A run of host characters (letters, digits, marks, ".", "-"), validated later.
_HOST = r"[^\s@:/_~]++"
# A run of host characters holding at least one inner dot (a bare word is never an address).
_DOTTED = r"[^\s@:/_~.]++(?:\.[^\s@:/_~.]++)++\.*+"
# A run of user-name characters (host characters plus "_" and "~").
_USER = r"[^\s@:/]++"
# Where an address may start: text start, whitespace, or right after "label:" ("bluesky:@a.com").
_START = r"(?<![^\s:])"
# Also after "/", for the forms that appear inside URLs (at://did:…, host/@u@remote).
_START_OR_PATH = r"(?<![^\s:/])"
# The run must not go on into something else ("@u@host@x", "@u@host_x") nor carry a port.
_END = r"(?![@_~]|:\d)"
# A bare or @-prefixed domain followed by "/" is a URL (x.com/u), not a handle.
_END_DOMAIN = r"(?![@_~/]|:\d)"

_PATTERNS: tuple[tuple[Form, re.Pattern[str]], ...] = (
    (
        Form.BLUESKY_URL,
        re.compile(rf"{_START}(?:https?://)?+(?:www\.)?+bsky\.app/profile/@?+(?P<id>[^\s@/]++)(?!@)"),
    ),
    (
        Form.ACTOR_URL,
        re.compile(rf"{_START}https?://(?P<host>{_HOST})/users/(?P<user>{_USER})/?+(?!\S)"),
    ),
    (
        Form.PROFILE_URL,
        re.compile(
            rf"{_START}(?:https?://)?+(?P<host>{_HOST})/(?:web/)?+@(?P<user>{_USER})"
            rf"(?:@(?P<remote>{_HOST}))?+{_END}"
        ),
    ),
    (
        Form.DID,
        re.compile(rf"{_START_OR_PATH}did:(?:plc:[a-z2-7]{{24}}(?![^\s/:.])|web:{_HOST}{_END})"),
    ),
    (Form.ACCOUNT, re.compile(rf"{_START_OR_PATH}(?P<at>@?+)(?P<user>{_USER})@(?P<host>{_HOST}){_END}")),
    (Form.AT_DOMAIN, re.compile(rf"{_START}@(?P<host>{_DOTTED}){_END_DOMAIN}")),
    (Form.BARE_DOMAIN, re.compile(rf"{_START}(?P<host>{_DOTTED}){_END_DOMAIN}")),
)


@dataclass(frozen=True, slots=True)
class Shape:
    """One stretch of text with the shape of an address written in `form`."""

    form: Form
    match: re.Match[str]

    @property
    def start(self) -> int:
        return self.match.start()

    def part(self, name: str) -> str:
        """A named part of the shape ("" when that optional part is absent)."""
        return self.match.groupdict().get(name) or ""


def find_shapes(masked: str) -> list[Shape]:
    """Every address-shaped stretch of `masked`, in text order, without overlaps."""
    shapes = [Shape(form, match) for form, pattern in _PATTERNS for match in pattern.finditer(masked)]
    shapes.sort(key=lambda shape: (shape.start, -shape.match.end(), shape.form))
    kept: list[Shape] = []
    covered_until = 0
    for shape in shapes:
        if shape.start >= covered_until:
            kept.append(shape)
            covered_until = shape.match.end()
    return kept
