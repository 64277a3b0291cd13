"""When the engine looks again: the schedules of re-checks, declared once as data, and the rule that
calls a target gone. Pure functions of the times and counts stored on a FollowTask; no database, no
network (envol.reconnect.follow_run applies them).

- A follow request (`requested`) is re-checked at about 1 min, 10 min, 1 h and 6 h after it was
  sent, then daily for 14 days (`REQUEST_CHECKS`, offsets from the request): many servers accept
  later (Takahē always; Mastodon for a remote account until its server's Accept arrives). Accepted,
  it becomes done; after the last re-check it stays a pending request until the person acts.
- A target the person's instance cannot find now (a remote server briefly unreachable, or not
  fetchable yet) is looked up again with back-off (`LOOKUP_BACKOFF`). It is called gone only after
  at least `GONE_MISSES` failed resolutions spread over at least `GONE_SPAN`, AND a 404 or 410 from
  its own home server (the port's `confirms_gone`); a timeout, a 5xx, a TLS or DNS failure never
  counts. A gone target is looked up again weekly for 90 days.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from envol.reconnect.budgets import Policy

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)

#: Re-checks of a follow request, as offsets from the moment it was sent.
REQUEST_CHECKS: tuple[timedelta, ...] = (
    MINUTE,
    10 * MINUTE,
    HOUR,
    6 * HOUR,
    *(d * DAY for d in range(1, 15)),
)
#: Waits after the 1st, 2nd, … failed resolution of a target; the last one repeats.
LOOKUP_BACKOFF: tuple[timedelta, ...] = (10 * MINUTE, HOUR, 6 * HOUR, DAY)
GONE_MISSES = 3
GONE_SPAN = DAY
#: A gone target is looked up again this often, for this long after its first failed resolution.
GONE_EVERY = 7 * DAY
GONE_FOR = 90 * DAY
#: A target nobody finds, whose home server never confirms it gone, is given up after this long
#: (failed: the person may try again).
LOOKUP_FOR = 90 * DAY
#: Ids per relationships call (Mastodon answers at most 40).
CHECK_BATCH = 40


def next_request_check(requested_at: datetime, checks_done: int) -> datetime | None:
    """When to look at a request again, after `checks_done` re-checks; None: no more (pending)."""
    if checks_done >= len(REQUEST_CHECKS):
        return None
    return requested_at + REQUEST_CHECKS[checks_done]


def next_lookup(now: datetime, misses: int) -> datetime:
    """When to try resolving a target again after its `misses`-th failed resolution."""
    return now + LOOKUP_BACKOFF[min(max(misses, 1), len(LOOKUP_BACKOFF)) - 1]


def may_be_gone(misses: int, missed_since: datetime | None, now: datetime) -> bool:
    """Enough failed resolutions, over long enough, to ask the target's home server."""
    return misses >= GONE_MISSES and missed_since is not None and now - missed_since >= GONE_SPAN


def given_up(missed_since: datetime | None, now: datetime) -> bool:
    return missed_since is not None and now - missed_since >= LOOKUP_FOR


def next_gone_check(now: datetime, missed_since: datetime | None) -> datetime | None:
    """The weekly look at a gone target; None once 90 days have passed since it was first missed."""
    start = missed_since or now
    when = now + GONE_EVERY
    return when if when <= start + GONE_FOR else None


def check_policy(follow: Policy) -> Policy:
    """What re-checking costs against the follow budget's buckets: one request per call of up to
    CHECK_BATCH ids, and no follow (re-checks go on when the day's follows are spent)."""
    return replace(follow, per_item={}, per_call={"requests": 1}, max_batch=CHECK_BATCH)
