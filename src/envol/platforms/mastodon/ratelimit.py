"""Mastodon's rate-limit headers, parsed once (pure: no I/O, no clock of its own).

Mastodon answers every API call with ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and
``X-RateLimit-Reset`` (an ISO 8601 timestamp, notes/mastodon-api.md §1; GoToSocial writes seconds
since the epoch) for the bucket closest to
running out; it does not name the window. Proxies in front of some instances add ``Retry-After``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from envol.platforms.ratelimit import RateLimitReading, bounded, non_negative_int, retry_after

# Used only when a 429 carries no usable reset: Mastodon's shortest API window is 5 minutes.
DEFAULT_BACKOFF = timedelta(minutes=5)


def _iso(value: str | None) -> datetime | None:
    """Mastodon's ISO 8601 reset, or GoToSocial's unix timestamp (docs/api/ratelimiting.md there)."""
    if not value:
        return None
    if value.strip().isdigit():
        try:
            return datetime.fromtimestamp(int(value.strip()), UTC)
        except (OverflowError, OSError, ValueError):
            return None  # absurd: bounded() would refuse it anyway
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _get(headers: Mapping[str, str], name: str) -> str | None:
    # httpx.Headers is case-insensitive; a plain dict from a test or a fake may not be.
    value = headers.get(name)
    return value if value is not None else headers.get(name.lower())


def retry_at(headers: Mapping[str, str], *, now: datetime) -> datetime:
    """When a refused call (429) may be tried again: the reset, else `Retry-After`, else a default."""
    reset = _iso(_get(headers, "X-RateLimit-Reset"))
    if reset is not None:
        return bounded(reset, now)
    return retry_after(_get(headers, "Retry-After"), now) or now + DEFAULT_BACKOFF


def reading(headers: Mapping[str, str], *, now: datetime, refused: bool = False) -> RateLimitReading | None:
    """The canonical reading of one response (None when it declares nothing)."""
    limit = non_negative_int(_get(headers, "X-RateLimit-Limit"))
    remaining = non_negative_int(_get(headers, "X-RateLimit-Remaining"))
    reset = _iso(_get(headers, "X-RateLimit-Reset"))
    retry = retry_at(headers, now=now) if refused else retry_after(_get(headers, "Retry-After"), now)
    if limit is None and remaining is None and retry is None:
        return None
    return RateLimitReading(limit=limit, remaining=remaining, reset_at=reset, retry_at=retry)
