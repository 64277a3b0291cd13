"""Find Mastodon and Bluesky addresses in any written form: a bio, a pasted link, a typed address.

Pure: no Django, no network. Output is normalised: lower case, no leading ``@``, Mastodon as
``user@domain``, Bluesky as a handle or a DID (``did:plc:…``, ``did:web:…``), internationalised
domains in punycode (see :mod:`envol.addresses.syntax`), in order of first appearance, without
duplicates.

Forms read (after NFKC folding, removal of invisible characters, emoji and punctuation as
separators, see :mod:`envol.addresses.textnorm`):

- Mastodon: ``@user@host``; ``user@host`` only in fediverse context (``fediverse=True``, a fediverse
  word just before it, an instance whose name says so such as ``mastodon.social``, or a Bridgy Fed
  domain, see :mod:`envol.addresses.surroundings`); profile URLs ``host/@user`` and ``host/web/@user``
  (with or without scheme), ``https://host/users/user`` (ActivityPub actor URL: scheme required and
  nothing after the name, as ``/users/`` is common on other sites), ``host/@user@remote``
  (a remote profile seen from ``host``: the address is ``user@remote``).
- Bluesky: ``bsky.app/profile/<handle or DID>`` (with or without scheme), a DID anywhere,
  ``@domain`` (a domain after ``@`` is a handle: ``@jay.bsky.team``, ``@nytimes.com``), a bare
  domain only when it ends in ``.bsky.social`` or a Bridgy Fed suffix, or right after a Bluesky word
  (``Bluesky: nytimes.com``). A bare ``example.com`` is a web site, not a handle.
- Never: e-mail providers' domains (``name@gmail.com``, ``@gmail.com``), X's domains as an instance
  or as a handle found in text (``@x.com``, ``twitter.com/@u``, ``x.com/u``), a lone ``@user``,
  addresses with a port, URLs that X truncated (ending in ``…``).

Bridged addresses (``x.com@bsky.brid.gy``, ``user.instance.ap.brid.gy``) are valid addresses on the
network where they were found, so they are listed there as found; `AddressReport.native` says whose
they are. `AddressReport.bridged` gives, for each native address, its Bridgy Fed form on the other
network (except DIDs, whose handle only the network knows, and user names that cannot be bridged).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypedDict

from envol.addresses.bridgy import (
    DEFAULT_BRIDGES,
    BridgeDomains,
    NativeAddress,
    NativeNetwork,
    to_bridgy_bluesky,
    to_bridgy_mastodon,
    unwrap_bridged,
)
from envol.addresses.readers import Found, Network, read
from envol.addresses.syntax import MAX_ADDRESS_LENGTH, MastodonAddress, is_did, within

__all__ = [
    "DEFAULT_BRIDGES",
    "AddressReport",
    "AddressReportJSON",
    "BridgeDomains",
    "MastodonAddress",
    "NativeAddress",
    "NativeNetwork",
    "find_addresses",
    "parse_bluesky_identifier",
    "parse_mastodon_address",
    "to_bridgy_bluesky",
    "to_bridgy_mastodon",
    "unwrap_bridged",
]


class NativeJSON(TypedDict):
    network: str
    handle: str


class AddressReportJSON(TypedDict):
    """The JSON shape printed by ``envol address``."""

    mastodon: list[str]
    bluesky: list[str]
    bridged: dict[str, str]
    native: dict[str, NativeJSON]


@dataclass(frozen=True, slots=True)
class AddressReport:
    """Every address found in a text, normalised, in order of first appearance, de-duplicated."""

    mastodon: tuple[str, ...] = ()
    bluesky: tuple[str, ...] = ()
    bridged: Mapping[str, str] = field(default_factory=dict)  # native address → its Bridgy Fed form
    native: Mapping[str, NativeAddress] = field(default_factory=dict)  # bridged address → whose it is

    def to_json_dict(self) -> AddressReportJSON:
        """Plain lists and dicts, ready for ``json.dumps`` (keys in order of appearance)."""
        return {
            "mastodon": list(self.mastodon),
            "bluesky": list(self.bluesky),
            "bridged": dict(self.bridged),
            "native": {
                address: {"network": str(who.network), "handle": who.handle}
                for address, who in self.native.items()
            },
        }


def _bridged_form(found: Found, bridges: BridgeDomains) -> str | None:
    """`found`'s Bridgy Fed form on the other network, or None when there is none offline."""
    try:
        if found.network == "mastodon":
            return to_bridgy_bluesky(found.as_mastodon(), bridges=bridges)
        return None if is_did(found.address) else to_bridgy_mastodon(found.address, bridges=bridges)
    except ValueError:  # a user name Bridgy Fed cannot map to a handle label
        return None


def find_addresses(
    text: str, *, fediverse: bool = False, bridges: BridgeDomains = DEFAULT_BRIDGES
) -> AddressReport:
    """Every Mastodon and Bluesky address in `text` (a bio, a link, a typed address); never raises.

    `fediverse` says the text is known to be about the fediverse (a "Mastodon address" field), so
    ``user@host`` is read as an address even without a fediverse word around it.
    """
    lists: dict[Network, dict[str, None]] = {"mastodon": {}, "bluesky": {}}
    bridged: dict[str, str] = {}
    native: dict[str, NativeAddress] = {}
    for found in read(text, fediverse=fediverse, bridges=bridges):
        if found.address in lists[found.network]:
            continue
        lists[found.network][found.address] = None
        if (behind := unwrap_bridged(found.address, bridges=bridges)) is not None:
            native[found.address] = behind
        elif (form := _bridged_form(found, bridges)) is not None:
            bridged[found.address] = form
    return AddressReport(
        mastodon=tuple(lists["mastodon"]), bluesky=tuple(lists["bluesky"]), bridged=bridged, native=native
    )


def parse_mastodon_address(text: str) -> MastodonAddress | None:
    """The first Mastodon address in `text`, read as typed into a Mastodon field.

    Any written form is accepted (``@u@host``, ``u@host``, profile and actor URLs, decorated text);
    e-mail providers' domains are still refused. Longer than any address (MAX_ADDRESS_LENGTH): None.
    """
    if not within(text.strip(), MAX_ADDRESS_LENGTH):
        return None
    for found in read(text, fediverse=True):
        if found.network == "mastodon":
            return found.as_mastodon()
    return None


def parse_bluesky_identifier(text: str) -> str | None:
    """The first Bluesky handle or DID in `text`, read as typed into a Bluesky field.

    Any written form is accepted (``@handle``, ``handle``, ``bsky.app/profile/…``, a DID); since the
    field says Bluesky, a bare domain such as ``nytimes.com`` is a handle here. Longer than any
    address (MAX_ADDRESS_LENGTH): None.
    """
    if not within(text.strip(), MAX_ADDRESS_LENGTH):
        return None
    for found in read(text, bluesky=True):
        if found.network == "bluesky":
            return found.address
    return None
