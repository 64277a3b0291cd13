"""The "fediverse" shared by fake instances: what a WebFinger resolve on one server would find elsewhere.

Each running FakeMastodon registers a lookup function for its domain(s); accounts on servers that are
not faked can be preloaded with `add_account`. `/api/v2/search?resolve=true` on instance A consults
this registry and copies what it finds into A's own database under an id local to A.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class RemoteProfile:
    """What a server learns about a remote account when it resolves it."""

    username: str
    domain: str  # the handle's domain (LOCAL_DOMAIN)
    web_domain: str  # where the actor lives (WEB_DOMAIN); equal to domain unless split
    display_name: str = ""
    note: str = ""
    locked: bool = False
    bot: bool = False
    suspended: bool = False
    hide_collections: bool = False
    moved_to: str | None = None  # acct `user@domain` of the new account
    followers_count: int = 0
    following_count: int = 0

    @property
    def acct(self) -> str:
        return f"{self.username}@{self.domain}"

    @property
    def actor_uri(self) -> str:
        return f"https://{self.web_domain}/users/{self.username}"


Provider = Callable[[str], RemoteProfile | None]  # username -> profile (case-insensitive)


def split_acct(text: str) -> tuple[str, str | None]:
    """`@User@Host` / `User@host` / `user` -> (username, lower-cased domain or None)."""
    user, _, domain = text.strip().removeprefix("@").partition("@")
    return user, (domain.lower() or None)


class Federation:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._providers: dict[str, Provider] = {}
        self._static: dict[str, RemoteProfile] = {}

    def register(self, domains: list[str], provider: Provider) -> None:
        with self._lock:
            for domain in domains:
                self._providers[domain.lower()] = provider

    def unregister(self, domains: list[str]) -> None:
        with self._lock:
            for domain in domains:
                self._providers.pop(domain.lower(), None)

    def add_account(self, acct: str, *, web_domain: str | None = None, **fields: Any) -> RemoteProfile:
        """Preload an account on a server that is not faked (e.g. `carol@elsewhere.test`)."""
        username, domain = split_acct(acct)
        if not domain:
            raise ValueError(f"remote acct needs a domain: {acct!r}")
        profile = RemoteProfile(username=username, domain=domain, web_domain=web_domain or domain)
        profile = replace(profile, **fields)
        with self._lock:
            self._static[profile.acct.lower()] = profile
        return profile

    def resolve(self, acct: str) -> RemoteProfile | None:
        """WebFinger-like resolution of `user@domain`; None when no server answers for it."""
        username, domain = split_acct(acct)
        if not username or not domain:
            return None
        with self._lock:
            provider = self._providers.get(domain)
            static = self._static.get(f"{username}@{domain}".lower())
        if provider is not None:
            return provider(username)
        return static

    def resolve_url(self, url: str) -> RemoteProfile | None:
        """Resolve an actor URI (`/users/x`) or profile URL (`/@x`) on any known server."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        path = parts.path.rstrip("/")
        username = ""
        if path.startswith("/users/"):
            username = path.removeprefix("/users/")
        elif path.startswith("/@"):
            username = path.removeprefix("/@")
        if not host or not username or "/" in username:
            return None
        with self._lock:
            provider = self._providers.get(host)
            statics = [p for p in self._static.values() if p.web_domain == host]
        if provider is not None:
            return provider(username)
        return next((p for p in statics if p.username.lower() == username.lower()), None)
