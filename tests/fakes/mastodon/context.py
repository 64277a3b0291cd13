"""Per-instance configuration and the context every route handler receives."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .auth import LEGACY_SCOPES, MASTODON_SCOPES
from .clock import Clock
from .federation import Federation
from .limits import RateLimiter
from .state import State

SOFTWARES = ("mastodon", "gotosocial", "pleroma", "akkoma", "takahe")


def version_tuple(version: str) -> tuple[int, ...]:
    """`4.3.0`, `4.4.0+hometown-1`, `v0.17.1` -> (4, 3, 0)... ; unknown parts count as 0."""
    found = re.match(r"v?(\d+(?:\.\d+)*)", version)
    return tuple(int(p) for p in found.group(1).split(".")) if found else (0,)


@dataclass
class Config:
    domain: str
    web_domain: str
    software: str = "mastodon"
    version: str = "4.3.0"
    title: str = "Fake Mastodon"
    known_scopes: frozenset[str] | None = None  # None: what the software/version knows
    pkce: bool | None = None  # None: Mastodon >= 4.3 (Doorkeeper PKCE enabled in 4.3)
    instance_v2: bool | None = None  # None: Mastodon >= 4.0, and the other softwares except Pleroma
    oauth_metadata: bool | None = None  # /.well-known/oauth-authorization-server: Mastodon >= 4.3
    open_registrations: bool = False
    code_ttl: int = 600  # Doorkeeper's authorization code lifetime (10 min)

    def __post_init__(self) -> None:
        if self.software not in SOFTWARES:
            raise ValueError(f"software must be one of {SOFTWARES}")

    @property
    def is_mastodon(self) -> bool:
        return self.software == "mastodon"

    def mastodon_at_least(self, *wanted: int) -> bool:
        return self.is_mastodon and version_tuple(self.version) >= wanted

    @property
    def scopes(self) -> frozenset[str]:
        if self.known_scopes is not None:
            return self.known_scopes
        if not self.is_mastodon:
            return LEGACY_SCOPES | {s for s in MASTODON_SCOPES if ":" in s}
        return MASTODON_SCOPES if self.mastodon_at_least(4, 3) else MASTODON_SCOPES - {"profile"}

    @property
    def uses_pkce(self) -> bool:
        return self.pkce if self.pkce is not None else self.mastodon_at_least(4, 3)

    @property
    def has_instance_v2(self) -> bool:
        if self.instance_v2 is not None:
            return self.instance_v2
        return self.mastodon_at_least(4, 0) if self.is_mastodon else self.software != "pleroma"

    @property
    def has_oauth_metadata(self) -> bool:
        return self.oauth_metadata if self.oauth_metadata is not None else self.mastodon_at_least(4, 3)

    @property
    def redirect_uris_array(self) -> bool:
        return not self.is_mastodon or self.mastodon_at_least(4, 3)

    @property
    def display_version(self) -> str:
        """`version` of /api/v1|v2/instance as each software writes it (notes §6)."""
        return {
            "mastodon": self.version,
            "gotosocial": f"{self.version} git-fake",
            "pleroma": f"2.7.2 (compatible; Pleroma {self.version})",
            "akkoma": f"2.7.2 (compatible; Akkoma {self.version})",
            "takahe": f"takahe/{self.version}",
        }[self.software]


@dataclass
class Context:
    config: Config
    state: State
    limiter: RateLimiter
    federation: Federation
    clock: Clock
    # Browser sessions for the sign-in/consent pages: cookie value -> username.
    sessions: dict[str, str] = field(default_factory=dict)
    default_user: str | None = None  # set by FakeMastodon.login_as(): "the person at the browser"
