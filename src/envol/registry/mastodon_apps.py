"""Envol's app on each Mastodon instance (registered once, cached) and the instance's address.

Views call these; only `platforms/mastodon/` speaks Mastodon's wire format.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction

from envol.core.config import CONFIG
from envol.platforms.errors import PlatformError
from envol.platforms.mastodon import (
    HttpClient,
    InstanceInfo,
    MastodonToken,
    RegisteredApp,
    register_app,
    revoke,
)
from envol.registry.models import Account, MastodonApp

logger = logging.getLogger("envol.registry")


def instance_url_overrides() -> dict[str, str]:
    """ENVOL_MASTODON_INSTANCE_URLS as {domain: base URL}: tests and closed networks reach an
    instance at an address other than https://domain (a fake on loopback, an internal host)."""
    return dict(CONFIG.mastodon_instance_urls)


def cached_app(info: InstanceInfo, *, redirect_uri: str, http: HttpClient) -> MastodonApp:
    """The registration of Envol on this instance for this callback, registering it the first time."""
    found = MastodonApp.objects.filter(domain=info.domain, redirect_uri=redirect_uri).first()
    if found is not None:
        if found.base_url != info.base_url:  # the instance moved its API host: follow it
            found.base_url = info.base_url
            found.save(update_fields=["base_url"])
        return found
    registered = register_app(info, redirect_uri=redirect_uri, http=http)
    try:
        with transaction.atomic():
            return MastodonApp.objects.create(
                domain=info.domain,
                base_url=info.base_url,
                client_id=registered.client_id,
                client_secret=registered.client_secret,
                scopes=registered.scopes,
                redirect_uri=redirect_uri,
            )
    except IntegrityError:
        # Two first sign-ins raced: keep the one that was stored first (ours is simply unused).
        return MastodonApp.objects.get(domain=info.domain, redirect_uri=redirect_uri)


def registered(app: MastodonApp) -> RegisteredApp:
    return RegisteredApp(app.client_id, app.client_secret or "", app.scopes)


def info_to_session(info: InstanceInfo) -> dict[str, Any]:
    return {
        "domain": info.domain,
        "base_url": info.base_url,
        "software": info.software,
        "version": info.version,
        "pkce": info.pkce,
        "scopes_supported": sorted(info.scopes_supported),
    }


def info_from_session(data: dict[str, Any]) -> InstanceInfo:
    return InstanceInfo(
        domain=str(data["domain"]),
        base_url=str(data["base_url"]),
        software=str(data["software"]),
        version=str(data["version"]),
        pkce=bool(data["pkce"]),
        scopes_supported=frozenset(str(s) for s in data["scopes_supported"]),
    )


def revoke_quietly(account: Account, http: HttpClient) -> bool:
    """Revoke an unlinked account's token at its instance; False when that could not be done.

    Best effort: the row is already gone, so the token is in no storage of ours any more; a server
    that is down must not keep a person from unlinking.
    """
    app = account.mastodon_app
    if not account.access_token or app is None:
        return False
    info = InstanceInfo(domain=app.domain, base_url=app.base_url, software="", version="")
    try:
        revoke(info, registered(app), MastodonToken(account.access_token, account.token_scope), http)
    except PlatformError as error:
        logger.warning(
            "mastodon_revoke_failed", extra={"error": type(error).__name__, "status": error.status}
        )
        return False
    return True
