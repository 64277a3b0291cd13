"""Read each address-shaped stretch of a text as an address, or reject it.

The rules are documented for callers in :mod:`envol.addresses.parse`; this module applies them
to the shapes found by :mod:`envol.addresses.scanner`, one reader per written form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from envol.addresses import hosts, surroundings
from envol.addresses.bridgy import DEFAULT_BRIDGES, BridgeDomains
from envol.addresses.scanner import Form, Shape, find_shapes
from envol.addresses.syntax import MastodonAddress, bounded_text, is_did, normalise_did, normalise_domain
from envol.addresses.textnorm import mask_separators, normalise_text

Network = Literal["mastodon", "bluesky"]

# A link that X shortened for display ends in "…" (NFKC: "..."): the address in it is cut.
_TRUNCATION_MARK = "..."


@dataclass(frozen=True, slots=True)
class Found:
    """One address read in a text."""

    network: Network
    address: str  # normalised: user@domain, a handle or a DID

    def as_mastodon(self) -> MastodonAddress:
        """The address split into its parts (only for a Mastodon address)."""
        user, _, domain = self.address.partition("@")
        return MastodonAddress(user, domain)


@dataclass(frozen=True, slots=True)
class _Reading:
    """What the reader knows besides the shape itself."""

    norm: str  # the normalised text, for context words
    fediverse: bool  # the caller says the text is about the fediverse
    bluesky: bool  # the caller says the text is a Bluesky identifier
    bridges: BridgeDomains


def _trim_host(host: str) -> str:
    """A host cannot end with "." or "-": those are the sentence around it."""
    return host.rstrip(".-")


def _trim_user(user: str) -> str:
    """A user name at the end of a URL cannot end with ".", "-" or "~" either."""
    return user.rstrip(".-~")


def _mastodon(user: str, host: str) -> Found | None:
    address = MastodonAddress.build(user, _trim_host(host))
    if address is None or not hosts.may_be_instance(address.domain):
        return None
    return Found("mastodon", str(address))


def _bluesky_domain(host: str, reading: _Reading) -> Found | None:
    handle = normalise_domain(_trim_host(host))
    if handle is None or not hosts.may_be_handle(handle, allow_x=reading.bluesky):
        return None
    return Found("bluesky", handle)


def _bluesky_identifier(text: str, reading: _Reading) -> Found | None:
    if is_did(text):
        did = normalise_did(text)
        return Found("bluesky", did) if did else None
    return _bluesky_domain(text, reading)


def _says_fediverse(domain: str, start: int, reading: _Reading) -> bool:
    bridges = reading.bridges
    return (
        reading.fediverse
        or domain in (bridges.bluesky, bridges.web)
        or surroundings.names_fediverse(domain)
        or surroundings.says_fediverse_before(reading.norm, start)
    )


def _read_account(shape: Shape, reading: _Reading) -> Found | None:
    found = _mastodon(shape.part("user"), shape.part("host"))
    if found is None or shape.part("at"):
        return found
    domain = found.address.partition("@")[2]
    return found if _says_fediverse(domain, shape.start, reading) else None


def _read_profile_url(shape: Shape, reading: _Reading) -> Found | None:
    remote = shape.part("remote")
    if (remote or shape.part("user")).endswith(_TRUNCATION_MARK):
        return None
    home = normalise_domain(_trim_host(shape.part("host")))
    if home is None or not hosts.may_be_instance(home):
        return None
    if remote:
        return _mastodon(shape.part("user"), remote)
    return _mastodon(_trim_user(shape.part("user")), home)


def _read_bluesky_url(shape: Shape, reading: _Reading) -> Found | None:
    identifier = shape.part("id")
    if identifier.endswith(_TRUNCATION_MARK):
        return None
    return _bluesky_identifier(_trim_host(identifier), reading)


def _read_did(shape: Shape, reading: _Reading) -> Found | None:
    return _bluesky_identifier(_trim_host(shape.match.group()), reading)


def _read_at_domain(shape: Shape, reading: _Reading) -> Found | None:
    return _bluesky_domain(shape.part("host"), reading)


def _read_bare_domain(shape: Shape, reading: _Reading) -> Found | None:
    found = _bluesky_domain(shape.part("host"), reading)
    if found is None or reading.bluesky:
        return found
    suffixes = (".bsky.social", "." + reading.bridges.fediverse, "." + reading.bridges.web)
    if found.address.endswith(suffixes) or surroundings.says_bluesky_before(reading.norm, shape.start):
        return found
    return None


_READERS: Mapping[Form, Callable[[Shape, _Reading], Found | None]] = {
    Form.BLUESKY_URL: _read_bluesky_url,
    Form.ACTOR_URL: _read_profile_url,
    Form.PROFILE_URL: _read_profile_url,
    Form.DID: _read_did,
    Form.ACCOUNT: _read_account,
    Form.AT_DOMAIN: _read_at_domain,
    Form.BARE_DOMAIN: _read_bare_domain,
}


def read(
    text: str, *, fediverse: bool = False, bluesky: bool = False, bridges: BridgeDomains = DEFAULT_BRIDGES
) -> Iterator[Found]:
    """Every address in `text`, in text order (duplicates included); only the first MAX_TEXT_LENGTH
    characters of a longer text are read."""
    norm = normalise_text(bounded_text(text))
    reading = _Reading(norm=norm, fediverse=fediverse, bluesky=bluesky, bridges=bridges)
    for shape in find_shapes(mask_separators(norm)):
        if (found := _READERS[shape.form](shape, reading)) is not None:
            yield found
