"""The canonical rate-limit reading: what one response said about the caller's budget at a platform.

Each connector parses its own platform's headers once (`platforms/bluesky/ratelimit.py`,
`platforms/mastodon/ratelimit.py`) into a `RateLimitReading`; the engine budgets from readings and
never sees a header. The bounds every platform shares live here, so that a 429's deadline and the
reading of the same response can never disagree.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

#: A deadline further away than this is a broken header, not a real reset (the longest window of
#: any platform Envol speaks to is a day): it is brought back to this bound.
LONGEST_WAIT = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class RateLimitReading:
    """One response's view of its tightest bucket, and the server's "not before" when it gave one."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: datetime | None = None
    window_seconds: float | None = None  # the bucket's length, when the server names it
    retry_at: datetime | None = None  # `retry-after`, or the reset of a refused call (429)


def bounded(when: datetime, now: datetime) -> datetime:
    """`when`, never earlier than `now` (clock skew) nor later than LONGEST_WAIT from it."""
    return min(max(when, now), now + LONGEST_WAIT)


def non_negative_int(value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() else None


def retry_after(value: str | None, now: datetime) -> datetime | None:
    """RFC 9110's `Retry-After`: delay seconds or an HTTP-date; bounded; None when unreadable."""
    if value is None:
        return None
    seconds = non_negative_int(value)
    if seconds is not None:
        return now + timedelta(seconds=min(seconds, int(LONGEST_WAIT.total_seconds())))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return bounded(when if when.tzinfo else when.replace(tzinfo=UTC), now)
