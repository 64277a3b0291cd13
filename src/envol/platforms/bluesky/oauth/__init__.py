"""AT Protocol OAuth client: discovery, PAR, PKCE S256, DPoP with server nonces, token exchange,
refresh and revocation, and the re-verification of who signed in (decision 0004)."""

from envol.platforms.bluesky.oauth.client import (
    BLOCKS_SCOPE,
    DECLARED_SCOPE,
    FOLLOWS_SCOPE,
    GENERIC_SCOPE,
    OAuthClient,
    client_metadata,
    jwks,
    loopback_client,
)
from envol.platforms.bluesky.oauth.credentials import OAuthCredentials
from envol.platforms.bluesky.oauth.flow import (
    CallbackRefused,
    PendingAuthorization,
    TokenSet,
    finish,
    refresh,
    revoke,
    start,
)
from envol.platforms.bluesky.oauth.jose import EcKey

__all__ = [
    "BLOCKS_SCOPE",
    "DECLARED_SCOPE",
    "FOLLOWS_SCOPE",
    "GENERIC_SCOPE",
    "CallbackRefused",
    "EcKey",
    "OAuthClient",
    "OAuthCredentials",
    "PendingAuthorization",
    "TokenSet",
    "client_metadata",
    "finish",
    "jwks",
    "loopback_client",
    "refresh",
    "revoke",
    "start",
]
