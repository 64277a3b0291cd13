"""Read the instance out of whatever a person typed: a domain, a URL, or an account address."""

from __future__ import annotations

from urllib.parse import urlsplit

from envol.addresses.parse import parse_mastodon_address
from envol.addresses.syntax import MAX_ADDRESS_LENGTH, normalise_domain, within
from envol.platforms.errors import Rejected


def instance_domain(written: str) -> str:
    """`mastodon.social`, `https://Mastodon.Social/`, `@user@mastodon.social` -> `mastodon.social`.

    Raises Rejected when no instance can be read, so the sign-in form can say so. Input longer than
    any address is refused before any parsing (MAX_ADDRESS_LENGTH).
    """
    text = written.strip()
    if not within(text, MAX_ADDRESS_LENGTH):
        raise Rejected(f"not an instance address: {len(text)} characters")
    # An account address (`@u@host`, `u@host`, a profile URL) names its instance: reuse the one
    # parser of addresses so that every form the rest of Envol accepts is accepted here too.
    address = parse_mastodon_address(text)
    if address is not None:
        return address.domain
    try:
        host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    except ValueError:  # `http://[`: an unclosed IPv6 bracket
        host = ""
    # Internationalised names are stored as punycode, as the address parser does.
    domain = normalise_domain(host)
    if domain is None:
        raise Rejected(f"not an instance address: {written!r}")
    return domain
