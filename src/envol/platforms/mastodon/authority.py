"""What a Mastodon-API server is believed about: only the names it was shown to answer for.

A server says many things about itself and its accounts (its handle domain, an account's actor URI
and `acct`); anyone can run a server that says anything. Envol believes such a claim only when the
named domain itself vouches for the server (DESIGN §2, docs/threat-model.md):

- the names of a server are the domain the person contacted (it led to the server: by address, by
  NodeInfo link or by the operator's ENVOL_MASTODON_INSTANCE_URLS), the host its API answers on, and
  any domain the operator mapped to that same address;
- another domain counts as a name of the server only when that domain's own `/.well-known/nodeinfo`
  or `/.well-known/host-meta` leads to the server (a redirect to it, a NodeInfo link or a WebFinger
  template on it) — how a server whose handles are `@u@example.com` and which lives at
  `social.example.com` is set up;
- an account is the server's only when its actor URI's host is one of its names, and its `acct`
  domain is one of its names or that domain's WebFinger names the same actor URI for `acct:user@domain`.

Everything here is read through the HTTP client the caller passes (`SafeHttp` in production).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from envol.addresses.syntax import normalise_domain
from envol.platforms.errors import ErrorCode, PlatformError, Rejected
from envol.platforms.mastodon.wire import HttpClient, call, json_object, text

NODEINFO_PATH = "/.well-known/nodeinfo"
HOST_META_PATH = "/.well-known/host-meta"
ACTIVITY_TYPES = (
    "application/activity+json",
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
)
_TEMPLATE = re.compile(r"""template\s*=\s*["']([^"']+)["']""")


class UnprovenDomain(Rejected):
    """The server claims a handle domain that does not point back to it."""

    def __init__(self, contacted: str, claimed: str) -> None:
        super().__init__(
            f"{contacted} claims the domain {claimed}, which does not point to it", code=ErrorCode.DOMAIN
        )
        self.contacted = contacted
        self.claimed = claimed


class ForeignIdentity(Rejected):
    """The server answered with an account that is not its own to vouch for."""

    def __init__(self, server: str, account: str) -> None:
        super().__init__(f"{server} answered for {account}, which it does not host", code=ErrorCode.IDENTITY)
        self.server = server
        self.account = account


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL, with the default port made explicit; ('', '', None) if invalid."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    except ValueError:
        return ("", "", None)
    return (parts.scheme, (parts.hostname or "").lower(), port)


def host_of(url: str) -> str:
    return origin(url)[1]


@dataclass(frozen=True, slots=True)
class InstanceMap:
    """Where each instance domain answers: ``https://domain``, unless the operator mapped it elsewhere
    (ENVOL_MASTODON_INSTANCE_URLS: closed networks, tests). The operator's mapping is authority: a
    domain mapped to an address is a name of the server at that address."""

    overrides: Mapping[str, str] = field(default_factory=dict)

    def mapped(self, domain: str) -> str | None:
        return self.overrides.get(domain)

    def base_for(self, domain: str) -> str:
        return self.overrides.get(domain) or f"https://{domain}"

    def route(self, url: str) -> str:
        """`url` sent where the operator mapped its host: a server writes absolute URLs (NodeInfo's
        link) with its public name, which a closed network may not resolve or serve over HTTPS."""
        try:
            parts = urlsplit(url)
            default_port = parts.port is None
        except ValueError:
            return url
        mapped = self.overrides.get((parts.hostname or "").lower())
        if mapped is None or parts.scheme != "https" or not default_port:
            return url
        rest = parts.path + (f"?{parts.query}" if parts.query else "")
        return f"{mapped.rstrip('/')}{rest}"

    def names_at(self, base_url: str) -> frozenset[str]:
        """The domains the operator mapped to this address."""
        where = origin(base_url)
        return frozenset(d for d, url in self.overrides.items() if origin(url) == where)

    def name_of(self, url: str) -> frozenset[str]:
        """The names a URL's host stands for: the domains mapped to its address, or its host name."""
        return self.names_at(url) or frozenset({host_of(url)}) - {""}


def points_to(
    http: HttpClient, instances: InstanceMap, domain: str, base_url: str, names: frozenset[str]
) -> bool:
    """Whether `domain` itself leads to the server at `base_url` (known by `names`): its address is the
    server's, or its NodeInfo or host-meta redirect there, link there or name one of the names."""
    their = instances.base_for(domain)
    here = origin(base_url)
    if origin(their) == here:
        return True
    for path in (NODEINFO_PATH, HOST_META_PATH):
        try:
            response = call(http, "GET", f"{their.rstrip('/')}{path}")
        except PlatformError:
            continue  # unreachable, refused, too large: this path proves nothing
        if origin(str(response.request.url)) == here:
            return True  # `domain` redirects its well-known documents to the server
        for pointer in _pointers(path, response):
            if origin(pointer) == here or instances.name_of(pointer) & names:
                return True
    return False


def _pointers(path: str, response: httpx.Response) -> list[str]:
    """The URLs a well-known document points at: host-meta's templates, NodeInfo's links."""
    if path == HOST_META_PATH:
        return list(_TEMPLATE.findall(response.text[:65536]))
    try:
        links = json_object(response).get("links")
    except PlatformError:
        return []
    return [text(link, "href") for link in links if isinstance(link, dict)] if isinstance(links, list) else []


def webfinger_names(http: HttpClient, instances: InstanceMap, acct: str, actor_uri: str) -> bool:
    """Whether WebFinger at the account's own domain says `acct:user@domain` is `actor_uri`."""
    domain = acct.rpartition("@")[2]
    if normalise_domain(domain) != domain:
        return False  # not a domain worth a request
    url = f"{instances.base_for(domain).rstrip('/')}/.well-known/webfinger"
    try:
        body = json_object(call(http, "GET", url, params={"resource": f"acct:{acct}"},
                                headers={"Accept": "application/jrd+json"}))  # fmt: skip
    except PlatformError:
        return False
    if text(body, "subject").lower().removeprefix("acct:") != acct.lower():
        return False
    links = body.get("links")
    return isinstance(links, list) and any(
        isinstance(link, dict)
        and text(link, "rel") == "self"
        and text(link, "type") in ACTIVITY_TYPES
        and text(link, "href") == actor_uri
        for link in links
    )
