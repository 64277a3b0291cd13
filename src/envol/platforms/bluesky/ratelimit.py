"""The PDS's rate-limit headers, parsed (pure functions: no I/O, no clock of their own).

With rate limits on, every PDS response describes its tightest bucket at that moment:
``ratelimit-limit``, ``ratelimit-remaining``, ``ratelimit-reset`` (Unix seconds) and
``ratelimit-policy`` (``<limit>;w=<window seconds>``); a 429 adds ``retry-after`` (seconds). The
reconnection engine budgets from these, and they always win over its defaults (DESIGN.md §5).
"""

from __future__ import annotations

import email.utils
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# Used only when a 429 says nothing usable about when to come back: the PDS's shortest window.
DEFAULT_BACKOFF = timedelta(minutes=5)
# Anything further away than this is a broken header, not a real reset (the longest PDS window is a day).
_LONGEST_WAIT = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """One response's view of its tightest rate-limit bucket."""

    limit: int
    remaining: int
    reset_at: datetime | None
    policy: str
    window_seconds: int | None


def _non_negative_int(value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() else None


def _epoch(value: str | None) -> datetime | None:
    seconds = _non_negative_int(value)
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _window(policy: str) -> int | None:
    # "30;w=300": the first window parameter; several policies may be listed, comma-separated.
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


def _retry_after(value: str | None, now: datetime) -> datetime | None:
    if value is None:
        return None
    seconds = _non_negative_int(value)
    if seconds is not None:
        return now + timedelta(seconds=min(seconds, int(_LONGEST_WAIT.total_seconds())))
    # RFC 9110 also allows an HTTP-date.
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def retry_at(headers: Mapping[str, str], *, now: datetime) -> datetime:
    """When a refused call may be tried again: ``ratelimit-reset``, else ``retry-after``, else a
    default backoff. Never earlier than ``now``, never absurdly far away."""
    for candidate in (_epoch(headers.get("ratelimit-reset")), _retry_after(headers.get("retry-after"), now)):
        # A reset a little in the past is clock skew between us and the PDS: come back at once.
        if candidate is not None and abs(candidate - now) <= _LONGEST_WAIT:
            return max(candidate, now)
    return now + DEFAULT_BACKOFF
