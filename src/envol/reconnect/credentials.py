"""Credentials for a source account, built from what the registry stores (the one place to change
when Bluesky OAuth lands: envol.platforms.bluesky.auth.Credentials is the contract).

Tests replace the whole port factory (settings.RECONNECT_PORTS) rather than this function.
"""

from __future__ import annotations

from dataclasses import dataclass

from envol.platforms.errors import AuthExpired
from envol.platforms.mastodon.identity import full_acct
from envol.registry.models import Account


@dataclass(frozen=True, slots=True)
class MastodonAccess:
    base_url: str  # where the person's instance answers
    domain: str  # the handle domain
    access_token: str


def mastodon_access(account: Account) -> MastodonAccess:
    app = account.mastodon_app
    if not account.access_token or app is None:
        raise AuthExpired("no Mastodon token stored for this account", code="no_token")
    domain = full_acct(account.handle, app.domain).partition("@")[2] or app.domain
    return MastodonAccess(app.base_url, domain, account.access_token)
