"""What the fake X remembers: users, the registered app, codes, tokens and what was revoked.

Everything sits behind one lock because the HTTP server answers from several threads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class XUser:
    id: str  # X ids are decimal strings on the wire (they exceed 2**53)
    username: str
    name: str


@dataclass(frozen=True, slots=True)
class XApp:
    """The one app registered in the developer portal (X registers exact callback URLs)."""

    client_id: str
    client_secret: str | None  # None: a public client (no Basic auth on the token endpoint)
    redirect_uri: str


@dataclass(slots=True)
class AuthCode:
    code: str
    user_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    challenge: str
    method: str  # "S256" or "plain"
    expires_at: float
    used: bool = False
    token: str | None = None  # the token it bought: revoked if the code is replayed (RFC 6749 §4.1.2)


@dataclass(slots=True)
class AccessToken:
    token: str
    user_id: str
    scopes: tuple[str, ...]
    expires_at: float
    revoked: bool = False


@dataclass
class Store:
    lock: threading.RLock = field(default_factory=threading.RLock)
    users: dict[str, XUser] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    tokens: dict[str, AccessToken] = field(default_factory=dict)
    revoked: list[str] = field(default_factory=list)  # tokens revoked through POST /2/oauth2/revoke
    logged_in: str | None = None  # the user id the "browser" is signed in as (test hook)
