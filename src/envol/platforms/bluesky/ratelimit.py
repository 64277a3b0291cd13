"""The PDS's rate-limit headers, parsed (pure functions: no I/O, no clock of their own).

With rate limits on, every PDS response describes its tightest bucket at that moment:
``ratelimit-limit``, ``ratelimit-remaining``, ``ratelimit-reset`` (Unix seconds) and
``ratelimit-policy`` (``<limit>;w=<window seconds>``); a 429 adds ``retry-after`` (seconds). The
reconnection engine budgets from these, and they always win over its defaults (DESIGN.md §5).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from envol.platforms.ratelimit import LONGEST_WAIT, RateLimitReading, non_negative_int, retry_after

# Used only when a 429 says nothing usable about when to come back: the PDS's shortest window.
DEFAULT_BACKOFF = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """One response's view of its tightest rate-limit bucket."""

    limit: int
    remaining: int
    reset_at: datetime | None
    policy: str
    window_seconds: int | None


_non_negative_int = non_negative_int


def _epoch(value: str | None) -> datetime | None:
    seconds = _non_negative_int(value)
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _window(policy: str) -> int | None:
    # "5000;w=3600, 35000;w=86400": the first policy is the bucket the other headers describe.
    for part in policy.split(",")[0].split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key == "w":
            return _non_negative_int(value)
    return None


def parse_rate_limit(headers: Mapping[str, str]) -> RateLimitInfo | None:
    """The rate-limit state a response declares, or None when it declares none (limits off)."""
    limit = _non_negative_int(headers.get("ratelimit-limit"))
    remaining = _non_negative_int(headers.get("ratelimit-remaining"))
    if limit is None or remaining is None:
        return None
    policy = headers.get("ratelimit-policy", "").strip()
    return RateLimitInfo(
        limit=limit,
        remaining=remaining,
        reset_at=_epoch(headers.get("ratelimit-reset")),
        policy=policy,
        window_seconds=_window(policy),
    )


def retry_at(headers: Mapping[str, str], *, now: datetime) -> datetime:
    """When a refused call may be tried again: ``ratelimit-reset``, else ``retry-after``, else a
    default backoff. Never earlier than ``now``, never absurdly far away."""
    for candidate in (_epoch(headers.get("ratelimit-reset")), retry_after(headers.get("retry-after"), now)):
        # A reset a little in the past is clock skew between us and the PDS: come back at once.
        if candidate is not None and abs(candidate - now) <= LONGEST_WAIT:
            return max(candidate, now)
    return now + DEFAULT_BACKOFF


def reading(headers: Mapping[str, str], *, now: datetime, refused: bool = False) -> RateLimitReading | None:
    """The canonical reading of one PDS response (None when it declares nothing). A refused call
    (429) always carries the deadline `retry_at` computes, the same one its RateLimited names."""
    info = parse_rate_limit(headers)
    retry = retry_at(headers, now=now) if refused else retry_after(headers.get("retry-after"), now)
    if info is None and retry is None:
        return None
    return RateLimitReading(
        limit=info.limit if info else None,
        remaining=info.remaining if info else None,
        reset_at=info.reset_at if info else None,
        window_seconds=float(info.window_seconds) if info and info.window_seconds is not None else None,
        retry_at=retry,
    )
