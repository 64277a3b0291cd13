"""Bridgy Fed address forms, both ways, without any network access.

Bridgy Fed (https://fed.brid.gy) makes an account that opted in visible on the other network:

- a fediverse account ``user@instance`` appears on Bluesky as ``user.instance.ap.brid.gy``, with
  ``_`` and ``~`` in the user part turned into ``-`` (handle labels only allow ``[a-z0-9-]``);
- a Bluesky handle ``handle`` appears on the fediverse as ``handle@bsky.brid.gy``;
- a web site ``example.com`` appears as ``example.com@web.brid.gy`` and ``example.com.web.brid.gy``.

Bridged addresses are unwrapped before translating again, as Bridgy Fed does: the Bluesky form of
``x.com@bsky.brid.gy`` is ``x.com`` itself, not a doubly bridged name.

Unwrapping ``user.instance.ap.brid.gy`` is ambiguous in two ways, both inherent to the format:
a ``-`` may have been ``_`` or ``~`` (it is kept as ``-``), and a user name containing ``.`` cannot
be told from a longer instance name (the first label is taken as the user). Whether the account
really opted in is only known from a WebFinger lookup, which is not this module's job.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from envol.addresses.syntax import MastodonAddress, normalise_domain


@dataclass(frozen=True, slots=True)
class BridgeDomains:
    """The bridge's domains; a deployment may point these at another Bridgy Fed instance."""

    bluesky: str = "bsky.brid.gy"  # Bluesky accounts, seen from the fediverse: ``handle@bsky.brid.gy``
    fediverse: str = "ap.brid.gy"  # fediverse accounts, seen from Bluesky: ``user.instance.ap.brid.gy``
    web: str = "web.brid.gy"  # web sites, seen from both: ``site@web.brid.gy``, ``site.web.brid.gy``


DEFAULT_BRIDGES = BridgeDomains()

# Characters a fediverse user name may hold that a handle label may not; Bridgy Fed maps them to "-".
_TO_HANDLE_LABEL = str.maketrans({"_": "-", "~": "-"})


class NativeNetwork(enum.StrEnum):
    """Where a bridged address really lives."""

    BLUESKY = "bluesky"
    MASTODON = "mastodon"
    WEB = "web"


@dataclass(frozen=True, slots=True)
class NativeAddress:
    """The account behind a bridged address: a Bluesky handle, ``user@instance``, or a domain."""

    network: NativeNetwork
    handle: str


def _strip_at(text: str) -> str:
    return text.strip().lower().removeprefix("@")


def _unwrap_mastodon(user: str, domain: str, bridges: BridgeDomains) -> NativeAddress | None:
    if domain == bridges.bluesky and (handle := normalise_domain(user)):
        return NativeAddress(NativeNetwork.BLUESKY, handle)
    if domain == bridges.web and (site := normalise_domain(user)):
        return NativeAddress(NativeNetwork.WEB, site)
    return None


def _unwrap_handle(handle: str, bridges: BridgeDomains) -> NativeAddress | None:
    if (site := handle.removesuffix("." + bridges.web)) != handle:
        return NativeAddress(NativeNetwork.WEB, site) if normalise_domain(site) else None
    if (wrapped := handle.removesuffix("." + bridges.fediverse)) != handle:
        user, _, instance = wrapped.partition(".")
        address = MastodonAddress.build(user, instance)
        return NativeAddress(NativeNetwork.MASTODON, str(address)) if address else None
    return None


def unwrap_bridged(
    address: str | MastodonAddress, *, bridges: BridgeDomains = DEFAULT_BRIDGES
) -> NativeAddress | None:
    """The native account behind a bridged address, or None if `address` is not a bridged one.

    `address` is a Mastodon address (``x.com@bsky.brid.gy``, a leading ``@`` is allowed) or a
    Bluesky handle (``user.instance.ap.brid.gy``, ``example.com.web.brid.gy``).
    """
    if isinstance(address, MastodonAddress):
        return _unwrap_mastodon(address.user, address.domain, bridges)
    text = _strip_at(address)
    user, at, domain = text.partition("@")
    if at:
        return None if "@" in domain else _unwrap_mastodon(user, domain, bridges)
    return _unwrap_handle(text, bridges)


def to_bridgy_bluesky(address: MastodonAddress, *, bridges: BridgeDomains = DEFAULT_BRIDGES) -> str:
    """The Bluesky handle under which Bridgy Fed shows the fediverse account `address`.

    Raises ValueError when the account cannot be bridged: a user name that starts or ends with
    ``_`` or ``~`` (a handle label cannot start or end with ``-``), or a result that is too long.
    """
    native = unwrap_bridged(address, bridges=bridges)
    if native is not None and native.network is NativeNetwork.BLUESKY:
        return native.handle
    if native is not None:  # a web site bridged to the fediverse
        return f"{native.handle}.{bridges.web}"
    user = address.user.translate(_TO_HANDLE_LABEL)
    handle = normalise_domain(f"{user}.{address.domain}.{bridges.fediverse}")
    if handle is None:
        raise ValueError(f"{address} cannot be bridged to Bluesky")
    return handle


def to_bridgy_mastodon(handle: str, *, bridges: BridgeDomains = DEFAULT_BRIDGES) -> str:
    """The fediverse address (``user@domain``) under which Bridgy Fed shows the Bluesky `handle`.

    Raises ValueError when `handle` is not a valid handle (a DID is not: the bridge names accounts
    by handle, and a DID's handle is only known through the network).
    """
    text = _strip_at(handle)
    normal = normalise_domain(text)
    if normal is None:
        raise ValueError(f"{handle!r} is not a Bluesky handle")
    native = _unwrap_handle(normal, bridges)
    if native is not None and native.network is NativeNetwork.MASTODON:
        return native.handle
    if native is not None:  # a web site bridged to Bluesky
        return f"{native.handle}@{bridges.web}"
    return f"{normal}@{bridges.bluesky}"
