"""What Envol knows about particular domains when it reads addresses in free text.

Lists, not heuristics: a domain listed here is never read as a fediverse instance (e-mail
providers, X, Bluesky's own domains, sites whose profile pages look like ``/@user``), and e-mail
providers are never read as Bluesky handles either. Everything else stays possible and is verified
later over the network.
"""

from __future__ import annotations

from collections.abc import Iterator

# Large e-mail providers. ``name@gmail.com`` in a bio is an e-mail address whatever surrounds it.
EMAIL_DOMAINS = frozenset(
    {
        "126.com", "163.com", "aol.com", "att.net", "bbox.fr", "btinternet.com", "comcast.net",
        "fastmail.com", "fastmail.fm", "free.fr", "hey.com", "libero.it", "live.com", "mac.com",
        "mail.com", "mail.ru", "mailbox.org", "me.com", "msn.com", "neuf.fr", "numericable.fr",
        "orange.fr", "pm.me", "posteo.de", "posteo.net", "proton.me", "qq.com", "sfr.fr",
        "skynet.be", "t-online.de", "tuta.com", "tuta.io", "verizon.net", "web.de", "zoho.com",
    }
)  # fmt: skip

# Provider names that are e-mail under any TLD or country domain (``yahoo.co.jp``, ``hotmail.fr``).
# Only distinctive brands: generic words ("live", "free", "orange") are listed per domain above.
EMAIL_BRANDS = frozenset(
    {
        "aol", "gmail", "gmx", "googlemail", "hotmail", "icloud", "laposte", "outlook", "protonmail",
        "tutanota", "wanadoo", "yahoo", "yandex", "ymail",
    }
)  # fmt: skip

# X's own domains: never a fediverse instance, and ``@x.com`` in a bio points at X, not at a
# Bluesky handle.
X_DOMAINS = frozenset({"twitter.com", "x.com", "t.co"})

# Never a fediverse instance: Bluesky's domains and silos (some with ``/@user`` profile URLs).
NOT_FEDIVERSE_DOMAINS = X_DOMAINS | frozenset(
    {
        "bsky.app", "bsky.social", "facebook.com", "github.com", "instagram.com", "ko-fi.com",
        "linkedin.com", "linktr.ee", "medium.com", "patreon.com", "pronouns.page",
        "stackoverflow.com", "substack.com", "tiktok.com", "twitch.tv", "youtu.be", "youtube.com",
    }
)  # fmt: skip


def _suffixes(domain: str) -> Iterator[str]:
    """``a.b.c`` → ``a.b.c``, ``b.c``, ``c``: a domain and every parent domain."""
    labels = domain.split(".")
    for index in range(len(labels)):
        yield ".".join(labels[index:])


def is_under(domain: str, listed: frozenset[str]) -> bool:
    """Whether `domain` is one of `listed` or a subdomain of one (``mobile.twitter.com``)."""
    return any(suffix in listed for suffix in _suffixes(domain))


def is_email_domain(domain: str) -> bool:
    """Whether `domain` belongs to a well-known e-mail provider."""
    brand_labels = domain.split(".")[:-1]
    return is_under(domain, EMAIL_DOMAINS) or any(label in EMAIL_BRANDS for label in brand_labels)


def may_be_instance(domain: str) -> bool:
    """Whether `domain` may host fediverse accounts (it is not an e-mail provider or a silo)."""
    return not (is_email_domain(domain) or is_under(domain, NOT_FEDIVERSE_DOMAINS))


def may_be_handle(domain: str, *, allow_x: bool = False) -> bool:
    """Whether `domain` may be a Bluesky handle found in text (X's domains only if `allow_x`)."""
    if is_email_domain(domain):
        return False
    return allow_x or not is_under(domain, X_DOMAINS)
