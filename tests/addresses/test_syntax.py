"""Syntax rules for the parts of an address, text normalisation, and the known-domain lists."""

from __future__ import annotations

import pytest

from envol.addresses import hosts, surroundings
from envol.addresses.syntax import (
    MastodonAddress,
    is_valid_domain,
    is_valid_username,
    normalise_did,
    normalise_domain,
)
from envol.addresses.textnorm import mask_separators, normalise_text

LABEL_63 = "a" * 63


@pytest.mark.parametrize(
    "domain",
    [
        "bsky.social",
        "alice.bsky.social",
        "a.co",
        "xn--mnchen-3ya.de",
        "my-server.example.org",
        "1password.com",  # labels may start with a digit, except the TLD
        f"{LABEL_63}.com",
        ".".join([LABEL_63] * 3) + "." + "b" * 61,  # 253 characters
        "alice.test",
    ],
)
def test_valid_domains(domain: str) -> None:
    assert is_valid_domain(domain)


@pytest.mark.parametrize(
    "domain",
    [
        "localhost",
        "com",
        "127.0.0.1",
        "example.123",  # the TLD must start with a letter
        "example.3com",
        "-alice.bsky.social",
        "alice-.bsky.social",
        "alice..bsky.social",
        ".bsky.social",
        "alice.bsky.social.",
        "under_score.com",
        "a b.com",
        "Alice.com",  # callers lower-case first
        f"{'a' * 64}.com",
        ".".join([LABEL_63] * 3) + "." + "b" * 62,  # 254 characters
        "handle.invalid",
        "server.local",
        "server.localhost",
        "x.onion",
        "in-addr.arpa",
        "alice.example",
        "münchen.de",  # callers encode IDNs first (normalise_domain does)
    ],
)
def test_invalid_domains(domain: str) -> None:
    assert not is_valid_domain(domain)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Example.COM", "example.com"),
        ("münchen.de", "xn--mnchen-3ya.de"),
        ("MÜNCHEN.de", "xn--mnchen-3ya.de"),
        ("bücher.example.org", "xn--bcher-kva.example.org"),
        ("例え.jp", "xn--r8jz45g.jp"),
        ("a..b", None),
        ("\u180b.com", None),  # a label that nameprep maps to nothing
        ("example.com:8080", None),
    ],
)
def test_normalise_domain(text: str, expected: str | None) -> None:
    assert normalise_domain(text) == expected


@pytest.mark.parametrize(
    "user", ["alice", "a", "jane_doe", "_alice", "alice_", "jane.doe", "jane-doe", "a~b", "1234", "x.com"]
)
def test_valid_usernames(user: str) -> None:
    assert is_valid_username(user)


@pytest.mark.parametrize(
    "user",
    ["", "alice smith", ".alice", "alice.", "-alice", "alice-", "~alice", "élodie", "a@b", "a/b", "a:b"],
)
def test_invalid_usernames(user: str) -> None:
    assert not is_valid_username(user)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("did:plc:z72i7hdynmk6r22z27h6tvur", "did:plc:z72i7hdynmk6r22z27h6tvur"),
        ("DID:PLC:Z72I7HDYNMK6R22Z27H6TVUR", "did:plc:z72i7hdynmk6r22z27h6tvur"),
        ("did:web:example.com", "did:web:example.com"),
        ("did:web:münchen.de", "did:web:xn--mnchen-3ya.de"),
        ("did:plc:z72i7hdynmk6r22z27h6tvu", None),  # 23 characters
        ("did:plc:z72i7hdynmk6r22z27h6tvu1", None),  # "1" is not base32
        ("did:web:localhost", None),
        ("did:web:example.com%3A3000", None),
        ("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", None),
        ("alice.bsky.social", None),
    ],
)
def test_normalise_did(text: str, expected: str | None) -> None:
    assert normalise_did(text) == expected


def test_mastodon_address_build_normalises_and_validates() -> None:
    assert MastodonAddress.build("Alice", "München.Social") == MastodonAddress(
        "alice", "xn--mnchen-3ya.social"
    )
    assert MastodonAddress.build("alice smith", "piaille.fr") is None
    assert MastodonAddress.build("alice", "localhost") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("＠ｕ＠ｍａｓｔｏｄｏｎ．ｓｏｃｉａｌ", "@u@mastodon.social"),
        ("𝐀𝐥𝐢𝐜𝐞", "alice"),
        ("ℎ𝑒𝑙𝑙𝑜", "hello"),
        ("a\u200bb\u200cc\u200dd\u2060e\ufeff", "abcde"),
        ("\u202ertl\u202c", "rtl"),
        ("soft\u00adhyphen", "softhyphen"),
        ("❤\ufe0f", "❤"),
        ("MiXeD", "mixed"),
    ],
)
def test_normalise_text(text: str, expected: str) -> None:
    assert normalise_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("🦋alice.bsky.social", " alice.bsky.social"),
        ("(@u@host)!", " @u@host  "),
        ("https://h/@u?x=1#y", "https://h/@u x 1 y"),
        ("a_b~c-d.e:f/g", "a_b~c-d.e:f/g"),
        ("नमस्ते", "नमस्ते"),  # combining vowel signs stay with their letters
        ("a\u1160b", "a b"),  # Hangul filler, used as invisible padding
    ],
)
def test_mask_separators_keeps_positions(text: str, expected: str) -> None:
    masked = mask_separators(text)

    assert masked == expected
    assert len(masked) == len(text)


@pytest.mark.parametrize(
    ("domain", "is_email"),
    [
        ("gmail.com", True),
        ("googlemail.com", True),
        ("yahoo.co.jp", True),
        ("hotmail.fr", True),
        ("free.fr", True),
        ("mail.proton.me", True),
        ("piaille.fr", False),
        ("mastodon.social", False),
        ("freedom.social", False),
        ("gmail", False),  # a TLD alone is no provider
    ],
)
def test_email_domains(domain: str, is_email: bool) -> None:
    assert hosts.is_email_domain(domain) is is_email


def test_silos_are_never_instances_and_x_is_a_handle_only_when_asked() -> None:
    assert not hosts.may_be_instance("mobile.twitter.com")
    assert not hosts.may_be_instance("bsky.social")
    assert hosts.may_be_instance("threads.net")  # Threads federates
    assert not hosts.may_be_handle("x.com")
    assert hosts.may_be_handle("x.com", allow_x=True)
    assert not hosts.may_be_handle("gmail.com", allow_x=True)


@pytest.mark.parametrize(
    ("text", "says_it"),
    [
        ("Mastodon: ", True),
        ("mastodon ", True),
        ("🐘", True),
        ("on the fediverse as ", True),
        ("fédiverse : ", True),
        ("Mastodon/Bluesky: ", True),
        ("Mastodon\n", False),  # another line
        ("mastodonte ", False),
        ("Mastodon, e-mail: ", False),
        ("mastodon is nice, write to ", False),
        ("mastodon @a@b.c ", False),  # another address in between
        ("", False),
    ],
)
def test_fediverse_context(text: str, says_it: bool) -> None:
    norm = normalise_text(text)

    assert surroundings.says_fediverse_before(norm + "x@y.z", len(norm)) is says_it


@pytest.mark.parametrize(
    ("text", "says_it"),
    [
        ("bluesky: ", True),
        ("Bsky → ", True),
        ("🦋", True),
        ("bluesky and my site ", False),
        ("bsky.app/ ", False),
        ("", False),
    ],
)
def test_bluesky_context(text: str, says_it: bool) -> None:
    norm = normalise_text(text)

    assert surroundings.says_bluesky_before(norm + "a.com", len(norm)) is says_it


@pytest.mark.parametrize(
    ("domain", "names_it"),
    [
        ("mastodon.social", True),
        ("mstdn.jp", True),
        ("masto.ai", True),
        ("fediscience.org", True),
        ("social.fedi.example.org", True),
        ("piaille.fr", False),
        ("joinmastodon.org", False),  # a label that merely contains the word
        ("example.mastodon", False),  # the TLD does not count
    ],
)
def test_instance_names_that_say_fediverse(domain: str, names_it: bool) -> None:
    assert surroundings.names_fediverse(domain) is names_it
