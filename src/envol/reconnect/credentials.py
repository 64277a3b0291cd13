"""Credentials for a source account, from what the registry stores: a Mastodon token, or a Bluesky
grant (OAuth with DPoP, or an app-password session; never the password) that
envol.registry.bluesky_tokens keeps fresh.

Tests replace the whole port factory (envol.reconnect.executor.ports_for) rather than this function.
"""

from __future__ import annotations

from dataclasses import dataclass

from envol.platforms.bluesky.auth import Credentials
from envol.platforms.errors import AuthExpired, ErrorCode
from envol.platforms.http import HttpClient
from envol.platforms.mastodon.identity import full_acct
from envol.registry.bluesky_tokens import credentials_for
from envol.registry.models import Account


@dataclass(frozen=True, slots=True)
class MastodonAccess:
    base_url: str  # where the person's instance answers
    domain: str  # the handle domain
    access_token: str


def mastodon_access(account: Account) -> MastodonAccess:
    app = account.mastodon_app
    if not account.access_token or app is None:
        raise AuthExpired("no Mastodon token stored for this account", code=ErrorCode.NO_TOKEN)
    domain = full_acct(account.handle, app.domain).partition("@")[2] or app.domain
    return MastodonAccess(app.base_url, domain, account.access_token)


def bluesky_credentials(account: Account, http: HttpClient) -> Credentials:
    """Credentials that act as the account on its PDS, refreshed first when they are about to run
    out; ``AuthExpired`` (the account then needs the person's consent again) otherwise."""
    return credentials_for(account, http)
