"""Syntax of the pieces of an address: domains, Bluesky handles and DIDs, Mastodon usernames.

These checks are purely syntactic (no DNS, no WebFinger): they decide what *can* be an address, so
that later network lookups are only spent on plausible ones.

Internationalised domain names are kept in their ASCII (punycode, ``xn--…``) form. AT Protocol
handles must be ASCII, DNS and WebFinger work on the ASCII form, and one canonical spelling per
domain keeps de-duplication and comparison trivial. The conversion uses Python's built-in ``idna``
codec (IDNA 2003 with nameprep), the only one available without a new dependency; it differs from
IDNA 2008 for a handful of characters (``ß`` becomes ``ss``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DOMAIN_LENGTH = 253
# Every address or domain input is bounded before any parsing (issue #16: 150 KB of CJK letters in
# one form field cost 21 s of IDNA conversion). One typed address in any written form — a profile URL
# with a 253-character domain and a long bridged user name included — fits in MAX_ADDRESS_LENGTH; a
# text searched for addresses (a bio, a website field) is read up to MAX_TEXT_LENGTH characters.
MAX_ADDRESS_LENGTH = 600
MAX_TEXT_LENGTH = 10_000

# DNS label: 1–63 of [a-z0-9-], not starting or ending with "-". The last label (the TLD) must
# start with a letter, as the AT Protocol handle syntax requires; this also rules out IPv4
# addresses, which are never accounts.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_TLD = r"[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOSTNAME_RE = re.compile(rf"(?:{_LABEL}\.)+{_TLD}")

# TLDs that never name a public server (RFC 6761/6762/9476 and the AT Protocol handle spec's list
# of disallowed TLDs). A handle or instance there is a test value, a typo or an SSRF attempt.
RESERVED_TLDS = frozenset({"alt", "arpa", "example", "internal", "invalid", "local", "localhost", "onion"})

# Mastodon itself allows [a-z0-9_] (case-insensitive). Other fediverse servers and Bridgy Fed's
# bridged accounts (``alice.bsky.social@bsky.brid.gy``) also use ".", "-" and "~" inside a name,
# so those are tolerated in the middle. 253 is the longest name a bridged handle can produce.
_USERNAME_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_.~-]{0,251}[a-z0-9_])?")

# did:plc identifiers are 24 characters of lower-case base32; did:web names a bare hostname (the AT
# Protocol allows neither a port nor a path in it).
_DID_PLC_RE = re.compile(r"did:plc:[a-z2-7]{24}")
_DID_WEB_PREFIX = "did:web:"


def is_valid_domain(domain: str) -> bool:
    """Whether `domain` (ASCII, lower case) is a public DNS name usable as a handle or instance.

    At least two labels, each 1–63 of ``[a-z0-9-]`` not starting or ending with ``-``, a TLD that
    starts with a letter and is not reserved, at most 253 characters in all.
    """
    if len(domain) > MAX_DOMAIN_LENGTH or _HOSTNAME_RE.fullmatch(domain) is None:
        return False
    return domain.rpartition(".")[2] not in RESERVED_TLDS


def within(text: str, limit: int) -> bool:
    """Whether `text` is short enough to be parsed at all (see MAX_ADDRESS_LENGTH)."""
    return len(text) <= limit


def bounded_text(text: str) -> str:
    """`text` cut to MAX_TEXT_LENGTH at a space, so that no address is cut in the middle (an
    address has no space in it; a cut one could read as another, shorter, valid address)."""
    if within(text, MAX_TEXT_LENGTH):
        return text
    head = text[:MAX_TEXT_LENGTH]
    cut = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
    return head[:cut] if cut > 0 else ""


def _to_ascii(domain: str) -> str:
    """IDNA (punycode) conversion: the costly step that only ever sees a bounded input."""
    return domain.encode("idna").decode("ascii")


def normalise_domain(text: str) -> str | None:
    """Return `text` as a lower-case ASCII (punycode) domain, or None if it is not a valid one.

    Longer than a domain can be: refused before any conversion (a Unicode name is never longer than
    its punycode form, so nothing valid is lost).
    """
    if not within(text, MAX_DOMAIN_LENGTH):
        return None
    domain = text.lower()
    if not domain.isascii():
        try:
            domain = _to_ascii(domain)
        except UnicodeError:
            return None
    return domain if is_valid_domain(domain) else None


def is_valid_username(user: str) -> bool:
    """Whether `user` (lower case) is a plausible fediverse username (see `_USERNAME_RE`)."""
    return _USERNAME_RE.fullmatch(user) is not None


def normalise_did(text: str) -> str | None:
    """Return `text` as a lower-case ``did:plc:`` or ``did:web:`` DID, or None if it is not one."""
    did = text.lower()
    if _DID_PLC_RE.fullmatch(did):
        return did
    if did.startswith(_DID_WEB_PREFIX):
        domain = normalise_domain(did.removeprefix(_DID_WEB_PREFIX))
        return _DID_WEB_PREFIX + domain if domain else None
    return None


def is_did(identifier: str) -> bool:
    """Whether a Bluesky identifier is a DID rather than a handle."""
    return identifier.startswith("did:")


@dataclass(frozen=True, slots=True, order=True)
class MastodonAddress:
    """A fediverse account address ``user@domain``, already normalised (lower case, punycode)."""

    user: str
    domain: str

    def __str__(self) -> str:
        return f"{self.user}@{self.domain}"

    @classmethod
    def build(cls, user: str, domain: str) -> MastodonAddress | None:
        """Normalise and validate both parts; None when either is not valid."""
        user = user.lower()
        normal_domain = normalise_domain(domain)
        if normal_domain is None or not is_valid_username(user):
            return None
        return cls(user, normal_domain)
