"""Learn what an instance is before signing in: NodeInfo (which software), instance API, OAuth metadata.

The caller passes the HTTP client; in production it is the SSRF-safe `SafeHttp` (DESIGN §7).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from envol.addresses.syntax import normalise_domain
from envol.platforms.errors import NotFound, Transient
from envol.platforms.mastodon.address import instance_domain
from envol.platforms.mastodon.authority import InstanceMap, UnprovenDomain, points_to
from envol.platforms.mastodon.wire import HttpClient, call, json_object, text

NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2."
# Softwares that speak Mastodon's client API well enough for sign-in and follows (DESIGN §7).
MASTODON_API_SOFTWARE = frozenset({"mastodon", "gotosocial", "pleroma", "akkoma", "takahe"})


@dataclass(frozen=True, slots=True)
class InstanceInfo:
    """An instance as Envol talks to it.

    `domain` is the handle domain (LOCAL_DOMAIN: the `domain` of `user@domain`); `base_url` is where
    its API answers (WEB_DOMAIN, which may differ). `software` is NodeInfo's name, lower case.
    """

    domain: str
    base_url: str
    software: str
    version: str
    pkce: bool = False  # the server advertised S256 in its OAuth metadata (Mastodon >= 4.3)
    scopes_supported: frozenset[str] = frozenset()  # empty: the server did not say
    # The names this server was shown to answer for (authority.py): the domain contacted, its API's
    # host, the handle domain once proven. What it says about any other domain is not believed.
    names: frozenset[str] = frozenset()

    @property
    def authority(self) -> frozenset[str]:
        return self.names | {self.domain}

    @property
    def speaks_mastodon_api(self) -> bool:
        return self.software in MASTODON_API_SOFTWARE

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


def discover(
    instance: str,
    http: HttpClient,
    *,
    base_url: str | None = None,
    instances: InstanceMap | None = None,
) -> InstanceInfo:
    """Everything sign-in needs to know about the instance named by `instance` (any written form).

    `instances` says where a domain is reached when the operator mapped it (tests point it at a fake
    on loopback); `base_url` is a shorthand mapping the written domain alone. Otherwise the server is
    `https://{domain}`, then wherever that domain's NodeInfo says the server lives.

    The handle domain the server claims is believed only when it is the domain contacted or when it
    points back to the server (authority.py); otherwise `UnprovenDomain` is raised.
    """
    contacted = instance_domain(instance)
    instances = instances or InstanceMap({contacted: base_url} if base_url else {})
    mapped = instances.mapped(contacted)
    base = (mapped or f"https://{contacted}").rstrip("/")
    # Through the operator's mapping: the link names the server's public name (ENVOL_MASTODON_INSTANCE_URLS
    # maps every URL Envol derives for an instance, not only the first one).
    document_url = instances.route(_nodeinfo_url(http, base))
    if mapped is None:
        # A server whose handles are @u@example.com may live at social.example.com: example.com only
        # redirects /.well-known/*. NodeInfo's link points at the real host; the API is there too.
        # The contacted domain itself said so, which is why it remains one of the server's names.
        parts = urlsplit(document_url)
        base = f"{parts.scheme}://{parts.netloc}"
    names = frozenset({contacted}) | instances.name_of(base)
    software = json_object(call(http, "GET", document_url)).get("software")
    software = software if isinstance(software, dict) else {}
    pkce, scopes = _oauth_metadata(http, base)
    said = _local_domain(http, base)
    claimed = normalise_domain(said) if said else contacted
    if claimed is None:
        raise UnprovenDomain(contacted, said[:100])
    if claimed not in names:
        if not points_to(http, instances, claimed, base, names):
            raise UnprovenDomain(contacted, claimed)
        names |= {claimed}
    return InstanceInfo(
        domain=claimed,
        base_url=base,
        software=text(software, "name").lower(),
        version=text(software, "version"),
        pkce=pkce,
        scopes_supported=scopes,
        names=names,
    )


def _nodeinfo_url(http: HttpClient, base: str) -> str:
    """The newest NodeInfo 2.x document linked from /.well-known/nodeinfo."""
    index = json_object(call(http, "GET", f"{base}/.well-known/nodeinfo"))
    links = index.get("links")
    found: dict[str, str] = {}
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict) and text(link, "rel").startswith(NODEINFO_SCHEMA) and text(link, "href"):
            found[text(link, "rel")] = text(link, "href")
    if not found:
        raise Transient(f"{base}: /.well-known/nodeinfo links to no NodeInfo 2.x document")
    return found[max(found)]  # "…/2.1" sorts after "…/2.0"


def _local_domain(http: HttpClient, base: str) -> str:
    """The handle domain from the instance API (v2 `domain`, else v1 `uri`); '' when not given."""
    try:
        return text(json_object(call(http, "GET", f"{base}/api/v2/instance")), "domain").lower()
    except NotFound:
        pass  # Mastodon < 4.0 and Pleroma have only v1
    uri = text(json_object(call(http, "GET", f"{base}/api/v1/instance")), "uri")
    # Mastodon writes a bare domain; Pleroma and Akkoma write a URL.
    return (urlsplit(uri).hostname or "") if "//" in uri else uri.lower()


def _oauth_metadata(http: HttpClient, base: str) -> tuple[bool, frozenset[str]]:
    """(PKCE S256 offered, scopes_supported) from RFC 8414 metadata; a 404 means Mastodon < 4.3."""
    try:
        body: dict[str, Any] = json_object(
            call(http, "GET", f"{base}/.well-known/oauth-authorization-server")
        )
    except NotFound:
        return False, frozenset()
    methods = body.get("code_challenge_methods_supported")
    scopes = body.get("scopes_supported")
    return (
        isinstance(methods, list) and "S256" in methods,
        frozenset(s for s in scopes if isinstance(s, str)) if isinstance(scopes, list) else frozenset(),
    )
