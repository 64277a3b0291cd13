"""Bridgy Fed forms both ways, and unwrapping, without the network."""

from __future__ import annotations

import pytest

from envol.addresses.bridgy import (
    BridgeDomains,
    NativeAddress,
    NativeNetwork,
    to_bridgy_bluesky,
    to_bridgy_mastodon,
    unwrap_bridged,
)
from envol.addresses.syntax import MastodonAddress

BLUESKY = NativeNetwork.BLUESKY
MASTODON = NativeNetwork.MASTODON
WEB = NativeNetwork.WEB


@pytest.mark.parametrize(
    ("address", "bluesky_form"),
    [
        (MastodonAddress("alice", "piaille.fr"), "alice.piaille.fr.ap.brid.gy"),
        (MastodonAddress("jane_doe", "hachyderm.io"), "jane-doe.hachyderm.io.ap.brid.gy"),
        (MastodonAddress("a~b", "tilde.club"), "a-b.tilde.club.ap.brid.gy"),
        (MastodonAddress("bob", "xn--mnchen-3ya.social"), "bob.xn--mnchen-3ya.social.ap.brid.gy"),
        # bridged addresses are unwrapped first, as Bridgy Fed does
        (MastodonAddress("x.com", "bsky.brid.gy"), "x.com"),
        (MastodonAddress("example.com", "web.brid.gy"), "example.com.web.brid.gy"),
    ],
)
def test_to_bridgy_bluesky(address: MastodonAddress, bluesky_form: str) -> None:
    assert to_bridgy_bluesky(address) == bluesky_form


@pytest.mark.parametrize(
    "address",
    [
        MastodonAddress("_alice", "piaille.fr"),
        MastodonAddress("alice_", "piaille.fr"),
        MastodonAddress("~alice", "piaille.fr"),
        MastodonAddress("a" * 64, "piaille.fr"),  # a handle label holds at most 63 characters
        MastodonAddress("alice", ".".join(c * 60 for c in "abcd") + ".org"),  # > 253 once bridged
    ],
)
def test_to_bridgy_bluesky_refuses_what_bridgy_cannot_map(address: MastodonAddress) -> None:
    with pytest.raises(ValueError, match="cannot be bridged"):
        to_bridgy_bluesky(address)


@pytest.mark.parametrize(
    ("handle", "mastodon_form"),
    [
        ("alice.bsky.social", "alice.bsky.social@bsky.brid.gy"),
        ("@Jay.Bsky.Team", "jay.bsky.team@bsky.brid.gy"),
        ("nytimes.com", "nytimes.com@bsky.brid.gy"),
        # bridged handles are unwrapped first
        ("bob.mastodon.social.ap.brid.gy", "bob@mastodon.social"),
        ("example.com.web.brid.gy", "example.com@web.brid.gy"),
    ],
)
def test_to_bridgy_mastodon(handle: str, mastodon_form: str) -> None:
    assert to_bridgy_mastodon(handle) == mastodon_form


@pytest.mark.parametrize("handle", ["did:plc:z72i7hdynmk6r22z27h6tvur", "alice", "alice@piaille.fr", ""])
def test_to_bridgy_mastodon_needs_a_handle(handle: str) -> None:
    with pytest.raises(ValueError, match="not a Bluesky handle"):
        to_bridgy_mastodon(handle)


@pytest.mark.parametrize(
    ("address", "native"),
    [
        ("x.com@bsky.brid.gy", NativeAddress(BLUESKY, "x.com")),
        ("@X.com@bsky.brid.gy", NativeAddress(BLUESKY, "x.com")),
        (MastodonAddress("alice.bsky.social", "bsky.brid.gy"), NativeAddress(BLUESKY, "alice.bsky.social")),
        ("user.instance.social.ap.brid.gy", NativeAddress(MASTODON, "user@instance.social")),
        ("@user.instance.social.ap.brid.gy", NativeAddress(MASTODON, "user@instance.social")),
        # "-" may have been "_" or "~": it is kept (the ambiguity is in the format itself)
        ("jane-doe.hachyderm.io.ap.brid.gy", NativeAddress(MASTODON, "jane-doe@hachyderm.io")),
        # a dotted user name cannot be told from a longer instance name: the first label is the user
        ("jane.doe.some.server.ap.brid.gy", NativeAddress(MASTODON, "jane@doe.some.server")),
        ("@example.com@web.brid.gy", NativeAddress(WEB, "example.com")),
        ("example.com.web.brid.gy", NativeAddress(WEB, "example.com")),
        ("blog.example.com.web.brid.gy", NativeAddress(WEB, "blog.example.com")),
    ],
)
def test_unwrap_bridged(address: str | MastodonAddress, native: NativeAddress) -> None:
    assert unwrap_bridged(address) == native


@pytest.mark.parametrize(
    "address",
    [
        "alice@piaille.fr",
        "alice.bsky.social",
        "ap.brid.gy",  # the bridge's own account, not a bridged one
        "bsky.brid.gy",
        "instance.ap.brid.gy",  # no user part
        "com.web.brid.gy",  # not a domain
        "alice@bsky.brid.gy",  # "alice" is not a handle
        "a@b@bsky.brid.gy",
        MastodonAddress("alice", "piaille.fr"),
        "",
    ],
)
def test_unwrap_bridged_leaves_native_addresses(address: str | MastodonAddress) -> None:
    assert unwrap_bridged(address) is None


def test_bridge_domains_are_configurable() -> None:
    bridges = BridgeDomains(bluesky="bsky.bridge.test", fediverse="ap.bridge.test", web="web.bridge.test")

    assert to_bridgy_mastodon("alice.bsky.social", bridges=bridges) == "alice.bsky.social@bsky.bridge.test"
    assert to_bridgy_bluesky(MastodonAddress("bob", "piaille.fr"), bridges=bridges) == (
        "bob.piaille.fr.ap.bridge.test"
    )
    assert unwrap_bridged("bob.piaille.fr.ap.bridge.test", bridges=bridges) == NativeAddress(
        MASTODON, "bob@piaille.fr"
    )
    assert unwrap_bridged("bob.piaille.fr.ap.brid.gy", bridges=bridges) is None
