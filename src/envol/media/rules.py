"""Pure rules of the media directory: an outlet's web domain, whether an e-mail address belongs to
it, and the X handle typed in any form (the address parser of envol.matching reads Bluesky and
Mastodon, not X). No Django models, no network."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from envol.addresses.hosts import is_email_domain
from envol.addresses.syntax import normalise_domain

# X user names: 1–15 of [A-Za-z0-9_] (X's own rule); compared case-insensitively.
_X_NAME = re.compile(r"[A-Za-z0-9_]{1,15}")
_X_HOSTS = ("x.com", "twitter.com", "mobile.twitter.com", "mobile.x.com", "www.x.com", "www.twitter.com")
# Paths of x.com that are pages, not accounts.
_X_RESERVED = frozenset(
    {"home", "i", "intent", "share", "search", "explore", "settings", "messages", "login"}
)


def site_domain(website: str) -> str | None:
    """The web domain of an outlet's site: lower-case ASCII host without ``www.``; None if invalid.

    ``https://www.lemonde.fr/`` → ``lemonde.fr``; a bare ``lemonde.fr`` is read as a site too.
    Free e-mail providers' domains are no outlet's site (their addresses would prove nothing).
    """
    text = website.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        if parts.port is not None or parts.scheme not in {"http", "https"}:
            return None
    except ValueError:
        return None
    domain = normalise_domain(host.removeprefix("www."))
    if domain is None or is_email_domain(domain):
        return None
    return domain


def email_domain(email: str) -> str | None:
    """The normalised domain of an e-mail address, or None when it has none."""
    local, at, host = email.strip().rpartition("@")
    if not at or not local:
        return None
    return normalise_domain(host)


def email_matches_site(email: str, domain: str) -> bool:
    """Whether `email` is an address on the outlet's web domain `domain` (or one of its sub-domains).

    ``redaction@lemonde.fr`` and ``x@news.lemonde.fr`` match ``lemonde.fr``; ``x@lemonde.fr.evil.com``
    and ``x@notlemonde.fr`` do not. A site on a sub-domain (``info.example.org``) accepts its
    parent's addresses (``x@example.org``): the parent domain's owner controls the sub-domain.
    """
    host = email_domain(email)
    if host is None or is_email_domain(host):
        return False
    if host == domain or host.endswith("." + domain):
        return True
    # The parent of the site's host; a one-label "parent" (a TLD) never matches.
    return "." in host and domain.endswith("." + host)


def parse_x_handle(text: str) -> str | None:
    """An X user name typed in any form: ``@name``, ``name``, ``x.com/name``, ``https://twitter.com/name``.

    Returned without ``@``, as typed (X shows the case the owner chose); None when it is not one.
    """
    value = text.strip()
    if "/" in value or value.lower().startswith(_X_HOSTS):
        if "://" not in value:
            value = "https://" + value
        try:
            parts = urlsplit(value)
        except ValueError:
            return None
        if (parts.hostname or "") not in _X_HOSTS:
            return None
        segments = [s for s in parts.path.split("/") if s]
        if not segments or segments[0].lower() in _X_RESERVED:
            return None
        value = segments[0]
    value = value.removeprefix("@")
    return value if _X_NAME.fullmatch(value) else None
