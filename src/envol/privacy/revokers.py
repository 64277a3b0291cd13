"""The revocation hooks: Mastodon's `POST /oauth/revoke` at the person's instance; Bluesky's OAuth
revocation at the authorization server, or `com.atproto.server.deleteSession` for an app password.

Registered by name in envol.privacy.apps (envol.core.deferred): this module, and the HTTP clients it
needs, load only when a token is revoked."""

from __future__ import annotations

from envol.platforms.http import SafeHttp
from envol.registry import bluesky_tokens
from envol.registry.mastodon_apps import revoke_quietly
from envol.registry.models import Account


def revoke_mastodon(account: Account) -> bool:
    with SafeHttp() as http:
        return revoke_quietly(account, http)


def revoke_bluesky(account: Account) -> bool:
    with SafeHttp() as http:
        return bluesky_tokens.revoke(account, http)
