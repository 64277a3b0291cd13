"""Build the follow port (envol.platforms.follows.FollowPort) that acts as one source account: the
one place where the engine picks a platform's connector. In the sandbox (development only, decision
0024) a simulated account gets the simulated platforms' port. Tests swap `envol.reconnect.executor.
ports_for` for the recording fake (tests/fakes/follow_port.py)."""

from __future__ import annotations

from envol.core.ids import Platform
from envol.core.sandbox import sandbox_enabled
from envol.platforms.blocks import AccountPort
from envol.platforms.bluesky.auth import Credentials
from envol.platforms.bluesky.follow_port import BlueskyFollowPort
from envol.platforms.http import HttpClient, SafeHttp
from envol.platforms.mastodon.follow_port import MastodonFollowPort
from envol.platforms.mastodon.follows import MastodonFollows
from envol.platforms.sandbox.follow_port import SandboxFollowPort
from envol.platforms.sandbox.world import is_simulated
from envol.reconnect.credentials import bluesky_credentials, mastodon_access
from envol.registry.bluesky_tokens import after_auth_expired
from envol.registry.mastodon_apps import instance_map
from envol.registry.models import Account


def ports_for(account: Account) -> AccountPort:
    if sandbox_enabled() and is_simulated(account.platform, account.stable_id):
        return SandboxFollowPort(account.platform, account.stable_id)
    if account.platform == Platform.MASTODON:
        access = mastodon_access(account)
        client = MastodonFollows(access.base_url, access.domain, access.access_token, SafeHttp())
        return MastodonFollowPort(client, instance_map())
    http = SafeHttp()

    def renew(counted: HttpClient) -> Credentials:
        # A token the PDS refuses before its time gets the one forced refresh of decision 0004.
        return after_auth_expired(account, counted)

    return BlueskyFollowPort(bluesky_credentials(account, http), http, renew=renew)
