"""Bluesky's follow port (envol.platforms.follows.FollowPort) for one account, over its PDS.

The record key of a follow is its TID, drawn here before the write and committed by the engine.
Two refusals carry facts the engine acts on: RecordExists (an earlier attempt with these very keys
did commit: reported as a write of unknown outcome, so the engine reconciles instead of skipping)
and RecordsMissing on unfollow (already gone counts as removed). Requests are counted, and the
last response's rate-limit reading kept, by `CountingHttp` under the XRPC client.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from envol.platforms.bluesky.appview import get_profiles
from envol.platforms.bluesky.auth import Credentials
from envol.platforms.bluesky.block_port import BlueskyBlocks
from envol.platforms.bluesky.errors import RecordsMissing
from envol.platforms.bluesky.ratelimit import reading
from envol.platforms.bluesky.repo import FOLLOW, NewFollow, create_follows, delete_follows, iter_follows
from envol.platforms.bluesky.tid import TidClock
from envol.platforms.bluesky.writes import engine_batch, existing_rkeys
from envol.platforms.bluesky.xrpc import Xrpc
from envol.platforms.errors import PlatformError
from envol.platforms.follows import Followed, FollowResult, Prepared, Room, Standing
from envol.platforms.http import HttpClient
from envol.platforms.ratelimit import RateLimitReading

logger = logging.getLogger("envol.platforms")


class CountingHttp:
    """An HttpClient that counts requests and keeps the last response's rate-limit reading."""

    def __init__(self, inner: HttpClient) -> None:
        self.inner = inner
        self.requests = 0
        self.rate_limit: RateLimitReading | None = None

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        self.requests += 1
        response = self.inner.request(method, url, **kwargs)
        refused = response.status_code == 429
        self.rate_limit = reading(response.headers, now=datetime.now(UTC), refused=refused)
        return response

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()


class BlueskyFollowPort(BlueskyBlocks):
    """Follows here; blocks (envol.platforms.blocks.BlockPort) from BlueskyBlocks."""

    def __init__(
        self,
        credentials: Credentials,
        http: HttpClient,
        renew: Callable[[HttpClient], Credentials] | None = None,
    ) -> None:
        self.http = CountingHttp(http)
        self.xrpc = Xrpc.for_account(self.http, credentials)
        self.did = credentials.did
        self._tids = TidClock()
        self._renew = renew

    @property
    def requests(self) -> int:
        return self.http.requests

    @property
    def rate_limit(self) -> RateLimitReading | None:
        return self.http.rate_limit

    def reauthorise(self) -> bool:
        """The PDS refused a token that should still be valid: one forced refresh (decision 0004);
        AuthExpired when it is refused too (the account is then marked)."""
        if self._renew is None:
            return False
        credentials, self._renew = self._renew(self.http), None  # once per port: never a refresh loop
        self.xrpc = Xrpc.for_account(self.http, credentials)
        return True

    def room(self) -> Room | None:
        return None  # Bluesky has no rule on how many one follows; its budgets are the limit

    def standing(self) -> Standing | None:
        """The account's own profile on the AppView (public, unauthenticated: labels are public),
        with the labels moderation services put on it; None when the AppView does not know it.
        The AppView is not the account's PDS: its requests and limits stay out of the PDS's count
        and reading (the engine's budget is the PDS's), and its trouble never stops the account's
        follows: they keep to the last counts known (None here)."""
        try:
            found = get_profiles(self.http.inner, [self.did])
        except PlatformError as error:
            logger.info("%s: own profile not read from the AppView: %s", self.did, error)
            return None
        if not found or found[0].did != self.did:
            return None
        profile = found[0]
        return Standing(
            labels=profile.labels_by_others(now=datetime.now(UTC)),
            followers=profile.followers,
            following=profile.follows,
            posts=profile.posts,
            created_at=profile.created_at,
        )

    def following(self) -> Iterator[Followed]:
        for record in iter_follows(self.xrpc):
            yield Followed(record.rkey, frozenset({record.subject}))

    def present(self, keys: Sequence[str]) -> dict[str, FollowResult]:
        return dict.fromkeys(existing_rkeys(self.xrpc, FOLLOW, keys), FollowResult.FOLLOWING)

    def prepare(self, target_id: str) -> Prepared:
        return Prepared(self._tids.next())  # a key of our own: no request

    def confirms_gone(self, target_id: str) -> bool:
        return False  # prepare never misses a target: a DID needs no resolving before a follow

    def follow(self, targets: Sequence[tuple[str, str]], created_at: datetime) -> list[FollowResult]:
        batch = [NewFollow(subject=subject, rkey=rkey, created_at=created_at) for rkey, subject in targets]
        with engine_batch():
            create_follows(self.xrpc, batch)
        return [FollowResult.FOLLOWING] * len(batch)

    def unfollow(self, keys: Sequence[str]) -> None:
        try:
            delete_follows(self.xrpc, keys)
        except RecordsMissing as error:
            rest = [key for key in keys if key not in error.rkeys]
            if rest:
                delete_follows(self.xrpc, rest)

    def close(self) -> None:
        self.http.close()
