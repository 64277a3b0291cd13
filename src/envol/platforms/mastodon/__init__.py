"""Mastodon connector (and servers speaking its client API: GoToSocial, Pleroma/Akkoma, Takahē).

Sign-in half: `discover` the instance, `register_app`, send the browser to `authorization_url`,
`exchange_code`, `verify_credentials`, `revoke`. Pure: the caller passes the HTTP client
(`SafeHttp` in production, an `httpx.Client` in tests).
"""

from envol.platforms.mastodon.address import instance_domain
from envol.platforms.mastodon.authority import ForeignIdentity, InstanceMap, UnprovenDomain
from envol.platforms.mastodon.discovery import MASTODON_API_SOFTWARE, InstanceInfo, discover
from envol.platforms.mastodon.identity import MastodonIdentity, full_acct, verify_credentials
from envol.platforms.mastodon.oauth import (
    COARSE_SCOPES,
    SCOPE_CHOICES,
    MastodonToken,
    Pkce,
    RegisteredApp,
    authorization_url,
    code_from_callback,
    covers_blocks,
    exchange_code,
    is_coarse,
    new_pkce,
    new_state,
    register_app,
    revoke,
    with_blocks,
)
from envol.platforms.mastodon.wire import HttpClient

__all__ = [
    "COARSE_SCOPES",
    "MASTODON_API_SOFTWARE",
    "SCOPE_CHOICES",
    "ForeignIdentity",
    "HttpClient",
    "InstanceInfo",
    "InstanceMap",
    "MastodonIdentity",
    "MastodonToken",
    "Pkce",
    "RegisteredApp",
    "UnprovenDomain",
    "authorization_url",
    "code_from_callback",
    "covers_blocks",
    "discover",
    "exchange_code",
    "full_acct",
    "instance_domain",
    "is_coarse",
    "new_pkce",
    "new_state",
    "register_app",
    "revoke",
    "verify_credentials",
    "with_blocks",
]
