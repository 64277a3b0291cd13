"""Who signed in: GET /api/v1/accounts/verify_credentials, reduced to the canonical identity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from envol.addresses.syntax import MastodonAddress
from envol.platforms.errors import Rejected
from envol.platforms.mastodon.discovery import InstanceInfo
from envol.platforms.mastodon.oauth import MastodonToken
from envol.platforms.mastodon.wire import HttpClient, call, json_object, text


@dataclass(frozen=True, slots=True)
class MastodonIdentity:
    actor_uri: str  # the stable id (DESIGN §2): handles and even instances' web addresses change
    acct: str  # always `user@domain`, lower case
    username: str  # as the server writes it (case preserved)
    display_name: str
    url: str  # the profile page
    locked: bool
    moved_to: str | None  # `user@domain` of the account this one moved to, if any


def verify_credentials(info: InstanceInfo, token: MastodonToken, http: HttpClient) -> MastodonIdentity:
    headers = {"Authorization": f"Bearer {token.access_token}"}
    body = json_object(call(http, "GET", info.url("/api/v1/accounts/verify_credentials"), headers=headers))
    # `uri` is the ActivityPub actor id; very old or non-Mastodon servers may omit it, and then the
    # profile `url` is the best stable id available.
    actor_uri = text(body, "uri") or text(body, "url")
    username = text(body, "username")
    if not actor_uri or not username:
        raise Rejected(f"{info.domain}: verify_credentials returned no account id")
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
