"""The PDS's own rate limits switched on: the exposed ratelimit-* values and RateLimited from real 429s."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from envol.platforms.bluesky.password import PasswordCredentials
from envol.platforms.bluesky.repo import create_follows, iter_follows, new_follow
from envol.platforms.bluesky.xrpc import Xrpc
from envol.platforms.errors import RateLimited
from support.atproto_net import AtprotoNetwork

from .conftest import fake_did, sign_in


@dataclass
class RecordingHttp:
    """Passes requests to a real client and keeps the last response, to compare with what we parse."""

    inner: httpx.Client
    responses: list[httpx.Response] = field(default_factory=list)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = self.inner.request(method, url, **kwargs)
        self.responses.append(response)
        return response


def test_rate_limit_values_are_exposed(
    http: httpx.Client, atproto_network_rate_limited: AtprotoNetwork
) -> None:
    net = atproto_network_rate_limited
    recording = RecordingHttp(http)
    xrpc = Xrpc.for_account(recording, sign_in(http, net, net.account("alice")))
    xrpc.query("com.atproto.server.getSession")
    info = xrpc.last_rate_limit
    assert info is not None
    headers = recording.responses[-1].headers
    assert (info.limit, info.remaining) == (
        int(headers["ratelimit-limit"]),
        int(headers["ratelimit-remaining"]),
    )
    assert info.reset_at == datetime.fromtimestamp(int(headers["ratelimit-reset"]), UTC)
    # Ordinary calls carry the global bucket: 3000 requests per 5 minutes per IP.
    assert (info.limit, info.policy, info.window_seconds) == (3000, "3000;w=300", 300)
    assert 0 < info.remaining < 3000


def test_the_write_budget_ends_in_rate_limited(
    http: httpx.Client, atproto_network_rate_limited: AtprotoNetwork
) -> None:
    # 5000 points per hour per account, 3 per create: 8 batches of 200 pass, the 9th is refused whole.
    net = atproto_network_rate_limited
    recording = RecordingHttp(http)
    xrpc = Xrpc.for_account(recording, sign_in(http, net, net.create_account()))
    seen: list[tuple[str, int]] = []
    for batch in range(8):
        create_follows(xrpc, [new_follow(fake_did(f"rl-{batch}-{i}")) for i in range(200)])
        assert xrpc.last_rate_limit is not None
        seen.append((xrpc.last_rate_limit.policy, xrpc.last_rate_limit.remaining))
    # The headers describe the bucket with the fewest points left: the global one (about 2990 of
    # 3000) until the hourly write bucket (600 points a batch) falls below it, after 4 batches. So
    # the write budget only shows in the headers once it is the scarcer one.
    assert [policy for policy, _ in seen[:3]] == ["3000;w=300"] * 3
    assert all(2900 < left < 3000 for _, left in seen[:3])
    assert seen[3:] == [("5000;w=3600", 5000 - 600 * (n + 1)) for n in range(3, 8)]

    with pytest.raises(RateLimited, match="429 RateLimitExceeded") as caught:
        create_follows(xrpc, [new_follow(fake_did(f"rl-9-{i}")) for i in range(200)])
    refused = recording.responses[-1]
    assert refused.status_code == 429
    assert caught.value.retry_at == datetime.fromtimestamp(int(refused.headers["ratelimit-reset"]), UTC)
    assert caught.value.retry_at > datetime.now(UTC)
    assert xrpc.last_rate_limit is not None
    assert xrpc.last_rate_limit.remaining == int(refused.headers["ratelimit-remaining"])
    assert len(list(iter_follows(xrpc))) == 1600  # nothing of the refused batch


def test_too_many_sessions_end_in_rate_limited(
    http: httpx.Client, atproto_network_rate_limited: AtprotoNetwork
) -> None:
    # createSession: 30 per 5 minutes per identifier (+ IP). The 31st is a 429, not a wrong password.
    net = atproto_network_rate_limited
    account = net.create_account()

    def login(_: int) -> PasswordCredentials | RateLimited:
        with httpx.Client(timeout=60) as client:
            try:
                return PasswordCredentials.create_session(
                    client, net.pds_url, account.handle, account.app_password
                )
            except RateLimited as error:
                return error

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(login, range(31)))
    refused = [o for o in outcomes if isinstance(o, RateLimited)]
    assert len(refused) == 1
    assert sum(isinstance(o, PasswordCredentials) for o in outcomes) == 30
    # retry_at is the bucket's reset, at most the 5-minute window away.
    seconds = (refused[0].retry_at - datetime.now(UTC)).total_seconds()
    assert 0 < seconds <= 301
