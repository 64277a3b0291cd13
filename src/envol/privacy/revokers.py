"""The revocation hooks: Mastodon's `POST /oauth/revoke` at the person's instance; Bluesky's OAuth
revocation at the authorization server, or `com.atproto.server.deleteSession` for an app password."""

from __future__ import annotations

from envol.core.ids import Platform
from envol.platforms.http import SafeHttp
from envol.privacy.hooks import register_revoker
from envol.registry import bluesky_tokens
from envol.registry.mastodon_apps import revoke_quietly
from envol.registry.models import Account


def revoke_mastodon(account: Account) -> bool:
    with SafeHttp() as http:
        return revoke_quietly(account, http)


register_revoker(Platform.MASTODON, revoke_mastodon)


def revoke_bluesky(account: Account) -> bool:
    with SafeHttp() as http:
        return bluesky_tokens.revoke(account, http)


register_revoker(Platform.BLUESKY, revoke_bluesky)
