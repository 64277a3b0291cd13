"""Read the instance out of whatever a person typed: a domain, a URL, or an account address."""

from __future__ import annotations

from urllib.parse import urlsplit

from envol.addresses.parse import parse_mastodon_address
from envol.addresses.syntax import normalise_domain
from envol.platforms.errors import Rejected


def instance_domain(written: str) -> str:
    """`mastodon.social`, `https://Mastodon.Social/`, `@user@mastodon.social` -> `mastodon.social`.

    Raises Rejected when no instance can be read, so the sign-in form can say so.
    """
    text = written.strip()
    # An account address (`@u@host`, `u@host`, a profile URL) names its instance: reuse the one
    # parser of addresses so that every form the rest of Envol accepts is accepted here too.
    address = parse_mastodon_address(text)
    if address is not None:
        return address.domain
    host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    try:
        # Internationalised names are stored as punycode, as the address parser does.
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        host = ""
    domain = normalise_domain(host)
    if domain is None:
        raise Rejected(f"not an instance address: {written!r}")
    return domain
