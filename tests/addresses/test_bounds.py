"""Every address or domain input is bounded before any parsing (issue #16, item 4): the costly IDNA
conversion only ever sees a domain-sized input, whatever a form field or a bio holds."""

from __future__ import annotations

import pytest

from envol.addresses import syntax
from envol.addresses.parse import find_addresses, parse_bluesky_identifier, parse_mastodon_address
from envol.addresses.syntax import MAX_ADDRESS_LENGTH, MAX_DOMAIN_LENGTH, MAX_TEXT_LENGTH, normalise_domain
from envol.platforms.errors import Rejected
from envol.platforms.mastodon import instance_domain

# 150 KB of CJK letters: 21 s in one request before the bound (the attack of the issue).
HUGE = "漢" * 50_000 + ".example.com"


@pytest.fixture
def conversions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of every input the IDNA conversion was given."""
    seen: list[int] = []
    real = syntax._to_ascii

    def spy(domain: str) -> str:
        seen.append(len(domain))
        return real(domain)

    monkeypatch.setattr(syntax, "_to_ascii", spy)
    return seen


def test_no_reader_converts_more_than_a_domain(conversions: list[int]) -> None:
    assert normalise_domain(HUGE) is None
    assert parse_mastodon_address(f"@alice@{HUGE}") is None
    assert parse_bluesky_identifier(HUGE) is None
    assert find_addresses(f"me: @alice@{HUGE}").mastodon == ()
    with pytest.raises(Rejected):
        instance_domain(HUGE)
    with pytest.raises(Rejected):
        instance_domain(f"https://{HUGE}/@alice")
    assert max(conversions, default=0) <= MAX_DOMAIN_LENGTH


def test_what_fits_is_still_read(conversions: list[int]) -> None:
    assert normalise_domain("Bücher.de") == "xn--bcher-kva.de"
    long_domain = ".".join(["a" * 60] * 4) + ".de"  # 247 characters: a valid domain
    assert normalise_domain(long_domain) == long_domain
    assert parse_mastodon_address(f"https://{long_domain}/@alice") is not None
    assert conversions == [len("bücher.de")]


def test_a_long_text_is_read_up_to_its_bound_without_cutting_an_address() -> None:
    filler = "word " * ((MAX_TEXT_LENGTH - 10) // 5)
    text = filler + "@alice@mastodon.social and more"
    assert len(text) > MAX_TEXT_LENGTH
    # The address straddles the bound: cut at the space before it, never in its middle.
    assert find_addresses(text).mastodon == ()
    assert find_addresses("@bob@mastodon.social " + filler + "x" * 100).mastodon == ("bob@mastodon.social",)


@pytest.mark.parametrize("written", ["http://[", "https://[::1", "[", "@a@[b"])
def test_a_broken_url_is_a_typed_refusal(written: str) -> None:
    with pytest.raises(Rejected):
        instance_domain(written)


def test_an_address_longer_than_any_address_is_refused() -> None:
    assert parse_mastodon_address("@alice@" + "a" * MAX_ADDRESS_LENGTH + ".social") is None
