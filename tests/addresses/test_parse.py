"""Examples of every written form `find_addresses` reads, and of what it must not read."""

from __future__ import annotations

import json

import pytest

from envol.addresses.parse import (
    AddressReport,
    BridgeDomains,
    MastodonAddress,
    NativeAddress,
    NativeNetwork,
    find_addresses,
    parse_bluesky_identifier,
    parse_mastodon_address,
)

PLC = "did:plc:z72i7hdynmk6r22z27h6tvur"

# (text, expected Mastodon addresses, expected Bluesky identifiers), with fediverse=False.
FORMS: list[tuple[str, list[str], list[str]]] = [
    # Mastodon: @user@host
    ("@alice@piaille.fr", ["alice@piaille.fr"], []),
    ("Toots: @Alice@Mastodon.Social", ["alice@mastodon.social"], []),
    ("@bob@social.sub.example.org", ["bob@social.sub.example.org"], []),
    ("@jane_doe@hachyderm.io", ["jane_doe@hachyderm.io"], []),
    ("@jane.doe@some.server", ["jane.doe@some.server"], []),
    # Mastodon: URLs
    ("https://mastodon.social/@Gargron", ["gargron@mastodon.social"], []),
    ("http://mastodon.social/@gargron/with_replies", ["gargron@mastodon.social"], []),
    ("mastodon.social/@gargron", ["gargron@mastodon.social"], []),
    ("https://mastodon.social/web/@gargron", ["gargron@mastodon.social"], []),
    ("https://mastodon.social/users/Gargron", ["gargron@mastodon.social"], []),
    ("https://mastodon.social/users/gargron/", ["gargron@mastodon.social"], []),
    ("https://mastodon.social/@bob@fosstodon.org", ["bob@fosstodon.org"], []),
    ("https://mastodon.social/web/@bob@fosstodon.org", ["bob@fosstodon.org"], []),
    ("https://mastodon.social/@gargron?lang=fr#top", ["gargron@mastodon.social"], []),
    ("https://mastodon.social/@gargron/112233445566", ["gargron@mastodon.social"], []),
    # Mastodon: user@host, only in fediverse context
    ("Mastodon: alice@piaille.fr", ["alice@piaille.fr"], []),
    ("on mastodon as alice@piaille.fr", ["alice@piaille.fr"], []),
    ("Retrouvez-moi sur le fédivers : alice@piaille.fr", ["alice@piaille.fr"], []),
    ("fedi: alice@piaille.fr", ["alice@piaille.fr"], []),
    ("🐘 alice@piaille.fr", ["alice@piaille.fr"], []),
    ("𝐌𝐚𝐬𝐭𝐨𝐝𝐨𝐧: alice@piaille.fr", ["alice@piaille.fr"], []),
    ("alice@mastodon.social", ["alice@mastodon.social"], []),  # the instance's name says it
    ("alice@mstdn.jp", ["alice@mstdn.jp"], []),
    ("alice@fediscience.org", ["alice@fediscience.org"], []),
    ("mastodon:alice@piaille.fr", ["alice@piaille.fr"], []),
    # Bluesky: profile URLs
    ("https://bsky.app/profile/alice.bsky.social", [], ["alice.bsky.social"]),
    ("bsky.app/profile/jay.bsky.team", [], ["jay.bsky.team"]),
    ("https://bsky.app/profile/Jay.Bsky.Team/post/3kabc", [], ["jay.bsky.team"]),
    (f"https://bsky.app/profile/{PLC}", [], [PLC]),
    (f"bsky.app/profile/{PLC.upper()}", [], [PLC]),
    ("https://bsky.app/profile/did:web:example.com", [], ["did:web:example.com"]),
    ("https://www.bsky.app/profile/@alice.bsky.social", [], ["alice.bsky.social"]),
    # Bluesky: handles and DIDs
    ("@alice.bsky.social", [], ["alice.bsky.social"]),
    ("alice.bsky.social", [], ["alice.bsky.social"]),
    ("@jay.bsky.team", [], ["jay.bsky.team"]),
    ("Suivez @nytimes.com", [], ["nytimes.com"]),
    ("Bluesky: nytimes.com", [], ["nytimes.com"]),
    ("🦋 nytimes.com", [], ["nytimes.com"]),
    (PLC, [], [PLC]),
    (f"did: {PLC}.", [], [PLC]),
    (f"at://{PLC}/app.bsky.feed.post/3k", [], [PLC]),
    ("did:web:alice.example.com", [], ["did:web:alice.example.com"]),
    # Robustness: emoji, decorated letters, invisible characters, punctuation, case
    ("🦋alice.bsky.social", [], ["alice.bsky.social"]),
    ("@u@mastodon.social🐘", ["u@mastodon.social"], []),
    ("✨@alice@piaille.fr✨", ["alice@piaille.fr"], []),
    ("❤️alice.bsky.social❤️", [], ["alice.bsky.social"]),
    ("＠ｕ＠ｍａｓｔｏｄｏｎ．ｓｏｃｉａｌ", ["u@mastodon.social"], []),
    ("𝐚𝐥𝐢𝐜𝐞.𝐛𝐬𝐤𝐲.𝐬𝐨𝐜𝐢𝐚𝐥", [], ["alice.bsky.social"]),
    ("@𝑎𝑙𝑖𝑐𝑒@𝑝𝑖𝑎𝑖𝑙𝑙𝑒.𝑓𝑟", ["alice@piaille.fr"], []),
    ("@ali\u200bce@pia\u200cille.fr", ["alice@piaille.fr"], []),
    ("\ufeffal\u2060ice.bsky\u200d.social", [], ["alice.bsky.social"]),
    ("(@alice@piaille.fr)", ["alice@piaille.fr"], []),
    ("Moi : @alice.bsky.social.", [], ["alice.bsky.social"]),
    ("@alice@piaille.fr, @bob@piaille.fr!", ["alice@piaille.fr", "bob@piaille.fr"], []),
    ("« @alice@piaille.fr »", ["alice@piaille.fr"], []),
    ("https://mastodon.social/@gargron.", ["gargron@mastodon.social"], []),
    ("@ALICE.BSKY.SOCIAL", [], ["alice.bsky.social"]),
    # IDNs: kept as punycode
    ("@alice@münchen.social", ["alice@xn--mnchen-3ya.social"], []),
    ("@MÜNCHEN.de", [], ["xn--mnchen-3ya.de"]),
    ("@alice@xn--mnchen-3ya.social", ["alice@xn--mnchen-3ya.social"], []),
]

# Texts in which nothing is an address.
NOT_ADDRESSES: list[str] = [
    "",
    "   ",
    "journaliste, photographe",
    "@user",
    "follow @jack on X",
    "name@gmail.com",
    "contact: alice@lemonde.fr",
    "alice@piaille.fr",  # no context: an e-mail address
    "press@example.org. Mastodon: soon",  # the word comes after the address
    "Mastodon fan. Contact: alice@piaille.fr",  # an e-mail word is closer than the fediverse one
    "Mastodon, Bluesky, and for everything else write to alice@piaille.fr",  # too far
    "@john@gmail.com",
    "@jane@hotmail.fr",
    "@bob@yahoo.co.jp",
    "@gmail.com",
    "twitter.com/@u",
    "https://twitter.com/@u",
    "x.com/u",
    "https://x.com/u",
    "@jack@twitter.com",
    "@alice@bsky.social",
    "example.com",
    "www.example.com and lemonde.fr",
    "https://example.com/blog",
    "@x.com",
    "medium.com/@author",
    "https://www.youtube.com/@channel",
    "https://pronouns.page/@alice",
    "@u@host:8080",
    "https://mastodon.social:8080/@u",
    "@u@localhost",
    "@u@127.0.0.1",
    "@u@mastodon.local",
    "@alice.invalid",
    "@u@host@other.org",
    "@u@host.org_x",
    "bsky.app/profile/alice.bs…",  # X shortened the link: the handle is cut
    "https://mastodon.social/@gar…",
    "https://stackoverflow.com/users/12345/alice",
    "example.com/users/alice",  # actor URLs need their scheme
    "did:plc:tooshort",
    "did:plc:z72i7hdynmk6r22z27h6tvurx",  # one character too many
    "did:key:z6Mk",
    "u@host",
    "@alice.bsky.social@",
    "a@b@c.d",
    "alice.bsky.social/post",
    "Mastodonte de la presse, alice@piaille.fr",
    "press@joinmastodon.org",  # only an instance name that *starts* with the word says fediverse
]

# (text, Mastodon, Bluesky) when the caller says the text is about the fediverse.
FEDIVERSE_FORMS: list[tuple[str, list[str], list[str]]] = [
    ("alice@piaille.fr", ["alice@piaille.fr"], []),
    ("ALICE@Piaille.FR.", ["alice@piaille.fr"], []),
    ("name@gmail.com", [], []),
    ("alice.bsky.social", [], ["alice.bsky.social"]),
]


@pytest.mark.parametrize(("text", "mastodon", "bluesky"), FORMS)
def test_reads_every_accepted_form(text: str, mastodon: list[str], bluesky: list[str]) -> None:
    report = find_addresses(text)

    assert (list(report.mastodon), list(report.bluesky)) == (mastodon, bluesky)


@pytest.mark.parametrize("text", NOT_ADDRESSES)
def test_reads_nothing_where_there_is_no_address(text: str) -> None:
    assert find_addresses(text) == AddressReport()


@pytest.mark.parametrize(("text", "mastodon", "bluesky"), FEDIVERSE_FORMS)
def test_fediverse_context_from_the_caller(text: str, mastodon: list[str], bluesky: list[str]) -> None:
    report = find_addresses(text, fediverse=True)

    assert (list(report.mastodon), list(report.bluesky)) == (mastodon, bluesky)


def test_a_bio_with_many_addresses_keeps_the_order_of_first_appearance() -> None:
    bio = (
        "Journaliste 🇫🇷 | 🦋 alice.bsky.social | 🐘 @alice@piaille.fr | "
        "https://piaille.fr/@alice | contact: alice@lemonde.fr | @nytimes.com | "
        "bsky.app/profile/alice.bsky.social"
    )

    report = find_addresses(bio)

    assert report.mastodon == ("alice@piaille.fr",)
    assert report.bluesky == ("alice.bsky.social", "nytimes.com")


def test_fediverse_word_applies_to_the_nearest_address_only() -> None:
    report = find_addresses("Mastodon: alice@piaille.fr, contact: presse@lemonde.fr")

    assert report.mastodon == ("alice@piaille.fr",)


def test_bridge_domains_are_configurable() -> None:
    bridges = BridgeDomains(bluesky="bsky.bridge.test", fediverse="ap.bridge.test", web="web.bridge.test")

    report = find_addresses(
        "@alice@piaille.fr bob.piaille.fr.ap.bridge.test x.com@bsky.brid.gy", bridges=bridges
    )

    assert report.mastodon == ("alice@piaille.fr",)  # x.com@bsky.brid.gy: no context for user@host
    assert report.bluesky == ("bob.piaille.fr.ap.bridge.test",)
    assert report.bridged == {"alice@piaille.fr": "alice.piaille.fr.ap.bridge.test"}
    assert report.native == {
        "bob.piaille.fr.ap.bridge.test": NativeAddress(NativeNetwork.MASTODON, "bob@piaille.fr")
    }


def test_report_as_json() -> None:
    text = "@alice@piaille.fr alice.bsky.social x.com@bsky.brid.gy bob.mastodon.social.ap.brid.gy " + PLC

    as_json = find_addresses(text).to_json_dict()

    assert as_json == {
        "mastodon": ["alice@piaille.fr", "x.com@bsky.brid.gy"],
        "bluesky": ["alice.bsky.social", "bob.mastodon.social.ap.brid.gy", PLC],
        "bridged": {
            "alice@piaille.fr": "alice.piaille.fr.ap.brid.gy",
            "alice.bsky.social": "alice.bsky.social@bsky.brid.gy",
        },
        "native": {
            "x.com@bsky.brid.gy": {"network": "bluesky", "handle": "x.com"},
            "bob.mastodon.social.ap.brid.gy": {"network": "mastodon", "handle": "bob@mastodon.social"},
        },
    }
    assert json.loads(json.dumps(as_json)) == as_json
    assert list(as_json) == ["mastodon", "bluesky", "bridged", "native"]


# Bridged addresses are listed on the network where they were found, and unwrapped in `native`.
BRIDGED_FOUND: list[tuple[str, str, str, NativeAddress]] = [
    ("x.com@bsky.brid.gy", "mastodon", "x.com@bsky.brid.gy", NativeAddress(NativeNetwork.BLUESKY, "x.com")),
    (
        "@alice.bsky.social@bsky.brid.gy",
        "mastodon",
        "alice.bsky.social@bsky.brid.gy",
        NativeAddress(NativeNetwork.BLUESKY, "alice.bsky.social"),
    ),
    (
        "https://bsky.brid.gy/@jay.bsky.team",
        "mastodon",
        "jay.bsky.team@bsky.brid.gy",
        NativeAddress(NativeNetwork.BLUESKY, "jay.bsky.team"),
    ),
    (
        "user.instance.social.ap.brid.gy",
        "bluesky",
        "user.instance.social.ap.brid.gy",
        NativeAddress(NativeNetwork.MASTODON, "user@instance.social"),
    ),
    (
        "@jane-doe.hachyderm.io.ap.brid.gy",
        "bluesky",
        "jane-doe.hachyderm.io.ap.brid.gy",
        NativeAddress(NativeNetwork.MASTODON, "jane-doe@hachyderm.io"),  # "-" may have been "_": kept
    ),
    (
        "@example.com@web.brid.gy",
        "mastodon",
        "example.com@web.brid.gy",
        NativeAddress(NativeNetwork.WEB, "example.com"),
    ),
    (
        "example.com.web.brid.gy",
        "bluesky",
        "example.com.web.brid.gy",
        NativeAddress(NativeNetwork.WEB, "example.com"),
    ),
]


@pytest.mark.parametrize(("text", "network", "address", "native"), BRIDGED_FOUND)
def test_bridged_addresses_are_listed_as_found_and_unwrapped(
    text: str, network: str, address: str, native: NativeAddress
) -> None:
    report = find_addresses(text)

    listed = report.mastodon if network == "mastodon" else report.bluesky
    assert listed == (address,)
    assert report.native == {address: native}
    assert report.bridged == {}


# Native addresses found → their Bridgy Fed form on the other network.
BRIDGED_FORMS: list[tuple[str, dict[str, str]]] = [
    ("@alice@piaille.fr", {"alice@piaille.fr": "alice.piaille.fr.ap.brid.gy"}),
    ("@jane_doe@hachyderm.io", {"jane_doe@hachyderm.io": "jane-doe.hachyderm.io.ap.brid.gy"}),
    ("@a~b@tilde.club", {"a~b@tilde.club": "a-b.tilde.club.ap.brid.gy"}),
    ("@_alice@piaille.fr", {}),  # a label cannot start with "-": no Bluesky form
    ("@alice_@piaille.fr", {}),
    ("@nytimes.com", {"nytimes.com": "nytimes.com@bsky.brid.gy"}),
    (PLC, {}),  # a DID's handle is only known through the network
]


@pytest.mark.parametrize(("text", "bridged"), BRIDGED_FORMS)
def test_native_addresses_get_their_bridged_form(text: str, bridged: dict[str, str]) -> None:
    assert find_addresses(text).bridged == bridged


def test_duplicates_in_any_form_are_listed_once() -> None:
    text = (
        "@Alice@Piaille.fr https://piaille.fr/@alice piaille.fr/web/@ALICE "
        "alice.bsky.social @alice.bsky.social bsky.app/profile/ALICE.bsky.social"
    )

    report = find_addresses(text)

    assert report.mastodon == ("alice@piaille.fr",)
    assert report.bluesky == ("alice.bsky.social",)


# parse_mastodon_address: any written form, read as typed into a Mastodon field.
MASTODON_FIELD: list[tuple[str, MastodonAddress | None]] = [
    ("alice@piaille.fr", MastodonAddress("alice", "piaille.fr")),
    (" @Alice@Piaille.fr ", MastodonAddress("alice", "piaille.fr")),
    ("https://piaille.fr/@alice", MastodonAddress("alice", "piaille.fr")),
    ("https://piaille.fr/users/alice", MastodonAddress("alice", "piaille.fr")),
    ("x.com@bsky.brid.gy", MastodonAddress("x.com", "bsky.brid.gy")),
    ("＠ａｌｉｃｅ＠ｐｉａｉｌｌｅ．ｆｒ", MastodonAddress("alice", "piaille.fr")),
    ("alice@gmail.com", None),
    ("alice.bsky.social", None),
    ("alice", None),
    ("alice smith@piaille.fr", MastodonAddress("smith", "piaille.fr")),  # spaces end a name
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), MASTODON_FIELD)
def test_parse_mastodon_address(text: str, expected: MastodonAddress | None) -> None:
    assert parse_mastodon_address(text) == expected


def test_mastodon_address_prints_as_user_at_domain() -> None:
    assert str(MastodonAddress("alice", "piaille.fr")) == "alice@piaille.fr"


# parse_bluesky_identifier: any written form, read as typed into a Bluesky field.
BLUESKY_FIELD: list[tuple[str, str | None]] = [
    ("alice.bsky.social", "alice.bsky.social"),
    ("@Alice.Bsky.Social", "alice.bsky.social"),
    ("nytimes.com", "nytimes.com"),  # the field says Bluesky: a bare domain is a handle
    ("x.com", "x.com"),
    ("https://bsky.app/profile/jay.bsky.team", "jay.bsky.team"),
    (PLC, PLC),
    ("did:web:example.com", "did:web:example.com"),
    ("🦋 alice.bsky.social", "alice.bsky.social"),
    ("alice@piaille.fr", None),
    ("https://piaille.fr/@alice", None),
    ("alice", None),
    ("gmail.com", None),
    ("1.2.3.4", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), BLUESKY_FIELD)
def test_parse_bluesky_identifier(text: str, expected: str | None) -> None:
    assert parse_bluesky_identifier(text) == expected
