"""The revocation hooks that exist today: Mastodon's `POST /oauth/revoke` at the person's instance."""

from __future__ import annotations

from envol.core.ids import Platform
from envol.platforms.http import SafeHttp
from envol.privacy.hooks import register_revoker
from envol.registry.mastodon_apps import revoke_quietly
from envol.registry.models import Account


def revoke_mastodon(account: Account) -> bool:
    with SafeHttp() as http:
        return revoke_quietly(account, http)


register_revoker(Platform.MASTODON, revoke_mastodon)
