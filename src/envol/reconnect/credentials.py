"""Credentials for a source account, built from what the registry stores (the one place to change
when Bluesky OAuth lands: envol.platforms.bluesky.auth.Credentials is the contract).

Tests replace the whole port factory (settings.RECONNECT_PORTS) rather than this function.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from envol.platforms.bluesky.auth import Credentials
from envol.platforms.bluesky.password import PasswordCredentials
from envol.platforms.errors import AuthExpired
from envol.platforms.http import HttpClient
from envol.platforms.mastodon.identity import full_acct
from envol.registry.models import Account

#: token_scope of a Bluesky account whose access_token holds an app password (the fallback sign-in).
APP_PASSWORD_SCOPE = "app_password"  # noqa: S105 (a marker, not a secret)


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


def bluesky_credentials(account: Account, http: HttpClient) -> Credentials:
    """Credentials that act as the account on its PDS.

    Today: an app password kept (encrypted) in `access_token` with `token_scope` "app_password",
    exchanged for a session at the entryway. Bluesky OAuth (branch bsky-oauth) will store a
    DPoP-bound token and its refresh instead; this function is where it plugs in.
    """
    if account.token_scope != APP_PASSWORD_SCOPE or not account.access_token:
        raise AuthExpired("no Bluesky credentials stored for this account yet", code="no_credentials")
    entryway = str(settings.BLUESKY_ENTRYWAY)
    return PasswordCredentials.create_session(http, entryway, account.stable_id, account.access_token)
