"""Who signed in: GET /api/v1/accounts/verify_credentials, reduced to the canonical identity."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from envol.addresses.syntax import MastodonAddress
from envol.platforms.errors import Rejected
from envol.platforms.mastodon.authority import (
    ForeignIdentity,
    InstanceMap,
    host_of,
    points_to,
    webfinger_names,
)
from envol.platforms.mastodon.discovery import InstanceInfo
from envol.platforms.mastodon.oauth import MastodonToken
from envol.platforms.mastodon.wire import HttpClient, call, json_object, text

MAX_ACTOR_URI = 512


@dataclass(frozen=True, slots=True)
class MastodonIdentity:
    actor_uri: str  # the stable id (DESIGN §2): handles and even instances' web addresses change
    acct: str  # always `user@domain`, lower case
    username: str  # as the server writes it (case preserved)
    display_name: str
    url: str  # the profile page
    locked: bool
    moved_to: str | None  # `user@domain` of the account this one moved to, if any
    # The names of the server that vouched for this account (authority.py); the actor URI's host is
    # always one of them. The registry refuses a Mastodon identity whose actor is not.
    vouched_by: frozenset[str] = frozenset()


def verify_credentials(
    info: InstanceInfo, token: MastodonToken, http: HttpClient, *, instances: InstanceMap | None = None
) -> MastodonIdentity:
    """Who the token belongs to, once the server is shown to have authority over that account.

    The server's answer is a claim: its actor URI must live on one of the server's names (or on a
    domain that points back to the server) and its `acct` domain must be one of them too, unless that
    domain's own WebFinger names the same actor. `ForeignIdentity` otherwise (authority.py).
    """
    instances = instances or InstanceMap()
    identity = _read_credentials(info, token, http)
    names = info.authority
    actor_host = host_of(identity.actor_uri)
    if actor_host not in names:
        if not actor_host or not points_to(http, instances, actor_host, info.base_url, names):
            raise ForeignIdentity(info.domain, identity.actor_uri[:200])
        names |= {actor_host}
    domain = identity.acct.rpartition("@")[2]
    if domain not in names and not webfinger_names(http, instances, identity.acct, identity.actor_uri):
        raise ForeignIdentity(info.domain, identity.acct[:200])
    return replace(identity, vouched_by=names)


def _read_credentials(info: InstanceInfo, token: MastodonToken, http: HttpClient) -> MastodonIdentity:
    headers = {"Authorization": f"Bearer {token.access_token}"}
    body = json_object(call(http, "GET", info.url("/api/v1/accounts/verify_credentials"), headers=headers))
    # `uri` is the ActivityPub actor id; very old or non-Mastodon servers may omit it, and then the
    # profile `url` is the best stable id available.
    actor_uri = text(body, "uri") or text(body, "url")
    username = text(body, "username")
    if not actor_uri or not username:
        raise Rejected(f"{info.domain}: verify_credentials returned no account id")
    if len(actor_uri) > MAX_ACTOR_URI:  # the registry's column, and no real actor is that long
        raise Rejected(
            f"{info.domain}: verify_credentials returned an actor URI of {len(actor_uri)} characters"
        )
    moved = body.get("moved")
    return MastodonIdentity(
        actor_uri=actor_uri,
        acct=full_acct(text(body, "acct") or username, info.domain),
        username=username,
        display_name=text(body, "display_name"),
        url=text(body, "url"),
        locked=body.get("locked") is True,
        moved_to=_moved_acct(moved, info.domain) if isinstance(moved, dict) else None,
    )


def full_acct(acct: str, home_domain: str) -> str:
    """`user` (a local account, as the API writes it) or `user@domain` -> normalised `user@domain`."""
    user, _, domain = acct.removeprefix("@").partition("@")
    domain = domain or home_domain
    address = MastodonAddress.build(user, domain)
    # Other servers allow usernames Envol's parser would refuse (dots, dashes): keep them, lowered.
    return str(address) if address else f"{user}@{domain}".lower()


def _moved_acct(moved: dict[str, Any], home_domain: str) -> str | None:
    acct = text(moved, "acct")
    return full_acct(acct, home_domain) if acct else None
