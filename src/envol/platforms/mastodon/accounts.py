"""Look an account up on a given instance: is it there, has it moved, is it suspended or limited?

`GET /api/v1/accounts/lookup?acct=` is public and never WebFingers (notes §4): asked of the account's
own instance (or of an instance that already knows it) it answers for a known account, 404 for an
unknown or deleted one. The canonical Account entity carries `moved` (the new Account), `suspended`
(Mastodon 3.3+) and `limited` (hidden by a moderator, 4.0+).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from envol.platforms.errors import NotFound, PlatformError
from envol.platforms.images import fetch_avatar
from envol.platforms.mastodon.identity import full_acct
from envol.platforms.mastodon.wire import HttpClient, call, json_object, text


@dataclass(frozen=True, slots=True)
class RemoteAccount:
    acct: str  # `user@domain`, lower case
    uri: str  # the ActivityPub actor id (the stable id)
    display_name: str
    avatar_url: str  # the static avatar: never an animation
    moved_to: str | None  # `user@domain` of the new account
    suspended: bool
    limited: bool


def lookup(base_url: str, acct: str, *, home_domain: str, http: HttpClient) -> RemoteAccount | None:
    """The account `acct` as the instance at `base_url` (whose handles end in `home_domain`) sees it.

    None when the instance does not know it (404/410: deleted, or never seen there). Other failures
    are the canonical errors (RateLimited, Transient...).
    """
    url = f"{base_url.rstrip('/')}/api/v1/accounts/lookup"
    try:
        body = json_object(call(http, "GET", url, params={"acct": acct.removeprefix("@")}))
    except NotFound:
        return None
    moved = body.get("moved")
    moved_acct = text(moved, "acct") if isinstance(moved, dict) else ""
    return RemoteAccount(
        acct=full_acct(text(body, "acct") or acct, home_domain),
        uri=text(body, "uri") or text(body, "url"),
        display_name=text(body, "display_name"),
        avatar_url=text(body, "avatar_static") or text(body, "avatar"),
        moved_to=full_acct(moved_acct, home_domain) if moved_acct else None,
        suspended=body.get("suspended") is True,
        limited=body.get("limited") is True,
    )


def fetch_image(url: str, *, http: HttpClient) -> tuple[bytes, str] | None:
    """An account's avatar: raster bytes only, size-capped, typed by its bytes (platforms.images)."""
    try:
        return fetch_avatar(url, http=http)
    except NotFound:
        return None


def home_says_gone(base_url: str, actor_uri: str, *, http: HttpClient) -> bool:
    """Whether the account's own server (at `base_url`, its actor URI's host) answers 404 or 410 to
    a WebFinger for the actor: the only answer that says an account is gone. Anything else (found, a
    timeout, a 5xx, a TLS or DNS failure, an answer from another host after a redirect) says
    nothing, so False. That server is believed only about its own accounts: the caller asks the
    actor's own host, and the answer must come from there."""
    url = f"{base_url.rstrip('/')}/.well-known/webfinger"
    try:
        response = http.request(
            "GET", url, params={"resource": actor_uri}, headers={"Accept": "application/jrd+json"}
        )
    except (httpx.TransportError, PlatformError):
        return False
    answered_by = (response.request.url.host or "").lower()
    return response.status_code in (404, 410) and answered_by == (httpx.URL(url).host or "").lower()
