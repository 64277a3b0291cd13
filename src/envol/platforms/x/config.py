"""Where X's OAuth endpoints are and who we are to them. Pure data: the caller builds it from settings."""

from __future__ import annotations

from dataclasses import dataclass

X_AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"
X_TOKEN_URL = "https://api.x.com/2/oauth2/token"  # noqa: S105 (a URL, not a secret)
X_REVOKE_URL = "https://api.x.com/2/oauth2/revoke"
X_API_BASE_URL = "https://api.x.com/2"
# users/me needs both; no offline.access, so X issues no refresh token we would have to guard.
DEFAULT_SCOPES = ("users.read", "tweet.read")


@dataclass(frozen=True, slots=True)
class XOAuthConfig:
    client_id: str
    client_secret: str  # "" for a public client: then client_id goes in the form instead of Basic auth
    redirect_uri: str  # must equal, byte for byte, a callback registered in X's developer portal
    authorize_url: str = X_AUTHORIZE_URL
    token_url: str = X_TOKEN_URL
    api_base_url: str = X_API_BASE_URL
    revoke_url: str = X_REVOKE_URL
    scopes: tuple[str, ...] = DEFAULT_SCOPES
