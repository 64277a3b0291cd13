"""The executor's Bluesky port (envol.reconnect.ports.BlueskyRepo) over the Bluesky connector.

Adds what the engine needs around the connector's calls: a count of HTTP requests and the last
response's rate-limit headers (CountingHttp), and the two refusals that carry facts the engine acts
on: RecordExists (an earlier attempt did commit: reported as a write of unknown outcome, so the
engine reconciles instead of skipping) and RecordsMissing on undo (already gone counts as deleted).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import httpx

from envol.platforms.bluesky.auth import Credentials
from envol.platforms.bluesky.errors import RecordExists, RecordsMissing
from envol.platforms.bluesky.repo import FOLLOW, NewFollow, create_follows, delete_follows, iter_follows
from envol.platforms.bluesky.tid import TidClock
from envol.platforms.bluesky.writes import existing_rkeys
from envol.platforms.bluesky.xrpc import Xrpc
from envol.platforms.errors import Transient
from envol.platforms.http import HttpClient

_RATE = ("ratelimit", "retry-after")


class CountingHttp:
    """An HttpClient that counts requests and keeps the last response's rate-limit headers."""

    def __init__(self, inner: HttpClient) -> None:
        self.inner = inner
        self.requests = 0
        self.rate_headers: dict[str, str] = {}

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        self.requests += 1
        response = self.inner.request(method, url, **kwargs)
        self.rate_headers = {k.lower(): v for k, v in response.headers.items() if k.lower().startswith(_RATE)}
        return response

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()


class BlueskyPort:
    def __init__(self, credentials: Credentials, http: HttpClient) -> None:
        self.http = CountingHttp(http)
        self.xrpc = Xrpc.for_account(self.http, credentials)
        self.did = credentials.did
        self._tids = TidClock()

    @property
    def requests(self) -> int:
        return self.http.requests

    @property
    def rate_headers(self) -> Mapping[str, str]:
        return self.http.rate_headers

    def new_rkey(self) -> str:
        return self._tids.next()

    def follows(self) -> Iterator[tuple[str, str]]:
        for record in iter_follows(self.xrpc):
            yield record.rkey, record.subject

    def existing_rkeys(self, rkeys: Sequence[str]) -> set[str]:
        return existing_rkeys(self.xrpc, FOLLOW, rkeys)

    def create_follows(self, follows: Sequence[tuple[str, str]], created_at: datetime) -> None:
        batch = [NewFollow(subject=subject, rkey=rkey, created_at=created_at) for rkey, subject in follows]
        try:
            create_follows(self.xrpc, batch)
        except RecordExists as error:
            # Not a refusal of the targets: an earlier attempt with these very keys committed.
            raise Transient(error.message, status=error.status, code="record_exists") from error

    def delete_follows(self, rkeys: Sequence[str]) -> None:
        try:
            delete_follows(self.xrpc, rkeys)
        except RecordsMissing as error:
            rest = [rkey for rkey in rkeys if rkey not in error.rkeys]
            if rest:
                delete_follows(self.xrpc, rest)

    def close(self) -> None:
        self.http.close()
