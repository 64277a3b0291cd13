"""Envol's app on each Mastodon instance (registered once, cached) and the instance's address.

Views call these; only `platforms/mastodon/` speaks Mastodon's wire format.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from envol.core.config import CONFIG
from envol.platforms.errors import PlatformError, Rejected
from envol.platforms.mastodon import (
    COARSE_SCOPES,
    SCOPE_CHOICES,
    HttpClient,
    InstanceInfo,
    InstanceMap,
    MastodonToken,
    RegisteredApp,
    covers_blocks,
    is_coarse,
    register_app,
    revoke,
    with_blocks,
)
from envol.registry.models import Account, MastodonApp

logger = logging.getLogger("envol.registry")

# A server that refused the narrow scopes may honour them later (it was upgraded, or replaced by a
# Mastodon): once this long has passed and the server lists them (RFC 8414 metadata), ask again.
NARROW_RETRY_AFTER = timedelta(days=30)


def instance_url_overrides() -> dict[str, str]:
    """ENVOL_MASTODON_INSTANCE_URLS as {domain: base URL}: tests and closed networks reach an
    instance at an address other than https://domain (a fake on loopback, an internal host)."""
    return dict(CONFIG.mastodon_instance_urls)


def instance_map() -> InstanceMap:
    """The operator's mapping as the connector reads it: the operator's word is authority."""
    return InstanceMap(instance_url_overrides())


def cached_app(
    info: InstanceInfo, *, redirect_uri: str, http: HttpClient, learned: str = "", blocks: bool = False
) -> MastodonApp:
    """The registration of Envol at this instance (`_cached_app`), holding the right to block and
    mute when the sign-in asks for it (`blocks`, decision 0026)."""
    app = _cached_app(info, redirect_uri=redirect_uri, http=http, learned=learned)
    return with_block_scopes(app, info, http) if blocks else app


def _cached_app(info: InstanceInfo, *, redirect_uri: str, http: HttpClient, learned: str = "") -> MastodonApp:
    """The registration of Envol at this instance's address for this callback, registered the first time.

    Tied to the address actually contacted (`info.base_url`) and the domain proven there: a server
    claiming another instance's domain finds no registration of that instance to take over, and a
    stored registration's address never changes (docs/threat-model.md).
    """
    key = {"domain": info.domain, "base_url": info.base_url, "redirect_uri": redirect_uri}
    found = MastodonApp.objects.filter(**key).first()
    if found is not None and found.narrow_refused_at is not None and not is_coarse(found.scopes):
        # The engine saw the server refuse the narrow scopes (narrow_scopes_refused): ask for what
        # it honours at once, rather than through one more refused consent.
        return _register_again(found, info, http, (COARSE_SCOPES,))
    if found is not None and _narrow_again(found, info):
        return _register_again(found, info, http, SCOPE_CHOICES)
    if found is not None:
        return found
    # `learned`: the coarse scopes a forgotten registration had learned (the instance still honours
    # only those), so registering afresh does not cost the person a refused consent first.
    choices = (learned,) if learned else SCOPE_CHOICES
    registered = register_app(info, redirect_uri=redirect_uri, http=http, scope_choices=choices)
    try:
        with transaction.atomic():
            return MastodonApp.objects.create(
                **key,
                client_id=registered.client_id,
                client_secret=registered.client_secret,
                scopes=registered.scopes,
                narrow_refused_at=timezone.now() if learned else None,
            )
    except IntegrityError:
        # Two first sign-ins raced: keep the one that was stored first (ours is simply unused).
        return MastodonApp.objects.get(**key)


def with_block_scopes(app: MastodonApp, info: InstanceInfo, http: HttpClient) -> MastodonApp:
    """The app, registered again at its own address with the right to block and mute when it lacks
    it (decision 0026): only a registration holding a scope lets a sign-in ask for it. A server that
    refuses it keeps the old registration: blocks then fail there, and the page says so."""
    if covers_blocks(app.scopes):
        return app
    try:
        fresh = register_app(
            info_at(app, info),
            redirect_uri=app.redirect_uri,
            http=http,
            scope_choices=(with_blocks(app.scopes),),
        )
    except Rejected:
        return app
    app.client_id, app.client_secret, app.scopes = fresh.client_id, fresh.client_secret, fresh.scopes
    app.save(update_fields=["client_id", "client_secret", "scopes"])
    return app


def learn_coarse_scopes(app: MastodonApp, info: InstanceInfo, http: HttpClient) -> MastodonApp | None:
    """The server granted the app's narrow scopes and then refused them (Takahē): register Envol again
    at the same address with `read write`, on the same row, so that every later sign-in at this
    instance asks for what it honours. None when the app held no narrow scope (nothing coarser left)."""
    if is_coarse(app.scopes):
        return None
    logger.warning("mastodon_narrow_scopes_refused", extra={"domain": app.domain, "scopes": app.scopes})
    return _register_again(app, info, http, (COARSE_SCOPES,))


def narrow_scopes_refused(account: Account) -> None:
    """The engine's calls with this account's token were refused for their scopes (OutOfScope): the
    next sign-in at its instance registers Envol with the coarse scopes first (cached_app)."""
    if account.mastodon_app_id is not None and not is_coarse(account.token_scope):
        MastodonApp.objects.filter(pk=account.mastodon_app_id).update(narrow_refused_at=timezone.now())


def learned_scopes(app: MastodonApp) -> str:
    """The coarse scopes this registration learned the instance honours ('' when none were learned):
    kept when the registration itself is forgotten and made again."""
    return app.scopes if app.narrow_refused_at is not None and is_coarse(app.scopes) else ""


def forget_token(app: MastodonApp, info: InstanceInfo, token: MastodonToken, http: HttpClient) -> None:
    """Revoke a token Envol cannot use (its scopes were refused); best effort, it is kept nowhere."""
    with contextlib.suppress(PlatformError):
        revoke(info, registered(app), token, http)


def _narrow_again(app: MastodonApp, info: InstanceInfo) -> bool:
    """Whether a server that once refused the narrow scopes is worth asking for them again."""
    refused = app.narrow_refused_at
    lists_them = set(SCOPE_CHOICES[0].split()) <= info.scopes_supported
    return refused is not None and lists_them and refused < timezone.now() - NARROW_RETRY_AFTER


def _register_again(
    app: MastodonApp, info: InstanceInfo, http: HttpClient, choices: tuple[str, ...]
) -> MastodonApp:
    """A new registration at the app's own address, stored in place of the old one (same key)."""
    fresh = register_app(info_at(app, info), redirect_uri=app.redirect_uri, http=http, scope_choices=choices)
    app.client_id, app.client_secret, app.scopes = fresh.client_id, fresh.client_secret, fresh.scopes
    app.narrow_refused_at = None if choices == SCOPE_CHOICES else timezone.now()
    app.save(update_fields=["client_id", "client_secret", "scopes", "narrow_refused_at"])
    return app


def info_at(app: MastodonApp, info: InstanceInfo) -> InstanceInfo:
    """`info` as seen at the app's own address: a registration's secret and the tokens it issued go
    nowhere else."""
    return replace(info, domain=app.domain, base_url=app.base_url)


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
        "names": sorted(info.names),
    }


def info_from_session(data: dict[str, Any]) -> InstanceInfo:
    return InstanceInfo(
        domain=str(data["domain"]),
        base_url=str(data["base_url"]),
        software=str(data["software"]),
        version=str(data["version"]),
        pkce=bool(data["pkce"]),
        scopes_supported=frozenset(str(s) for s in data["scopes_supported"]),
        names=frozenset(str(n) for n in data.get("names", ())),
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
