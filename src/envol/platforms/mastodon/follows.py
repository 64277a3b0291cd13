"""Follows on the person's own instance: list, resolve, follow, unfollow, relationships.

Targets are always resolved through the person's instance (`/api/v2/search?resolve=true`): ids are
per instance, so an id learnt anywhere else means nothing here. Canonical errors only; the rules
Mastodon enforces become codes the engine can explain:

- the 7,500-follows rule (422 "You can't follow more than N people") -> Rejected(code="follow_limit");
- a moved account refuses follows (403): `resolve` reports where it moved, so the caller follows the
  new account instead;
- a locked target answers `requested: true`: a follow request, not yet a follow.

The client never sleeps or retries; it remembers the last response's rate-limit headers for the
engine's budget (`rate_limit`, a canonical reading) and counts its requests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from envol.platforms.errors import ErrorCode, NotFound, RateLimited, Rejected
from envol.platforms.mastodon.identity import full_acct
from envol.platforms.mastodon.ratelimit import reading
from envol.platforms.mastodon.wire import HttpClient, call, json_list, json_object, text
from envol.platforms.ratelimit import RateLimitReading

_FOLLOW_LIMIT = re.compile(r"can't follow more than (\d+)", re.IGNORECASE)
_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="next"')
#: Account-entity booleans about the account's own standing (Mastodon's API: `limited`, `suspended`).
ACCOUNT_FLAGS = ("limited", "suspended")


@dataclass(frozen=True, slots=True)
class RemoteAccount:
    id: str  # on the person's instance
    acct: str  # `user@domain`
    uri: str  # ActivityPub actor id: the stable id Envol keys targets by
    locked: bool = False
    moved_to: RemoteAccount | None = None


@dataclass(frozen=True, slots=True)
class SelfCounts:
    id: str
    following_count: int
    followers_count: int
    statuses_count: int | None = None
    created_at: datetime | None = None
    # What the account entity says about the account's own state: `limited` (moderators hid it
    # from people who do not follow it) and `suspended`, only when true.
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Relationship:
    id: str
    following: bool
    requested: bool
    blocking: bool = False
    muting: bool = False


class MastodonFollows:
    """One person's follows on their instance (`base_url` is where its API answers)."""

    def __init__(self, base_url: str, domain: str, access_token: str, http: HttpClient) -> None:
        self.base_url = base_url.rstrip("/")
        self.domain = domain
        self.http = http
        self._auth = {"Authorization": f"Bearer {access_token}"}
        self.rate_limit: RateLimitReading | None = None
        self.requests = 0

    def _call(self, method: str, path_or_url: str, **kwargs: Any) -> httpx.Response:
        url = path_or_url if "://" in path_or_url else f"{self.base_url}{path_or_url}"
        self.requests += 1
        try:
            response = call(self.http, method, url, headers=self._auth, **kwargs)
        except RateLimited as error:
            self.rate_limit = RateLimitReading(retry_at=error.retry_at)
            raise
        except Rejected as error:
            raise _explained(error) from error
        self.rate_limit = reading(response.headers, now=datetime.now(UTC))
        return response

    def reauthorise(self) -> bool:
        """Mastodon tokens do not expire and have no refresh: a refused one needs a new sign-in."""
        return False

    def me(self) -> SelfCounts:
        body = json_object(self._call("GET", "/api/v1/accounts/verify_credentials"))
        statuses = body.get("statuses_count")
        return SelfCounts(
            text(body, "id"),
            _count(body, "following_count"),
            _count(body, "followers_count"),
            statuses_count=statuses if isinstance(statuses, int) and statuses >= 0 else None,
            created_at=_moment(body.get("created_at")),
            flags=frozenset(flag for flag in ACCOUNT_FLAGS if body.get(flag) is True),
        )

    def following(self, account_id: str) -> Iterator[RemoteAccount]:
        """Every account `account_id` follows, page by page along the Link headers (80 a page)."""
        url: str | None = f"/api/v1/accounts/{account_id}/following?limit=80"
        while url is not None:
            response = self._call("GET", url)
            for item in json_list(response):
                yield self._account(item)
            found = _NEXT_LINK.search(response.headers.get("Link", ""))
            url = _on_this_server(found.group(1)) if found else None

    def resolve(self, address: str) -> RemoteAccount:
        """The account at `address` (actor URI or `user@domain`) as the person's instance knows it,
        fetching it from its home server if needed. NotFound when nobody answers to it."""
        params = {"q": address, "resolve": "true", "type": "accounts", "limit": "5"}
        body = json_object(self._call("GET", "/api/v2/search", params=params))
        accounts = body.get("accounts")
        wanted = address.removeprefix("@").lower()
        for item in accounts if isinstance(accounts, list) else []:
            if isinstance(item, dict):
                found = self._account(item)
                if wanted in (found.uri.lower(), found.acct.lower(), text(item, "url").lower()):
                    return found
        raise NotFound(f"{self.domain}: no account answers to {address}", status=404)

    def follow(self, account_id: str) -> Relationship:
        return _relationship(json_object(self._call("POST", f"/api/v1/accounts/{account_id}/follow")))

    def unfollow(self, account_id: str) -> Relationship:
        return _relationship(json_object(self._call("POST", f"/api/v1/accounts/{account_id}/unfollow")))

    def act(self, account_id: str, verb: str) -> Relationship:
        """POST /api/v1/accounts/:id/<verb>: block, unblock, mute, unmute (each idempotent on
        Mastodon: a second block changes nothing; unblocking someone not blocked is no error)."""
        if verb not in {"block", "unblock", "mute", "unmute"}:
            raise ValueError(f"not an account action: {verb}")
        return _relationship(json_object(self._call("POST", f"/api/v1/accounts/{account_id}/{verb}")))

    def relationships(self, account_ids: list[str]) -> dict[str, Relationship]:
        """By id (servers answer in their own order, not the request's); at most 40 ids a call."""
        params: list[tuple[str, str | int | float | bool | None]] = [("id[]", i) for i in account_ids[:40]]
        response = self._call("GET", f"/api/v1/accounts/relationships?{httpx.QueryParams(params)}")
        found = [_relationship(i) for i in json_list(response) if isinstance(i, dict)]
        return {r.id: r for r in found}

    def _account(self, body: dict[str, Any]) -> RemoteAccount:
        moved = body.get("moved")
        return RemoteAccount(
            id=text(body, "id"),
            acct=full_acct(text(body, "acct") or text(body, "username"), self.domain),
            uri=text(body, "uri") or text(body, "url"),
            locked=body.get("locked") is True,
            moved_to=self._account(moved) if isinstance(moved, dict) else None,
        )


def _on_this_server(link: str) -> str:
    """The path and query of a paging link, asked of the person's own instance at its address: the
    server writes the link with its public name, which may not be where Envol reaches it (a mapped
    instance), and the token goes nowhere else whatever host a link names."""
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _explained(error: Rejected) -> Rejected:
    """Give Mastodon's refusals that the engine must tell apart a stable code."""
    found = _FOLLOW_LIMIT.search(error.message)
    if error.status == 422 and found:
        return Rejected(error.message, status=422, code=ErrorCode.FOLLOW_LIMIT)
    if error.status == 403:
        return Rejected(error.message, status=403, code=ErrorCode.NOT_ALLOWED)
    return error


def _relationship(body: dict[str, Any]) -> Relationship:
    return Relationship(
        text(body, "id"),
        body.get("following") is True,
        body.get("requested") is True,
        blocking=body.get("blocking") is True,
        muting=body.get("muting") is True,
    )


def _moment(raw: object) -> datetime | None:
    if not isinstance(raw, str) or len(raw) > 64:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _count(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    return value if isinstance(value, int) else 0
