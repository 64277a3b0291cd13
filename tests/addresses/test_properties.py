"""Property tests: any accepted rendering of a valid address reads back as that address."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from envol.addresses import hosts
from envol.addresses.parse import (
    AddressReport,
    MastodonAddress,
    NativeAddress,
    NativeNetwork,
    find_addresses,
    parse_bluesky_identifier,
    parse_mastodon_address,
    to_bridgy_bluesky,
    to_bridgy_mastodon,
    unwrap_bridged,
)
from envol.addresses.syntax import RESERVED_TLDS

# --- valid addresses ---------------------------------------------------------------------------

LABELS = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
TLDS = st.from_regex(r"[a-z][a-z0-9]{1,5}", fullmatch=True).filter(lambda tld: tld not in RESERVED_TLDS)
DOMAINS = st.builds(
    lambda labels, tld: ".".join([*labels, tld]), st.lists(LABELS, min_size=1, max_size=3), TLDS
)


def _not_bridge(domain: str) -> bool:
    return not domain.endswith("brid.gy")


INSTANCES = DOMAINS.filter(hosts.may_be_instance).filter(_not_bridge)
HANDLES = DOMAINS.filter(hosts.may_be_handle).filter(_not_bridge)
BSKY_SOCIAL_HANDLES = LABELS.map(lambda label: f"{label}.bsky.social")
USERS = st.from_regex(r"[a-z0-9_](?:[a-z0-9_.~-]{0,10}[a-z0-9_])?", fullmatch=True)
PLC_DIDS = st.from_regex(r"did:plc:[a-z2-7]{24}", fullmatch=True)

# --- renderings --------------------------------------------------------------------------------

MASTODON_FORMS: list[Callable[[str, str], str]] = [
    lambda user, domain: f"@{user}@{domain}",
    lambda user, domain: f"https://{domain}/@{user}",
    lambda user, domain: f"http://{domain}/@{user}",
    lambda user, domain: f"{domain}/@{user}",
    lambda user, domain: f"https://{domain}/web/@{user}",
    lambda user, domain: f"https://{domain}/users/{user}",
    lambda user, domain: f"https://mastodon.social/@{user}@{domain}",
    lambda user, domain: f"Mastodon: {user}@{domain}",
    lambda user, domain: f"🐘 {user}@{domain}",
]
HANDLE_FORMS: list[Callable[[str], str]] = [
    lambda handle: f"@{handle}",
    lambda handle: f"https://bsky.app/profile/{handle}",
    lambda handle: f"bsky.app/profile/{handle}",
    lambda handle: f"Bluesky: {handle}",
    lambda handle: f"🦋 {handle}",
]
DID_FORMS: list[Callable[[str], str]] = [
    lambda did: did,
    lambda did: f"https://bsky.app/profile/{did}",
    lambda did: f"at://{did}/app.bsky.feed.post/3k2yihcrp6f2c",
]

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
EMOJI = ["", "🦋", "🐘", "✨", "❤️", "🇫🇷", "👩‍💻"]
BEFORE = ["", "(", "« ", "Bio | ", "\n"]
AFTER = ["", ".", ",", ")", "!", "?", ";", " »", " | journaliste"]


def _full_width(char: str) -> str:
    return chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char


def _bold(char: str) -> str:
    if "a" <= char <= "z":
        return chr(0x1D41A + ord(char) - ord("a"))
    if "A" <= char <= "Z":
        return chr(0x1D400 + ord(char) - ord("A"))
    if "0" <= char <= "9":
        return chr(0x1D7CE + ord(char) - ord("0"))
    return char


_LETTER_STYLES: dict[str, Callable[[str], str]] = {"plain": str, "full width": _full_width, "bold": _bold}


@st.composite
def decorated(draw: st.DrawFn, rendered: str) -> str:
    """`rendered` as people write it: random case and letter style, invisible characters, emoji."""
    upper = draw(st.lists(st.booleans(), min_size=len(rendered), max_size=len(rendered)))
    chars = [char.upper() if up else char for char, up in zip(rendered, upper, strict=True)]
    style = _LETTER_STYLES[draw(st.sampled_from(sorted(_LETTER_STYLES)))]
    chars = [style(char) for char in chars]
    for _ in range(draw(st.integers(0, 4))):
        chars.insert(draw(st.integers(0, len(chars))), draw(st.sampled_from(INVISIBLE)))
    emoji_before, emoji_after = draw(st.sampled_from(EMOJI)), draw(st.sampled_from(EMOJI))
    return (
        draw(st.sampled_from(BEFORE))
        + emoji_before
        + "".join(chars)
        + emoji_after
        + draw(st.sampled_from(AFTER))
    )


def _only(report: AddressReport, *, mastodon: tuple[str, ...] = (), bluesky: tuple[str, ...] = ()) -> bool:
    return (report.mastodon, report.bluesky) == (mastodon, bluesky)


@given(st.data(), USERS, INSTANCES, st.sampled_from(MASTODON_FORMS))
def test_any_rendering_of_a_mastodon_address_reads_back(
    data: st.DataObject, user: str, domain: str, form: Callable[[str, str], str]
) -> None:
    text = data.draw(decorated(form(user, domain)))

    assert _only(find_addresses(text), mastodon=(f"{user}@{domain}",)), text
    assert parse_mastodon_address(text) == MastodonAddress(user, domain)


@given(st.data(), USERS, INSTANCES)
def test_user_at_host_reads_back_when_the_caller_says_fediverse(
    data: st.DataObject, user: str, domain: str
) -> None:
    text = data.draw(decorated(f"{user}@{domain}"))

    assert _only(find_addresses(text, fediverse=True), mastodon=(f"{user}@{domain}",)), text


@given(st.data(), HANDLES, st.sampled_from(HANDLE_FORMS))
def test_any_rendering_of_a_handle_reads_back(
    data: st.DataObject, handle: str, form: Callable[[str], str]
) -> None:
    text = data.draw(decorated(form(handle)))

    assert _only(find_addresses(text), bluesky=(handle,)), text
    assert parse_bluesky_identifier(text) == handle


@given(st.data(), BSKY_SOCIAL_HANDLES)
def test_a_bare_bsky_social_handle_reads_back(data: st.DataObject, handle: str) -> None:
    text = data.draw(decorated(handle))

    assert _only(find_addresses(text), bluesky=(handle,)), text


@given(st.data(), PLC_DIDS, st.sampled_from(DID_FORMS))
def test_any_rendering_of_a_did_reads_back(data: st.DataObject, did: str, form: Callable[[str], str]) -> None:
    text = data.draw(decorated(form(did)))

    assert _only(find_addresses(text), bluesky=(did,)), text


# --- Bridgy Fed round trips, where the mapping is lossless --------------------------------------

BRIDGEABLE_USERS = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)


@given(HANDLES)
def test_handle_to_bridgy_and_back(handle: str) -> None:
    bridged = to_bridgy_mastodon(handle)

    assert bridged == f"{handle}@bsky.brid.gy"
    assert unwrap_bridged(bridged) == NativeAddress(NativeNetwork.BLUESKY, handle)
    assert find_addresses(bridged).native == {bridged: NativeAddress(NativeNetwork.BLUESKY, handle)}


# Once bridged, every label of the instance is inside the handle, so an e-mail brand among them (even
# as the instance's top-level domain: `.aol` is one) marks the handle as an e-mail domain and the
# scanner drops it, as it means to. No Mastodon instance lives under an e-mail brand.
BRIDGEABLE_INSTANCES = INSTANCES.filter(lambda domain: not set(domain.split(".")) & hosts.EMAIL_BRANDS)


@given(BRIDGEABLE_USERS, BRIDGEABLE_INSTANCES)
def test_mastodon_address_to_bridgy_and_back(user: str, domain: str) -> None:
    address = MastodonAddress(user, domain)

    bridged = to_bridgy_bluesky(address)

    assert unwrap_bridged(bridged) == NativeAddress(NativeNetwork.MASTODON, str(address))
    assert find_addresses(bridged).native == {bridged: NativeAddress(NativeNetwork.MASTODON, str(address))}


# --- never raises, and the output is always clean ----------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        "a", "b", "1", ".", "-", "_", "~", "@", ":", "/", " ", "\n", ",", ")", "é", "ß", "İ", "\u200b",
        "🐘", "🦋", "＠", "．", "…", "\ufe0f", "\u0301", "\u180b", "mastodon ", "e-mail ", "bluesky: ",
        "did:plc:", "did:web:", "z72i7hdynmk6r22z27h6tvur", "https://", "bsky.app/profile/", "/users/",
        "/web/", ".bsky.social", "@bsky.brid.gy", ".ap.brid.gy", ".web.brid.gy", "gmail.com", "x.com",
        "piaille.fr", "münchen.de", ":8080",
    ]
)  # fmt: skip
ADDRESS_SOUP = st.lists(FRAGMENTS, max_size=40).map("".join)


def _assert_clean(report: AddressReport) -> None:
    for listed in (report.mastodon, report.bluesky):
        assert len(set(listed)) == len(listed)
        for address in listed:
            assert address == address.lower()
            assert address.isascii()
            assert not address.startswith("@")
    for mastodon in report.mastodon:
        assert parse_mastodon_address("@" + mastodon) == MastodonAddress(*mastodon.split("@"))
    for bluesky in report.bluesky:
        assert parse_bluesky_identifier(bluesky) == bluesky
    found = set(report.mastodon) | set(report.bluesky)
    assert set(report.bridged) <= found
    assert set(report.native) <= found
    assert not set(report.bridged) & set(report.native)


@given(st.text(), st.booleans())
def test_find_addresses_never_raises_on_any_text(text: str, fediverse: bool) -> None:
    _assert_clean(find_addresses(text, fediverse=fediverse))
    parse_mastodon_address(text)
    parse_bluesky_identifier(text)


@given(ADDRESS_SOUP, st.booleans())
def test_find_addresses_output_is_clean_on_address_like_text(text: str, fediverse: bool) -> None:
    report = find_addresses(text, fediverse=fediverse)

    _assert_clean(report)
    assert report.to_json_dict()["mastodon"] == list(report.mastodon)
