"""Parsing the PDS's rate-limit headers (pure; property-based)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from hypothesis import given
from hypothesis import strategies as st

from envol.platforms.bluesky.ratelimit import DEFAULT_BACKOFF, RateLimitInfo, parse_rate_limit, retry_at

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
counts = st.integers(min_value=0, max_value=10**9)
header_text = st.text(alphabet=st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=30)


def test_a_real_pds_answer() -> None:
    # As the reference PDS sends them on createSession (docs/testing-atproto.md).
    headers = httpx.Headers(
        {
            "RateLimit-Limit": "30",
            "RateLimit-Remaining": "29",
            "RateLimit-Reset": "1795471200",
            "RateLimit-Policy": "30;w=300",
        }
    )
    assert parse_rate_limit(headers) == RateLimitInfo(
        limit=30,
        remaining=29,
        reset_at=datetime.fromtimestamp(1795471200, UTC),
        policy="30;w=300",
        window_seconds=300,
    )


def test_no_headers_no_limit() -> None:
    assert parse_rate_limit(httpx.Headers()) is None
    assert parse_rate_limit(httpx.Headers({"ratelimit-limit": "30"})) is None


@given(counts, counts, st.integers(min_value=0, max_value=2**33), st.integers(min_value=1, max_value=86400))
def test_parse_round_trip(limit: int, remaining: int, reset: int, window: int) -> None:
    info = parse_rate_limit(
        {
            "ratelimit-limit": str(limit),
            "ratelimit-remaining": str(remaining),
            "ratelimit-reset": str(reset),
            "ratelimit-policy": f"{limit};w={window}",
        }
    )
    assert info is not None
    assert (info.limit, info.remaining, info.window_seconds) == (limit, remaining, window)
    assert info.reset_at == datetime.fromtimestamp(reset, UTC)


@given(header_text, header_text, header_text, header_text)
def test_garbage_never_raises(limit: str, remaining: str, reset: str, policy: str) -> None:
    headers = {
        "ratelimit-limit": limit,
        "ratelimit-remaining": remaining,
        "ratelimit-reset": reset,
        "ratelimit-policy": policy,
        "retry-after": reset,
    }
    info = parse_rate_limit(headers)
    assert info is None or (info.limit >= 0 and info.remaining >= 0)
    when = retry_at(headers, now=NOW)
    assert NOW <= when <= NOW + timedelta(days=2)


@given(st.integers(min_value=0, max_value=86400 * 2), st.integers(min_value=0, max_value=3600))
def test_reset_wins_over_retry_after(ahead: int, retry_after: int) -> None:
    reset = int(NOW.timestamp()) + ahead
    headers = {"ratelimit-reset": str(reset), "retry-after": str(retry_after)}
    assert retry_at(headers, now=NOW) == datetime.fromtimestamp(reset, UTC)


@given(st.integers(min_value=0, max_value=86400))
def test_retry_after_seconds(seconds: int) -> None:
    assert retry_at({"retry-after": str(seconds)}, now=NOW) == NOW + timedelta(seconds=seconds)


def test_retry_after_http_date_and_fallbacks() -> None:
    assert retry_at({"retry-after": "Mon, 23 Nov 2026 12:10:00 GMT"}, now=NOW) == NOW + timedelta(minutes=10)
    assert retry_at({}, now=NOW) == NOW + DEFAULT_BACKOFF
    # A reset a few seconds in the past (clock skew) means "now"; one years away is not believed.
    assert retry_at({"ratelimit-reset": str(int(NOW.timestamp()) - 5)}, now=NOW) == NOW
    assert retry_at({"ratelimit-reset": "99999999999"}, now=NOW) == NOW + DEFAULT_BACKOFF
