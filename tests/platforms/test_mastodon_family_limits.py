"""Rate-limit answers of the other Mastodon-API servers (docs/testing-fake-mastodon.md, "Other servers"):
GoToSocial writes `X-Ratelimit-Reset` as a unix timestamp, not Mastodon's ISO 8601; Pleroma and Akkoma
refuse with 429 `{"error": "Throttled"}` and no rate-limit header at all; GoToSocial's throttle answers
503 with `Retry-After: 30`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from envol.platforms.errors import RateLimited, Transient
from envol.platforms.mastodon.ratelimit import DEFAULT_BACKOFF, reading, retry_at
from envol.platforms.mastodon.wire import error_for

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _answer(status: int, headers: dict[str, str], body: bytes = b"{}") -> httpx.Response:
    return httpx.Response(
        status, headers=headers, content=body, request=httpx.Request("GET", "https://x.test/api")
    )


def test_gotosocial_reset_as_a_unix_timestamp_is_read() -> None:
    reset = NOW + timedelta(minutes=4)
    headers = httpx.Headers(  # as GoToSocial spells them; header names are case-insensitive
        {
            "X-Ratelimit-Limit": "300",
            "X-Ratelimit-Remaining": "12",
            "X-Ratelimit-Reset": str(int(reset.timestamp())),
        }
    )
    seen = reading(headers, now=NOW)
    assert seen is not None
    assert (seen.limit, seen.remaining, seen.reset_at) == (300, 12, reset)
    assert retry_at(headers, now=NOW) == reset


def test_pleroma_throttled_without_headers_waits_the_default() -> None:
    error = error_for(_answer(429, {}, b'{"error":"Throttled"}'))
    assert isinstance(error, RateLimited)
    assert retry_at({}, now=NOW) == NOW + DEFAULT_BACKOFF


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gotosocial_throttle_503_is_a_passing_fault(status: int) -> None:
    assert isinstance(error_for(_answer(status, {"Retry-After": "30"})), Transient)
