"""Rate limits on sign-in, upload and the media declaration form: fixed-window counters in Django's cache.

A client is counted under a keyed hash of its network address (HMAC with the secret key, 64 bits)
and, when signed in, under a keyed hash of its person id: the clear address is never written
anywhere, and a counter lives only as long as its window (expired ones are purged, see
`envol.core.cache`). The clock is a parameter, so that tests decide what time it is.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.cache.backends.base import BaseCache

from envol.core.config import CONFIG, Setting
from envol.core.config_parse import Limit

KEY_PREFIX = "envol-rl"
DIGEST_HEX_DIGITS = 16  # 64 bits: collisions between two clients are out of reach, reversal needs the key
IPV6_NETWORK_BITS = 64  # one IPv6 subscriber gets a whole /64: counting single addresses would be useless


@dataclass(frozen=True, slots=True)
class Rule:
    """Which requests a limit counts: these methods on paths under this prefix."""

    name: str
    setting: Setting[Limit]
    methods: frozenset[str]
    path_prefix: str

    def applies(self, method: str, path: str) -> bool:
        return method in self.methods and path.startswith(self.path_prefix)

    def limit(self) -> Limit:
        return self.setting.read()  # read at each request: operators and tests may change it


# Every sign-in that starts a flow or checks a password is a POST under /sign-in/ (the page itself
# is a GET); every upload is a POST under /archive/. New flows under those paths are covered as
# they land; the callbacks (GETs) only finish a flow that a counted POST started. Every POST under
# /media/ is a declaration (which sends an e-mail) or its confirmation: counted, so that the form
# cannot be used to mail many domains.
RULES: tuple[Rule, ...] = (
    Rule("sign_in", type(CONFIG).rate_limit_sign_in, frozenset({"POST"}), "/sign-in/"),
    Rule("upload", type(CONFIG).rate_limit_upload, frozenset({"POST"}), "/archive/"),
    Rule("media", type(CONFIG).rate_limit_media, frozenset({"POST"}), "/media/"),
)


def rule_for(method: str, path: str) -> Rule | None:
    return next((rule for rule in RULES if rule.applies(method, path)), None)


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    retry_after: int  # seconds until the counter that refused starts afresh (0 when allowed)


def network_of(address: str) -> str:
    """What one client is counted as: its IPv4 address, or its IPv6 /64. Anything unreadable is
    one shared bucket, which is the safe side."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_NETWORK_BITS), strict=False))
    return str(ip)


def client_address(meta: Mapping[str, object]) -> str:
    """The client's address as the server saw it. Behind a proxy, `envol run` (uvicorn) has already
    replaced the proxy's address with the client's from X-Forwarded-For, for proxies listed in
    FORWARDED_ALLOW_IPS (default: this machine), so REMOTE_ADDR is the client's either way."""
    remote = meta.get("REMOTE_ADDR")
    return remote if isinstance(remote, str) else ""


def subject_digest(secret: str, kind: str, value: str) -> str:
    """A keyed, truncated hash: the same client maps to the same counter, and the counter says
    nothing about who it counts to anyone without the secret key."""
    mac = hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:DIGEST_HEX_DIGITS]


def hit(cache: BaseCache, counter: str, limit: Limit, now: float) -> Decision:
    """Count one request on `counter` in the window that contains `now`."""
    window = int(now // limit.seconds)
    ends = (window + 1) * limit.seconds
    left = max(1, math.ceil(ends - now))
    key = f"{KEY_PREFIX}:{counter}:{window}"
    cache.add(key, 0, timeout=left)
    try:
        count = cache.incr(key)
        # The database cache's incr is a get and a set that puts the default timeout back: the
        # counter must still expire with its window.
        cache.touch(key, timeout=left)
    except ValueError:  # expired between add and incr
        count = 1
        cache.set(key, count, timeout=left)
    if count <= limit.count:
        return Decision(True, 0)
    return Decision(False, left)


def hit_all(cache: BaseCache, rule: Rule, subjects: list[str], now: float) -> Decision:
    """Count the request once for each subject (address, person); refused if any counter is full."""
    limit = rule.limit()
    decisions = [hit(cache, f"{rule.name}:{subject}", limit, now) for subject in subjects]
    refused = [d.retry_after for d in decisions if not d.allowed]
    return Decision(False, max(refused)) if refused else Decision(True, 0)


def clock() -> float:
    """Now, in Unix seconds; tests replace this module attribute to decide what time it is."""
    return time.time()
