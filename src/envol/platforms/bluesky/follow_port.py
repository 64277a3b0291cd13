"""Bluesky's follow port (envol.platforms.follows.FollowPort) for one account, over its PDS.

The record key of a follow is its TID, drawn here before the write and committed by the engine.
Two refusals carry facts the engine acts on: RecordExists (an earlier attempt with these very keys
did commit: reported as a write of unknown outcome, so the engine reconciles instead of skipping)
and RecordsMissing on unfollow (already gone counts as removed). Requests are counted, and the
last response's rate-limit reading kept, by `CountingHttp` under the XRPC client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from envol.platforms.bluesky.auth import Credentials
from envol.platforms.bluesky.errors import RecordExists, RecordsMissing
from envol.platforms.bluesky.ratelimit import reading
from envol.platforms.bluesky.repo import FOLLOW, NewFollow, create_follows, delete_follows, iter_follows
from envol.platforms.bluesky.tid import TidClock
from envol.platforms.bluesky.writes import existing_rkeys
from envol.platforms.bluesky.xrpc import Xrpc
from envol.platforms.errors import ErrorCode, Rejected, Transient
from envol.platforms.follows import Followed, FollowResult, Prepared, Room
from envol.platforms.http import HttpClient
from envol.platforms.ratelimit import RateLimitReading


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


class BlueskyFollowPort:
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
        try:
            create_follows(self.xrpc, batch)
        except RecordExists as error:
            # Not a refusal of the targets: an earlier attempt with these very keys committed.
            raise Transient(error.message, status=error.status, code=ErrorCode.RECORD_EXISTS) from error
        except Rejected as error:
            # The PDS refuses a whole applyWrites for one record it finds invalid: about a target.
            if error.specific:
                raise
            raise Rejected(error.message, status=error.status, code=ErrorCode.INVALID) from error
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
