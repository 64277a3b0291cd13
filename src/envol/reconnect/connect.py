"""Build the platform port for one source account (settings.RECONNECT_PORTS names the factory, so
tests and benchmarks can point the engine at the local PDS or a fake without touching it)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from envol.core.ids import Platform
from envol.platforms.http import SafeHttp
from envol.platforms.mastodon.follows import MastodonFollows
from envol.reconnect.bluesky_port import BlueskyPort
from envol.reconnect.credentials import bluesky_credentials, mastodon_access
from envol.registry.models import Account

DEFAULT_FACTORY = "envol.reconnect.connect.default_ports"


def ports_for(account: Account) -> Any:
    """A BlueskyRepo or a MastodonAccount (envol.reconnect.ports) acting as `account`."""
    factory = import_string(getattr(settings, "RECONNECT_PORTS", "") or DEFAULT_FACTORY)
    return factory(account)


def default_ports(account: Account) -> Any:
    if account.platform == Platform.MASTODON:
        access = mastodon_access(account)
        return MastodonFollows(access.base_url, access.domain, access.access_token, SafeHttp())
    http = SafeHttp()
    return BlueskyPort(bluesky_credentials(account, http), http)
